/**
 * What a case reference may look like: the one rule, used by the engine to accept or refuse one and by the channels
 * to describe it. A pack may declare its council's own format (`caseReference` in the pack); without one the default
 * holds. Either way a name must not get through: the default refuses any run of more than three letters, and a
 * pack's own pattern is checked at load time against names written as a case reference might be.
 */
import type { CaseReferenceFormat } from './schema';

/** Longest case reference kept; councils' case numbers are far shorter. */
export const CASE_REF_MAX = 32;

/** Names typed where a case reference goes, as people do: every pattern must refuse them (checked at load). */
export const NAME_LIKE = ['Jayden2011', 'JaneSmith', 'Jane Smith', 'jane.smith', 'Smith-12', 'Mohammed7'];

/** The default: digits, with letters, "/" or "-" where the number has them, never more than three letters in a row. */
const DEFAULT_FORMAT: CaseReferenceFormat = {
  pattern: '(?=[^\\s]*[0-9])(?![^\\s]*[A-Za-z]{4})[A-Za-z0-9][A-Za-z0-9/-]*',
  example: 'AB123456',
  description: 'the council\'s case number: digits, with letters, "/" or "-" where the number has them, but never more than three letters in a row',
};

/**
 * The default rule for a client that checks an input before sending it (a Teams card): no look-ahead, so every
 * client's regex engine runs it. Letter runs of at most three between digits, "/" and "-"; the engine's own check
 * (a digit, no leading "/" or "-") still follows on the server.
 */
const DEFAULT_INPUT_PATTERN = '^[A-Za-z]{0,3}(?:[0-9/-]+[A-Za-z]{1,3})*[0-9/-]*$';

export interface CaseReferenceRule {
  accepts(value: string): boolean;
  /** The same rule for a client to check before sending (anchored, no look-ahead for the default). */
  inputPattern: string;
  /** What a case reference is here, e.g. for an input's hint. */
  description: string;
  example: string;
  /** Why a value was refused, with what to do instead. */
  refusal: string;
}

/** The rule of a pack (its own format, or the default). */
export function caseReferenceRule(format: CaseReferenceFormat | undefined): CaseReferenceRule {
  const f = format ?? DEFAULT_FORMAT;
  const pattern = new RegExp(`^(?:${f.pattern})$`);
  return {
    accepts: (value) => value.length <= CASE_REF_MAX && !/\s/.test(value) && pattern.test(value),
    inputPattern: format ? `^(?:${format.pattern})$` : DEFAULT_INPUT_PATTERN,
    description: f.description,
    example: f.example,
    refusal:
      `That is not a case reference. A case reference is ${f.description} (for example ${f.example}), so that a ` +
      'name cannot be typed here. Never type the child\'s name. Type the case reference, or "skip".',
  };
}
