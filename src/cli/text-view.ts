/**
 * Plain-text rendering of the engine's View and Notice, for the terminal chat. Pure: strings in, string out.
 * No wrapping is done here: terminals wrap long lines themselves, and unwrapped text keeps every phone number,
 * e-mail address and seed sentence on one line where it can be searched for.
 */
import type { ActionView, CaseSummary, ContactView, GuidanceView, Notice, OptionView, TickedList, View } from '../engine';

const INDENT = '   ';

/** "Diary Manager: e-mail diary.manager@…", "Children & Families Direct: phone 0115 876 4800". */
export function renderContact(c: ContactView, withPurpose = false): string {
  const means = [c.phone ? `phone ${c.phone}` : '', c.email ? `e-mail ${c.email}` : ''].filter(Boolean).join(', ');
  const purpose = withPurpose && c.purpose ? ` (${c.purpose})` : '';
  return `${c.name}${means ? `: ${means}` : ''}${purpose}`;
}

function numbered(n: number, width: number): string {
  return `${String(n).padStart(width)}. `;
}

function renderOptions(options: OptionView[]): string[] {
  const width = String(options.length).length;
  return options.flatMap((o, i) => {
    const head = `${INDENT}${numbered(i + 1, width)}${o.label}`;
    if (!o.description) return [head];
    return [head, `${INDENT}${' '.repeat(width + 2)}${o.description}`];
  });
}

function renderActions(actions: ActionView[]): string[] {
  const width = String(actions.length).length;
  const pad = `${INDENT}${' '.repeat(width + 2)}`;
  return actions.flatMap((a, i) => [
    `${INDENT}${numbered(i + 1, width)}${a.text}`,
    // A contact that only repeats the action's own words ("Tri X" under "Tri X") is not printed twice.
    ...a.contacts.map((c) => renderContact(c)).filter((c) => c !== a.text).map((c) => `${pad}-> ${c}`),
  ]);
}

/** A list of contacts, one a line, each with its purpose. */
export function renderContacts(contacts: ContactView[]): string[] {
  return contacts.map((c) => `${INDENT}- ${renderContact(c, true)}`);
}

function renderGuidance(guidance: GuidanceView[]): string[] {
  if (guidance.length === 0) return [];
  return [
    '',
    'Guidance:',
    ...guidance.flatMap((g) => [
      `${INDENT}${g.title}`,
      ...(g.text ? [`${INDENT}${g.text}`] : []),
      ...g.points.map((p) => `${INDENT}  * ${p}`),
    ]),
  ];
}

function renderTicked(ticked: TickedList[]): string[] {
  if (ticked.length === 0) return [];
  return [
    '',
    'Indicators you ticked in the toolkit:',
    ...ticked.flatMap((list) => [
      `${INDENT}${list.title}:${list.groups.length === 0 ? ' none' : ''}`,
      ...list.groups.flatMap((g) => [`${INDENT}  ${g.title}:`, ...g.items.map((item) => `${INDENT}    - ${item}`)]),
    ]),
  ];
}

/** The short record of a finished run: what was answered and decided (never a name). */
export function renderSummary(s: CaseSummary): string[] {
  const lines = ['', 'Record of this run:'];
  lines.push(`${INDENT}Case reference: ${s.caseRef ?? 'none given'}`);
  for (const a of s.answers) lines.push(`${INDENT}${a.heading}: ${a.label}`);
  return lines;
}

/** Renders one view: position line, title, text, then what the step needs, then the hint. */
export function renderView(view: View): string {
  const lines: string[] = [view.position, view.title];
  if (view.text) lines.push(view.text);

  switch (view.kind) {
    case 'question':
      lines.push(...renderGuidance(view.guidance), '', ...renderOptions(view.options));
      break;
    case 'checklist': {
      if (view.note) lines.push(`(${view.note})`);
      lines.push(...renderGuidance(view.guidance));
      const last = view.groups.flatMap((g) => g.items).length;
      const width = String(last).length;
      for (const g of view.groups) {
        lines.push('', g.title);
        for (const item of g.items) lines.push(`${INDENT}${numbered(item.n, width)}${item.text}`);
      }
      break;
    }
    case 'risk-level':
      lines.push(...renderGuidance(view.guidance), ...renderTicked(view.ticked), '');
      if (view.levelsNote) lines.push(view.levelsNote);
      lines.push('Risk levels:', ...renderOptions(view.options));
      break;
    case 'actions':
      if (view.basis) lines.push(`Basis: ${view.basis}`);
      lines.push(...renderGuidance(view.guidance));
      if (view.actions.length > 0) lines.push('', ...renderActions(view.actions));
      break;
    case 'case-reference':
      lines.push(...renderGuidance(view.guidance));
      break;
    case 'outcome':
      lines.push('', 'Next steps:', ...renderActions(view.actions));
      if (view.contacts.length > 0) lines.push('', 'Contacts:', ...renderContacts(view.contacts));
      lines.push(...renderGuidance(view.guidance));
      lines.push(...renderTicked(view.summary.indicators));
      lines.push(...renderSummary(view.summary));
      lines.push('', view.provenance);
      break;
  }
  if (view.kind !== 'outcome') lines.push('', view.hint);
  return lines.join('\n');
}

/** Renders a notice: errors start with "Error:", information with its title, then its lines and contacts. */
export function renderNotice(notice: Notice): string {
  const lines = [notice.kind === 'error' ? `Error: ${notice.title}` : `[${notice.title}]`];
  lines.push(...notice.lines.map((l) => `${INDENT}${l}`));
  if (notice.contacts && notice.contacts.length > 0) lines.push(...renderContacts(notice.contacts));
  return lines.join('\n');
}

/** The line printed when an input left the run where it was: where the user still is and what to type. */
export function renderReminder(view: View): string {
  return view.kind === 'outcome' ? `Still at ${view.position}` : `Still at ${view.position}\n${view.hint}`;
}
