/**
 * What a click or a modal submission carries back, and how it is read. Every button's `value` is JSON naming the
 * view it belongs to (`ref`), so an old button is recognised as stale by the engine; a command needs no ref.
 *
 * - `cse_answer:<i>`: value `{ref, value}`, an answer to the view (an option, "done", "skip" or [] for "None of these");
 * - `cse_cmd:<command>`: a command (emergency, back, contacts, restart, carry-on, guidance, resume …);
 * - `cse_open_checklist` / `cse_open_case_ref`: value `{ref}`, opens the checklist or case-reference modal;
 * - `cse_send_summary`: value `{ref}`; the manager is the message's `cse_manager` users_select, read from its state;
 * - `cse_acknowledge`: value `{notification}`; `cse_start`: the App Home Start button.
 *
 * Choosing a user in the `cse_manager` select also sends a block_actions payload: it is nothing to act on (the choice
 * is read when "Send summary" is clicked), and parses to null like anything that is not ours. Acknowledge it.
 */
import { z } from 'zod';
import { LIMITS } from './elements';

export const ACTION = {
  answerPrefix: 'cse_answer:',
  commandPrefix: 'cse_cmd:',
  openChecklist: 'cse_open_checklist',
  openCaseRef: 'cse_open_case_ref',
  manager: 'cse_manager',
  sendSummary: 'cse_send_summary',
  acknowledge: 'cse_acknowledge',
  start: 'cse_start',
} as const;

export const CALLBACK = { checklist: 'cse_checklist', caseRef: 'cse_case_ref' } as const;

/** The case-reference modal's input: block_id and action_id, for `response_action: 'errors'` replies. */
export const CASE_REF_BLOCK = 'case_ref';
export const CASE_REF_ACTION = 'value';
/** Block ids of a checklist modal's groups are `cse_group:<n>`; each holds one checkboxes element of this action_id. */
export const GROUP_BLOCK_PREFIX = 'cse_group:';
export const INDICATORS_ACTION = 'cse_indicators';
/** Block id of the outcome's manager picker and Send button; of the manager summary's Acknowledge button. */
export const MANAGER_BLOCK = 'cse_manager_block';
export const ACKNOWLEDGE_BLOCK = 'cse_acknowledge_block';

export const SLACK_COMMANDS = ['emergency', 'carry-on', 'back', 'restart', 'contacts', 'help', 'guidance', 'check', 'resume'] as const;
export type SlackCommand = (typeof SLACK_COMMANDS)[number];

export type SlackAction =
  | { kind: 'answer'; ref: string; value: string | string[] }
  | { kind: 'command'; command: SlackCommand }
  | { kind: 'open-checklist'; ref: string }
  | { kind: 'open-case-ref'; ref: string }
  | { kind: 'send-summary'; ref: string; manager: string }
  | { kind: 'acknowledge'; notification: string }
  | { kind: 'start' };

const MAX_ID = 200;
const MAX_ITEMS = 200;
/** Longer than any case reference (32): the engine judges the format, this only bounds what is handed on. */
const MAX_CASE_REF_TEXT = 100;
/** Slack user ids: U… (or W… on Enterprise Grid), upper-case letters and digits. */
const USER_ID = /^[UW][A-Z0-9]{2,39}$/;

const Ref = z.string().min(1).max(300);
const AnswerValue = z.object({ ref: Ref, value: z.union([z.string().max(MAX_ID), z.array(z.string().max(MAX_ID)).max(MAX_ITEMS)]) });
const RefValue = z.object({ ref: Ref });
const NotificationValue = z.object({ notification: z.string().min(1).max(MAX_ID) });
/** A checklist modal's metadata: its view's ref, and the indicator ids too long for an option value, by stand-in. */
const ChecklistMeta = z.object({ ref: Ref, ids: z.record(z.string(), z.string().min(1)).optional() });

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A button's or metadata's JSON, checked against its schema; null for anything else. */
function readJson<T>(text: unknown, schema: z.ZodType<T>): T | null {
  if (typeof text !== 'string' || text.length > Math.max(LIMITS.buttonValue, LIMITS.privateMetadata)) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/** A button value `{ref, value}` for an answer. */
export const answerValue = (ref: string, value: string | string[]): string => JSON.stringify({ ref, value });
export const refValue = (ref: string): string => JSON.stringify({ ref });
export const notificationValue = (notification: string): string => JSON.stringify({ notification });

/**
 * The user chosen in a message's `cse_manager` users_select: from `state.values[block][cse_manager].selected_user`
 * (a block_actions payload's `state`; its `values` alone is accepted too). Null when none is chosen.
 */
export function selectedManager(state: unknown): string | null {
  if (!isRecord(state)) return null;
  const values = isRecord(state.values) ? state.values : state;
  for (const block of Object.values(values)) {
    if (!isRecord(block)) continue;
    const select = block[ACTION.manager];
    if (isRecord(select) && typeof select.selected_user === 'string' && USER_ID.test(select.selected_user)) return select.selected_user;
  }
  return null;
}

/** Parses one block_actions action (its action_id and value, plus the message's users_select state for send-summary). */
export function parseBlockAction(action: { action_id: string; value?: string; selected_user?: string }, state?: unknown): SlackAction | null {
  if (!isRecord(action)) return null;
  const id = action.action_id;
  if (typeof id !== 'string' || id.length > LIMITS.actionId) return null;
  if (id.startsWith(ACTION.answerPrefix)) {
    if (!/^\d{1,4}$/.test(id.slice(ACTION.answerPrefix.length))) return null;
    const v = readJson(action.value, AnswerValue);
    return v ? { kind: 'answer', ref: v.ref, value: v.value } : null;
  }
  if (id.startsWith(ACTION.commandPrefix)) {
    const command = SLACK_COMMANDS.find((c) => c === id.slice(ACTION.commandPrefix.length));
    return command ? { kind: 'command', command } : null;
  }
  switch (id) {
    case ACTION.openChecklist:
    case ACTION.openCaseRef: {
      const v = readJson(action.value, RefValue);
      if (!v) return null;
      return id === ACTION.openChecklist ? { kind: 'open-checklist', ref: v.ref } : { kind: 'open-case-ref', ref: v.ref };
    }
    case ACTION.sendSummary: {
      const v = readJson(action.value, RefValue);
      const manager = selectedManager(state);
      return v && manager ? { kind: 'send-summary', ref: v.ref, manager } : null;
    }
    case ACTION.acknowledge: {
      const v = readJson(action.value, NotificationValue);
      return v ? { kind: 'acknowledge', notification: v.notification } : null;
    }
    case ACTION.start:
      return { kind: 'start' };
    default:
      return null;
  }
}

/** The private_metadata of a checklist modal. */
export function checklistMetadata(ref: string, ids: Record<string, string>): string {
  return JSON.stringify(Object.keys(ids).length > 0 ? { ref, ids } : { ref });
}

/** Reads a submitted checklist or case-ref modal: {ref, value} (string[] of indicator ids / typed text or 'skip'). */
export function parseModalSubmission(view: {
  callback_id: string;
  private_metadata: string;
  state: { values: Record<string, Record<string, unknown>> };
}): { ref: string; value: string | string[] } | null {
  if (!isRecord(view) || !isRecord(view.state) || !isRecord(view.state.values)) return null;
  const values = view.state.values;
  if (view.callback_id === CALLBACK.checklist) {
    const meta = readJson(view.private_metadata, ChecklistMeta);
    if (!meta) return null;
    const ids: string[] = [];
    for (const [blockId, block] of Object.entries(values)) {
      if (!blockId.startsWith(GROUP_BLOCK_PREFIX) || !isRecord(block)) continue;
      const input = block[INDICATORS_ACTION];
      if (!isRecord(input)) continue;
      const selected = input.selected_options ?? [];
      if (!Array.isArray(selected)) return null;
      for (const option of selected) {
        if (!isRecord(option) || typeof option.value !== 'string') return null;
        const id = Object.hasOwn(meta.ids ?? {}, option.value) ? meta.ids![option.value]! : option.value;
        if (id.length === 0 || id.length > MAX_ID) return null;
        ids.push(id);
      }
    }
    const unique = [...new Set(ids)];
    return unique.length > MAX_ITEMS ? null : { ref: meta.ref, value: unique };
  }
  if (view.callback_id === CALLBACK.caseRef) {
    const meta = readJson(view.private_metadata, RefValue);
    if (!meta) return null;
    const block = values[CASE_REF_BLOCK];
    const input = isRecord(block) ? block[CASE_REF_ACTION] : undefined;
    const typed = isRecord(input) ? input.value : undefined;
    if (typed !== undefined && typed !== null && typeof typed !== 'string') return null;
    const text = typeof typed === 'string' ? typed.trim() : '';
    if (text.length > MAX_CASE_REF_TEXT) return null;
    return { ref: meta.ref, value: text === '' ? 'skip' : text };
  }
  return null;
}
