/**
 * What a card's button sends back, validated. Teams merges the card's inputs into the button's data:
 *
 * - Action.Execute arrives as an `adaptiveCard/action` invoke whose value is
 *   `{ action: { type: 'Action.Execute', verb, data: { ...data, ...inputs } } }`;
 * - Action.Submit (Execute's fallback) arrives as a message activity whose `value` is `{ ...data, ...inputs }`.
 *
 * The adapter passes that merged object (either one; the Execute envelope is unwrapped here too). Inputs are keyed
 * by their ids: `ind:<indicator id>` ("true"/"false") on a checklist, `caseRef` on the case-reference step and
 * `manager` (the people picker) on an outcome. They are read for the sentinel values below and otherwise dropped.
 */
import { z } from 'zod';

/** The answer value of the checklist's submit button: the answer is the ticked `ind:*` inputs (see checklistValue). */
export const CHECKLIST_VALUE = '__checklist__';
/** The answer value of the case-reference Save button: the answer is the typed `caseRef` input (see caseRefValue). */
export const CASE_REF_VALUE = '__caseRef__';
/** Id prefix of a checklist's Input.Toggle: `ind:<indicator id>`. */
export const INDICATOR_INPUT_PREFIX = 'ind:';
export const CASE_REF_INPUT = 'caseRef';
export const MANAGER_INPUT = 'manager';

export const CARD_COMMANDS = ['emergency', 'carry-on', 'back', 'restart', 'contacts', 'help', 'guidance', 'check'] as const;

/** What a card action carries back in `action.data` (Action.Execute) or `activity.value` (Action.Submit). */
export type CardAction =
  | { verb: 'answer'; ref: string; value: string | string[] }
  | { verb: 'command'; command: 'emergency' | 'carry-on' | 'back' | 'restart' | 'contacts' | 'help' | 'guidance' | 'check' }
  | { verb: 'send-summary'; ref: string; manager: string }
  | { verb: 'acknowledge'; notification: string };

const MAX_ID = 200;
const MAX_ITEMS = 200;
/** Longer than any case reference (32): the engine judges the format, this only bounds what is handed on. */
const MAX_CASE_REF_TEXT = 100;

const Ref = z.string().min(1).max(300);
const Id = z.string().min(1).max(MAX_ID);

const Payload = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('answer'), ref: Ref, value: z.union([z.string().max(MAX_ID), z.array(z.string().max(MAX_ID)).max(MAX_ITEMS)]) }),
  z.object({ verb: z.literal('command'), command: z.enum(CARD_COMMANDS) }),
  z.object({ verb: z.literal('send-summary'), ref: Ref, manager: z.unknown() }),
  z.object({ verb: z.literal('acknowledge'), notification: Id }),
]);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The indicator ids ticked on a checklist card. The adapter gets one `ind:<indicator id>` key per toggle in the
 * merged data, valued "true" (ticked) or "false" (valueOn/valueOff); the answer is the ids of the "true" ones, in
 * the order given (the engine puts them in the list's order). Anything else is ignored.
 */
export function checklistValue(data: Record<string, unknown>): string[] {
  const ids = Object.entries(data)
    .filter(([key, value]) => key.startsWith(INDICATOR_INPUT_PREFIX) && (value === 'true' || value === true))
    .map(([key]) => key.slice(INDICATOR_INPUT_PREFIX.length))
    .filter((id) => id.length > 0);
  return [...new Set(ids)];
}

/** The case reference typed on the card (trimmed), or "skip" when the Skip button was used or nothing was typed. */
export function caseRefValue(data: Record<string, unknown>): string {
  if (data.value === 'skip') return 'skip';
  const typed = data[CASE_REF_INPUT];
  const text = typeof typed === 'string' ? typed.trim() : '';
  return text === '' ? 'skip' : text;
}

/**
 * The user id from the people picker. Teams sends the chosen user's id as a string (several, comma-separated, for a
 * multi-select); a JSON array string or an array is accepted too. The first id is taken; null when there is none.
 */
export function managerId(raw: unknown): string | null {
  let first: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.length > MAX_ID * MAX_ITEMS) return null;
    if (text.startsWith('[')) {
      let list: unknown;
      try {
        list = JSON.parse(text);
      } catch {
        return null;
      }
      if (!Array.isArray(list)) return null;
      first = list[0];
    } else {
      first = text.split(',')[0];
    }
  } else if (Array.isArray(raw)) {
    first = raw[0];
  }
  if (typeof first !== 'string') return null;
  const id = first.trim();
  // Directory ids are GUIDs; Teams and Bot Framework ids add ":", "_", "@" and ".". Nothing else is an id.
  return id.length <= MAX_ID && /^[A-Za-z0-9:_@.-]+$/.test(id) ? id : null;
}

/** The merged data object, out of an Execute invoke's `{ action: { verb, data } }` envelope when given one. */
function unwrap(data: unknown): Record<string, unknown> | null {
  if (!isRecord(data)) return null;
  const action = data.action;
  if (isRecord(action) && isRecord(action.data) && data.verb === undefined) {
    return { ...action.data, verb: action.data.verb ?? action.verb };
  }
  return data;
}

/** Validates what a card sent back; null when it is not one of ours. */
export function parseCardAction(data: unknown): CardAction | null {
  const merged = unwrap(data);
  if (!merged) return null;
  const parsed = Payload.safeParse(merged);
  if (!parsed.success) return null;
  const p = parsed.data;
  switch (p.verb) {
    case 'answer': {
      if (p.value === CHECKLIST_VALUE) {
        const ticked = checklistValue(merged);
        if (ticked.length > MAX_ITEMS || ticked.some((id) => id.length > MAX_ID)) return null;
        return { verb: 'answer', ref: p.ref, value: ticked };
      }
      if (p.value === CASE_REF_VALUE) {
        const text = caseRefValue(merged);
        return text.length > MAX_CASE_REF_TEXT ? null : { verb: 'answer', ref: p.ref, value: text };
      }
      return { verb: 'answer', ref: p.ref, value: p.value };
    }
    case 'command':
      return { verb: 'command', command: p.command };
    case 'send-summary': {
      const manager = managerId(merged[MANAGER_INPUT]);
      return manager ? { verb: 'send-summary', ref: p.ref, manager } : null;
    }
    case 'acknowledge':
      return { verb: 'acknowledge', notification: p.notification };
  }
}
