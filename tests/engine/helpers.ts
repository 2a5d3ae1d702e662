/**
 * Test helpers for the engine suites: the real packs, a session that plays turns through the engine (round-tripping
 * the state through JSON between every turn, as a store would), and paths generated from a pack's graph.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEngine, type Engine } from '../../src/engine';
import type { Command, ConversationState, Effect, Input, Notice, StepResult, View } from '../../src/engine';
import { loadProcedureFile, parseCommon } from '../../src/procedure/load';
import type { Procedure, Step } from '../../src/procedure/schema';

export const DIALOGS = resolve(__dirname, '../../dialogs');
/** The councils' source documents, kept beside the packs. */
export const SOURCES = resolve(DIALOGS, 'sources');

export const nottingham = loadProcedureFile(resolve(DIALOGS, 'nottingham-city.yaml'));
export const sandwell = loadProcedureFile(resolve(DIALOGS, 'sandwell.yaml'));
export const commonFile = resolve(DIALOGS, 'common/common.yaml');
export const common = parseCommon(readFileSync(commonFile, 'utf8'), commonFile);
export const packs = { 'nottingham-city': nottingham, sandwell } as const;
export type AreaId = keyof typeof packs;

export type Mode = 'single' | 'multi';

/** Both packs enabled (the area is asked after the danger question), or one pack fixed by defaultArea. */
export function engineFor(mode: Mode, area: AreaId): Engine {
  return mode === 'multi'
    ? createEngine({ procedures: [nottingham, sandwell], common })
    : createEngine({ procedures: [nottingham, sandwell], common, defaultArea: area });
}

/** The `now` of turn i: one minute apart, from a fixed instant (tests own the clock, the engine never reads it). */
export const at = (i: number): string => new Date(Date.UTC(2026, 2, 2, 9, 0, 0) + i * 60_000).toISOString();

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** What the user does on a row of a transcript. */
export type Said =
  | string
  | { click: string | string[] }
  | { command: Command }
  | { sendSummary: { id: string; name?: string } };

/** What the bot is expected to show: the view's position, or several fields of the result. */
export type Shows =
  | string
  | {
      position: string;
      title?: string;
      kind?: View['kind'];
      notice?: string;
      error?: string;
      /** Strings the serialised view must contain. */
      includes?: string[];
    };

export type Row = [Said, Shows];

/** One conversation: every turn's state is serialised and parsed again before it is handed back to the engine. */
export class Session {
  result: StepResult;
  readonly startedAt: string;
  readonly results: StepResult[] = [];
  readonly effects: { turn: number; effect: Effect }[] = [];
  readonly notices: Notice[] = [];
  /** The `now` of the turn that last answered each node (from the trail growing). */
  readonly answeredAt = new Map<string, string>();
  turn = 0;

  constructor(readonly engine: Engine) {
    this.startedAt = at(0);
    this.result = engine.start(this.startedAt);
    this.results.push(this.result);
    expectSerialisable(this.result);
  }

  get state(): ConversationState {
    return this.result.state;
  }

  get view(): View {
    return this.result.view;
  }

  send(input: Input): StepResult {
    const now = at(++this.turn);
    const stored = JSON.stringify(this.state);
    const before = JSON.parse(stored) as ConversationState;
    const r = this.engine.step(before, input, now);
    expectSerialisable(r);
    // The engine must not mutate the state it was handed.
    expect(JSON.stringify(before)).toBe(stored);
    // The stored state alone gives back the same view.
    expect(this.engine.view(roundTrip(r.state), now)).toEqual(r.view);
    const trail = r.state.ctx.trail;
    if (trail.length > this.state.ctx.trail.length) this.answeredAt.set(trail[trail.length - 1]!, now);
    this.result = r;
    this.results.push(r);
    if (r.notice) this.notices.push(r.notice);
    for (const effect of r.effects) this.effects.push({ turn: this.turn, effect });
    return r;
  }

  say(text: string): StepResult {
    return this.send({ type: 'text', text });
  }

  click(value: string | string[]): StepResult {
    return this.send({ type: 'answer', ref: this.view.ref, value });
  }

  do(said: Said): StepResult {
    if (typeof said === 'string') return this.say(said);
    if ('click' in said) return this.click(said.click);
    if ('command' in said) return this.send({ type: 'command', command: said.command });
    return this.send({ type: 'send-summary', ref: this.view.ref, manager: said.sendSummary });
  }

  /** Everything the user was shown: views, notices and effects, as one string. */
  transcriptText(): string {
    return JSON.stringify(this.results.map((r) => ({ view: r.view, notice: r.notice, effects: r.effects })));
  }
}

function expectSerialisable(r: StepResult): void {
  expect(roundTrip(r.state)).toEqual(r.state);
  expect(roundTrip(r.view)).toEqual(r.view);
}

/** Every view tells the user where they are and what they can type. */
export function expectWellFormed(view: View): void {
  expect(view.position).toMatch(/^(Step \d+: \S.*|Emergency|Outcome: \S.*|Questions to ask yourself.*)$/);
  expect(typeof view.hint).toBe('string');
  expect(view.hint.trim().length).toBeGreaterThan(0);
}

function describeShows(r: StepResult, shows: Shows): Record<string, unknown> {
  const expected = typeof shows === 'string' ? { position: shows } : shows;
  const actual: Record<string, unknown> = { position: r.view.position };
  if (expected.title !== undefined) actual.title = r.view.title;
  if (expected.kind !== undefined) actual.kind = r.view.kind;
  if (expected.notice !== undefined) actual.notice = r.notice?.title;
  actual.error = r.error?.code;
  if (expected.includes !== undefined) {
    const text = JSON.stringify(r.view);
    actual.includes = expected.includes.filter((s) => text.includes(s));
  }
  return actual;
}

/** Plays a transcript table; a failing row is reported with its number and what the user said. */
export function play(session: Session, start: Shows, rows: Row[]): void {
  expectWellFormed(session.view);
  expect({ row: 0, said: '(start)', shows: describeShows(session.result, start) }).toEqual({
    row: 0,
    said: '(start)',
    shows: { ...(typeof start === 'string' ? { position: start } : start), error: undefined },
  });
  rows.forEach(([said, shows], i) => {
    const r = session.do(said);
    expectWellFormed(r.view);
    const expected = typeof shows === 'string' ? { position: shows } : shows;
    expect({ row: i + 1, said, shows: describeShows(r, shows) }).toEqual({
      row: i + 1,
      said,
      shows: { ...expected, error: expected.error },
    });
  });
}

/** Renumbers "Step N:" positions by `by` (a multi-area run has the area question before the pack's steps). */
export function shift(rows: Row[], by: number): Row[] {
  const renumber = (position: string) => position.replace(/^Step (\d+):/, (_, n: string) => `Step ${Number(n) + by}:`);
  return rows.map(([said, shows]) => [said, typeof shows === 'string' ? renumber(shows) : { ...shows, position: renumber(shows.position) }]);
}

// ---------------------------------------------------------------------------------------------------------------
// Paths generated from a pack's graph.

/** One answer on the way to a step: the node answered and the value clicked. */
export interface Hop {
  node: string;
  value: string | string[];
}

export const CASE_REF = 'AB-1234';

/** The steps a step leads to, each with the value that takes that exit (a plain answer before a self-check one). */
export function exitsOf(p: Procedure, step: Step): { next: string; value: string | string[] }[] {
  switch (step.kind) {
    case 'danger':
      return [{ next: step.next, value: 'no' }];
    case 'question':
      return [...step.answers].sort((a, b) => Number(a.selfCheck) - Number(b.selfCheck)).map((a) => ({ next: a.next, value: a.id }));
    case 'risk-level':
      return step.levels.map((l) => ({ next: l.next, value: l.level }));
    case 'actions':
      return [{ next: step.next, value: 'done' }];
    case 'checklist': {
      const first = p.indicatorLists.find((l) => l.id === step.list)?.groups[0]?.indicators[0];
      return [{ next: step.next, value: first ? [first.id] : [] }];
    }
    case 'case-reference':
      return [{ next: step.next, value: CASE_REF }];
    case 'outcome':
      return [];
  }
}

/** The shortest path (breadth first) from the pack's start to every step: the hops to take, in order. */
export function pathsOf(p: Procedure): Map<string, { step: Step; hops: { step: string; value: string | string[] }[] }> {
  const byId = new Map(p.steps.map((s) => [s.id, s]));
  const paths = new Map<string, { step: Step; hops: { step: string; value: string | string[] }[] }>();
  paths.set(p.start, { step: byId.get(p.start)!, hops: [] });
  const queue = [p.start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const { step, hops } = paths.get(id)!;
    for (const exit of exitsOf(p, step)) {
      if (paths.has(exit.next)) continue;
      paths.set(exit.next, { step: byId.get(exit.next)!, hops: [...hops, { step: id, value: exit.value }] });
      queue.push(exit.next);
    }
  }
  return paths;
}

/** A node a run can stand on that is not an outcome, with the hops that reach it in a given mode. */
export interface Place {
  label: string;
  mode: Mode;
  area: AreaId;
  node: string;
  /** The pack step, or null for the area-neutral danger and area questions. */
  step: Step | null;
  hops: Hop[];
}

/** Every reachable non-outcome node of a pack in a mode, generated from the pack (not listed by hand). */
export function placesOf(area: AreaId, mode: Mode): Place[] {
  const p = packs[area];
  const places: Place[] = [];
  const prefix: Hop[] = mode === 'multi' ? [{ node: '@danger', value: 'no' }, { node: '@area', value: area }] : [];
  if (mode === 'multi') {
    places.push({ label: `${mode} ${area} @danger`, mode, area, node: '@danger', step: null, hops: [] });
    places.push({ label: `${mode} ${area} @area`, mode, area, node: '@area', step: null, hops: prefix.slice(0, 1) });
  }
  for (const [id, { step, hops }] of pathsOf(p)) {
    if (step.kind === 'outcome') continue;
    // With more than one area the area-neutral danger question stands in for the pack's own.
    if (mode === 'multi' && id === p.start) continue;
    const packHops = hops.filter((h) => !(mode === 'multi' && h.step === p.start)).map((h) => ({ node: `${area}/${h.step}`, value: h.value }));
    places.push({ label: `${mode} ${area} ${id}`, mode, area, node: `${area}/${id}`, step, hops: [...prefix, ...packHops] });
  }
  return places;
}

/** Plays the hops of a place by clicking, checking each hop lands where the pack says; returns the views seen. */
export function reach(engine: Engine, place: Place): { session: Session; seen: { node: string; view: View }[] } {
  const session = new Session(engine);
  const seen: { node: string; view: View }[] = [];
  for (const hop of place.hops) {
    expect(session.state.node).toBe(hop.node);
    seen.push({ node: session.state.node, view: session.view });
    const r = session.click(hop.value);
    expect(r.error).toBeUndefined();
  }
  expect(session.state.node).toBe(place.node);
  return { session, seen };
}

/** A view with its ref blanked (the ref changes whenever the state does), to compare what the user sees. */
export function withoutRef(view: View): View {
  return { ...view, ref: '' };
}

export function readSeed(name: string): string {
  return readFileSync(resolve(SOURCES, name), 'utf8');
}

/** A value that answers this place's question, taking the same exit as the generated path would. */
export function validValue(place: Place): string | string[] {
  if (place.node === '@danger') return 'no';
  if (place.node === '@area') return place.area;
  const step = place.step!;
  switch (step.kind) {
    case 'danger':
      return 'no';
    case 'question':
      return step.answers.find((a) => !a.selfCheck)!.id;
    case 'risk-level':
      return step.levels[0]!.level;
    case 'actions':
      return 'done';
    case 'checklist':
      return [];
    case 'case-reference':
      return CASE_REF;
    case 'outcome':
      throw new Error('outcomes are not places');
  }
}
