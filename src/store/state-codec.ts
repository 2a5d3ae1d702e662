/**
 * How a conversation's engine state is written to the `state` column, and read back.
 *
 * The engine keeps its state in the readable v1 shape (src/engine/types.ts). Stored as is, most of that is
 * repetition: every step key in the trail is written twice (once in `trail`, once as a key of `answers`), each with
 * its area in front ("nottingham-city/…"), and every answer carries a full ISO time. The stored form, v2, writes the
 * same facts once each, still as plain, self-describing JSON of ids:
 *
 * ```json
 * { "v": 2, "node": "toolkit-signs", "seq": 4, "area": "nottingham-city", "startedAt": "2026-03-02T09:00:00.000Z",
 *   "trail": [["immediate-danger", "no", 12.5], ["check-records", "done", 61.2], ["case-reference", "given", 75],
 *             ["toolkit-vulnerability", "ticked", 130.04]],
 *   "indicators": { "vulnerability": "chaotic-family homeless" }, "caseRef": "AB123" }
 * ```
 *
 * - step keys of the run's own area are written without the "area/" prefix (`node`, `trail`, `returnTo`); "@" places
 *   and keys of any other area are written whole;
 * - `trail` is the trail, oldest first; an entry is [step, answer, seconds after startedAt] where the answer recorded
 *   for that step belongs, [step] otherwise;
 * - times are seconds after `startedAt` with millisecond precision (`completedAt` too);
 * - lists of ids (ticked indicators, self-check questions answered "no") are one space-separated string, "" for none;
 * - fields that are null or empty in the engine's state are left out.
 *
 * Nothing here depends on a pack: indicators and steps are kept by id, never by position, so a new pack version
 * reads an old state exactly as the engine would have. Writing is checked to be lossless: a state whose v2 form
 * would not read back to exactly the same state (a time that is not in Date#toISOString's form, say) is written in
 * the v1 shape instead, and v1 states (every row written before v2 existed) are read back unchanged.
 *
 * It is a storage format, so it lives with the store; the engine never sees it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AnswerRecord, ConversationState, RunContext } from '../engine';

/** One trail entry: the step alone, or with the answer recorded there and its time (seconds after startedAt). */
export type StoredTrailEntry = [step: string] | [step: string, answer: string, seconds: number];

/** A ConversationState as the store writes it. */
export interface StoredStateV2 {
  v: 2;
  node: string;
  seq: number;
  area?: string;
  startedAt: string;
  completedAt?: number;
  trail?: StoredTrailEntry[];
  /** Ticked indicator ids per list id, space-separated ("" when the list was answered with none). */
  indicators?: Record<string, string>;
  riskLevel?: string;
  caseRef?: string;
  returnTo?: string;
  /** Self-check progress: the index of the current question and the ids answered "no", space-separated. */
  selfCheck?: { index: number; no: string };
  /** Each time the emergency step was shown: [the step it was shown from, seconds after startedAt]. */
  emergencies?: [from: string, seconds: number][];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A key of the run's own area loses its "area/" prefix; a relative key never contains "/" nor starts with "@". */
function relative(area: string | null, key: string): string {
  return area !== null && key.startsWith(`${area}/`) ? key.slice(area.length + 1) : key;
}

function absolute(area: string | null, key: string): string {
  return area === null || key.startsWith('@') || key.includes('/') ? key : `${area}/${key}`;
}

const joinIds = (ids: string[]): string => ids.join(' ');
const splitIds = (ids: string): string[] => (ids === '' ? [] : ids.split(' '));

/** The compact form of a state, without checking that it reads back. */
function pack(state: ConversationState): StoredStateV2 {
  const ctx = state.ctx;
  const start = Date.parse(ctx.startedAt);
  const seconds = (at: string) => (Date.parse(at) - start) / 1000;
  const rel = (key: string) => relative(ctx.area, key);
  // An answer belongs to the last visit of its step (recording one and going back both act on the trail's end).
  const last = new Map(ctx.trail.map((key, i) => [key, i]));
  const trail = ctx.trail.map((key, i): StoredTrailEntry => {
    const answer = last.get(key) === i ? ctx.answers[key] : undefined;
    return answer ? [rel(key), answer.v, seconds(answer.at)] : [rel(key)];
  });
  const indicators = Object.fromEntries(Object.entries(ctx.indicators).map(([list, ids]) => [list, joinIds(ids)]));
  return {
    v: 2,
    node: rel(state.node),
    seq: state.seq,
    ...(ctx.area !== null && { area: ctx.area }),
    startedAt: ctx.startedAt,
    ...(ctx.completedAt !== null && { completedAt: seconds(ctx.completedAt) }),
    ...(trail.length > 0 && { trail }),
    ...(Object.keys(indicators).length > 0 && { indicators }),
    ...(ctx.riskLevel !== null && { riskLevel: ctx.riskLevel }),
    ...(ctx.caseRef !== null && { caseRef: ctx.caseRef }),
    ...(ctx.returnTo !== null && { returnTo: rel(ctx.returnTo) }),
    ...(ctx.selfCheck !== null && { selfCheck: { index: ctx.selfCheck.index, no: joinIds(ctx.selfCheck.no) } }),
    ...(ctx.emergencies !== undefined && { emergencies: ctx.emergencies.map((e): [string, number] => [rel(e.from), seconds(e.at)]) }),
  };
}

/** The engine's state from its compact form; throws when the value is not a well-formed v2 state. */
function unpack(stored: StoredStateV2): ConversationState {
  const area = stored.area ?? null;
  const start = Date.parse(stored.startedAt);
  if (Number.isNaN(start)) throw new TypeError('startedAt is not a time');
  // toISOString throws on a time out of range, so a bad number cannot slip through as "Invalid Date".
  const time = (seconds: number) => new Date(start + Math.round(seconds * 1000)).toISOString();
  const trail: string[] = [];
  const answers: Record<string, AnswerRecord> = {};
  for (const [step, answer, seconds] of stored.trail ?? []) {
    const key = absolute(area, step);
    trail.push(key);
    if (answer !== undefined && seconds !== undefined) answers[key] = { v: answer, at: time(seconds) };
  }
  const ctx: RunContext = {
    area,
    trail,
    answers,
    indicators: Object.fromEntries(Object.entries(stored.indicators ?? {}).map(([list, ids]) => [list, splitIds(ids)])),
    riskLevel: stored.riskLevel ?? null,
    caseRef: stored.caseRef ?? null,
    returnTo: stored.returnTo === undefined ? null : absolute(area, stored.returnTo),
    selfCheck: stored.selfCheck ? { index: stored.selfCheck.index, no: splitIds(stored.selfCheck.no) } : null,
    startedAt: stored.startedAt,
    completedAt: stored.completedAt === undefined ? null : time(stored.completedAt),
    ...(stored.emergencies !== undefined && { emergencies: stored.emergencies.map(([from, seconds]) => ({ at: time(seconds), from: absolute(area, from) })) }),
  };
  return { v: 1, node: absolute(area, stored.node), seq: stored.seq, ctx };
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isSeconds = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const optional = <T>(x: unknown, is: (x: unknown) => x is T): boolean => x === undefined || is(x);

/** Whether a parsed value has the shape of a v2 state (the types of its fields; not whether its steps exist). */
function isStoredV2(x: unknown): x is StoredStateV2 {
  if (!isRecord(x) || x.v !== 2 || !isString(x.node) || typeof x.seq !== 'number' || !isString(x.startedAt)) return false;
  const entry = (e: unknown) =>
    Array.isArray(e) && isString(e[0]) && (e.length === 1 || (e.length === 3 && isString(e[1]) && isSeconds(e[2])));
  return (
    optional(x.area, isString) &&
    optional(x.completedAt, isSeconds) &&
    (x.trail === undefined || (Array.isArray(x.trail) && x.trail.every(entry))) &&
    (x.indicators === undefined || (isRecord(x.indicators) && Object.values(x.indicators).every(isString))) &&
    optional(x.riskLevel, isString) &&
    optional(x.caseRef, isString) &&
    optional(x.returnTo, isString) &&
    (x.selfCheck === undefined || (isRecord(x.selfCheck) && typeof x.selfCheck.index === 'number' && isString(x.selfCheck.no))) &&
    (x.emergencies === undefined || (Array.isArray(x.emergencies) && x.emergencies.every((e) => Array.isArray(e) && e.length === 2 && isString(e[0]) && isSeconds(e[1]))))
  );
}

/** The v2 form of a state and its JSON text, when that text reads back to exactly the same state; else null. */
function verifiedV2(state: ConversationState): { stored: StoredStateV2; text: string } | null {
  try {
    const stored = pack(state);
    // Through JSON, as the column holds it: a time that does not survive (NaN becomes null) fails the comparison.
    const text = JSON.stringify(stored);
    const back = JSON.parse(text) as unknown;
    if (isStoredV2(back) && isDeepStrictEqual(unpack(back), state)) return { stored, text };
  } catch {
    // Not a state the compact form can hold (a malformed one): it is written as it came.
  }
  return null;
}

/**
 * What the store writes for a state: its v2 form when that reads back to exactly the same state, else the state as
 * it is (v1, or whatever was handed in).
 */
export function encodeState(state: ConversationState): StoredStateV2 | ConversationState {
  return verifiedV2(state)?.stored ?? state;
}

/** encodeState as the column's text, serialised once (the read-back check already made the text). */
export function encodeStateText(state: ConversationState): string {
  return verifiedV2(state)?.text ?? JSON.stringify(state ?? null);
}

/**
 * The engine's state from what the store read: a v2 state is expanded to the engine's shape; anything else (a v1 state
 * written before v2, or a value the engine will not resume) is returned unchanged for the engine to judge.
 */
export function decodeState(stored: unknown): unknown {
  if (!isStoredV2(stored)) return stored;
  try {
    return unpack(stored);
  } catch {
    return stored;
  }
}
