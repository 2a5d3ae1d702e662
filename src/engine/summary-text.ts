import type { CaseSummary } from './types';

/** A time as a record shows it, to the minute, in UTC (the record's own times are UTC). */
function minute(at: string): string {
  return `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
}

/**
 * "Immediate danger" as every record and summary says it: the danger question's answer, and each time the emergency
 * step was shown later in the run, when and where; never "no" when an emergency was raised. One wording for the
 * manager's card, the Slack message and the exported chronology.
 */
export function immediateDangerText(summary: Pick<CaseSummary, 'immediateDanger' | 'emergencies'>): string {
  const shown = (summary.emergencies ?? []).map((e) => `emergency step shown ${minute(e.at)} at "${e.heading}"`);
  if (summary.immediateDanger === null && shown.length === 0) return 'not asked';
  const answer = summary.immediateDanger ?? 'yes';
  return shown.length > 0 ? `${answer} (${shown.join('; ')})` : answer;
}
