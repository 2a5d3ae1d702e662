/**
 * The engine's surface: a conversation's stored state, what a user can send, what the bot shows and the effects a
 * turn asks the outside world to carry out. All plain JSON.
 */

/** Where a run is: a step of an area's pack ("nottingham-city/open-case") or an area-neutral place ("@danger"). */
export type NodeKey = string;

export const SPECIAL = {
  danger: '@danger',
  area: '@area',
  emergency: '@emergency',
  selfCheck: '@self-check',
} as const;

export interface AnswerRecord {
  /** The answer's id (a question's answer id, a risk level id, "done", "yes"/"no", a case reference's absence "skip"). */
  v: string;
  at: string;
}

/** The run's memory. Never holds a name or free text: ids, a case reference and times only. */
export interface RunContext {
  area: string | null;
  /** Steps answered on the way to the current one, oldest first (for "back"). */
  trail: NodeKey[];
  answers: Record<string, AnswerRecord>;
  /** Indicator ids ticked, per indicator list id. */
  indicators: Record<string, string[]>;
  riskLevel: string | null;
  caseRef: string | null;
  /** Where an interrupt (emergency, self-check) returns to. */
  returnTo: NodeKey | null;
  /** Self-check progress: the index of the current question and the ids answered "no". */
  selfCheck: { index: number; no: string[] } | null;
  startedAt: string;
  completedAt: string | null;
  /**
   * Each time the emergency (call 999) step was shown in this run: when, and from which step. Absent when it never
   * was (and in states stored before it existed).
   */
  emergencies?: { at: string; from: NodeKey }[];
}

/**
 * A conversation's engine state: store it after every turn, hand it back on the next. (The store writes it in a
 * compact form and reads it back as exactly this; see src/store/state-codec.ts.)
 */
export interface ConversationState {
  v: 1;
  node: NodeKey;
  /** Bumped on every change, so an old button (same step, earlier visit) is recognised as stale. */
  seq: number;
  ctx: RunContext;
}

export type Command =
  | 'emergency'
  | 'carry-on'
  | 'back'
  | 'restart'
  | 'contacts'
  | 'help'
  | 'guidance'
  | 'check'
  | 'resume';

/** What a user sends: typed text, a click on a view's control, or a command from a menu. */
export type Input =
  | { type: 'text'; text: string }
  | { type: 'answer'; ref: string; value: string | string[] }
  | { type: 'command'; command: Command }
  | { type: 'send-summary'; ref: string; manager: { id: string; name?: string } };

export interface ContactView {
  id: string;
  name: string;
  purpose?: string;
  phone?: string;
  email?: string;
}

export interface ActionView {
  text: string;
  contacts: ContactView[];
}

export interface GuidanceView {
  title: string;
  text?: string;
  points: string[];
}

export interface OptionView {
  value: string;
  label: string;
  /** A longer description shown with the option (risk level definitions). */
  description?: string;
}

export interface IndicatorGroupView {
  id: string;
  title: string;
  items: { id: string; n: number; text: string }[];
}

export interface TickedList {
  list: string;
  title: string;
  groups: { title: string; items: string[] }[];
}

interface ViewBase {
  /** Identifies this view's question; an answer must carry it back, or it is stale. */
  ref: string;
  node: NodeKey;
  area: string | null;
  /** Where the user is, e.g. "Step 3: open case?". */
  position: string;
  title: string;
  text?: string;
  guidance: GuidanceView[];
  /** What the user can type here. */
  hint: string;
}

export type View =
  | (ViewBase & { kind: 'question'; options: OptionView[] })
  | (ViewBase & { kind: 'checklist'; list: string; note?: string; groups: IndicatorGroupView[] })
  | (ViewBase & { kind: 'risk-level'; options: OptionView[]; levelsNote?: string; ticked: TickedList[] })
  | (ViewBase & { kind: 'actions'; actions: ActionView[]; continueLabel: string; basis?: string })
  | (ViewBase & {
      kind: 'case-reference';
      /** What a case reference is in this area (the pack's format, or the default), for an input's hint and check. */
      format: { description: string; example: string; inputPattern: string };
    })
  | (ViewBase & {
      kind: 'outcome';
      actions: ActionView[];
      contacts: ContactView[];
      provenance: string;
      summary: CaseSummary;
    });

/** Something said before the view: an error, the contacts list, the help, a glossary answer. */
export interface Notice {
  kind: 'error' | 'info';
  title: string;
  lines: string[];
  contacts?: ContactView[];
}

export type ErrorCode = 'stale_answer' | 'invalid_answer' | 'unknown_area' | 'not_available';

export interface CaseSummary {
  area: string;
  areaName: string;
  procedure: string;
  packVersion: string;
  /** When the pack was last checked against its source document (older records say `reviewed`). */
  checked: string;
  provenance: string;
  caseRef: string | null;
  outcome: { step: string; title: string };
  /** "yes" when the danger question was answered yes or the emergency step was shown at any point of the run. */
  immediateDanger: 'yes' | 'no' | null;
  /** When the emergency step was shown, and at which step (its heading as the user saw it); absent in older records. */
  emergencies?: { at: string; step: string; heading: string }[];
  answers: { step: string; heading: string; answer: string; label: string; at: string }[];
  indicators: TickedList[];
  riskLevel: { id: string; label: string } | null;
  actions: ActionView[];
  startedAt: string;
  completedAt: string;
}

export type Effect =
  | { type: 'case-completed'; summary: CaseSummary }
  | { type: 'notify-manager'; manager: { id: string; name?: string }; summary: CaseSummary };

export interface StepResult {
  state: ConversationState;
  view: View;
  notice?: Notice;
  effects: Effect[];
  error?: { code: ErrorCode; message: string };
  /** Whether the state changed (nothing to save when false). */
  changed: boolean;
}
