/**
 * The stored state stays within 2 KB (2048 bytes of the `state` text the store writes) for any run of either pack.
 *
 * Every path from a pack's start to each of its outcomes is generated from the pack's graph and played in the
 * heaviest way it can be: the danger question answered "yes" (the emergency step, then carrying on), every indicator
 * of every list ticked, the longest case reference the engine accepts, the self-check taken (all "no") wherever it is
 * offered, and, at the outcome, "back" and the answer again, the self-check, and an emergency from it. Turns are just
 * under 30 days apart (the default SESSION_TTL_DAYS: a conversation idle longer is deleted), with milliseconds, so
 * every stored time has as many digits as it can have.
 *
 * Each turn's state goes through the store's codec as the store would write it, and the next turn starts from what
 * is read back, so these runs also prove that the compact form resumes exactly.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ConversationState, Engine, Input, StepResult } from '../../src/engine';
import type { Procedure, Step } from '../../src/procedure/schema';
import { decodeState, encodeState } from '../../src/store/state-codec';
import { engineFor, packs, type AreaId, type Mode } from './helpers';

const LIMIT = 2048;
/** The longest case reference the engine accepts: 32 characters. */
const LONGEST_REF = 'AB/1234-5678/9012-3456/7890-WXY1';
/** The longest gap between two turns of a conversation that is kept: a millisecond under 30 days. */
const TURN_MS = 30 * 86_400_000 - 1;
const START = Date.UTC(2026, 2, 2, 9, 0, 0, 123);

interface Hop {
  step: string;
  value: string | string[];
}

/** The heaviest answer that takes each exit of a step. */
function exitsOf(p: Procedure, step: Step): { next: string; value: string | string[] }[] {
  switch (step.kind) {
    case 'danger':
      return [{ next: step.next, value: 'yes' }];
    case 'question':
      return step.answers.map((a) => ({ next: a.next, value: a.id }));
    case 'risk-level':
      return step.levels.map((l) => ({ next: l.next, value: l.level }));
    case 'actions':
      return [{ next: step.next, value: 'done' }];
    case 'checklist': {
      const list = p.indicatorLists.find((l) => l.id === step.list)!;
      return [{ next: step.next, value: list.groups.flatMap((g) => g.indicators.map((i) => i.id)) }];
    }
    case 'case-reference':
      return [{ next: step.next, value: LONGEST_REF }];
    case 'outcome':
      return [];
  }
}

/** Every path without a repeated step from the start to an outcome: the hops in order. */
function pathsToOutcomes(p: Procedure): Hop[][] {
  const byId = new Map(p.steps.map((s) => [s.id, s]));
  const out: Hop[][] = [];
  const walk = (id: string, hops: Hop[], seen: Set<string>) => {
    const step = byId.get(id)!;
    if (step.kind === 'outcome') out.push(hops);
    for (const exit of exitsOf(p, step)) {
      if (!seen.has(exit.next)) walk(exit.next, [...hops, { step: id, value: exit.value }], new Set([...seen, exit.next]));
    }
  };
  walk(p.start, [], new Set([p.start]));
  return out;
}

/** A conversation whose state is stored and read back through the codec between turns, as the store does. */
class StoredRun {
  private turn = 0;
  result: StepResult;
  /** The largest stored text seen, and the state it held. */
  largest = { bytes: 0, node: '' };

  constructor(private readonly engine: Engine) {
    this.result = engine.start(this.now());
    this.store(this.result.state);
  }

  private now(): string {
    return new Date(START + this.turn++ * TURN_MS).toISOString();
  }

  private stored = '';

  private store(state: ConversationState): void {
    const encoded = encodeState(state);
    this.stored = JSON.stringify(encoded);
    // The compact form is what is written (not the fallback), and it reads back as exactly the same state.
    expect(encoded.v).toBe(2);
    expect(isDeepStrictEqual(decodeState(JSON.parse(this.stored)), state)).toBe(true);
    const bytes = Buffer.byteLength(this.stored, 'utf8');
    if (bytes > this.largest.bytes) this.largest = { bytes, node: state.node };
  }

  send(input: Input): StepResult {
    const before = decodeState(JSON.parse(this.stored)) as ConversationState;
    expect(this.engine.canResume(before)).toBe(true);
    const r = this.engine.step(before, input, this.now());
    expect(r.error).toBeUndefined();
    this.result = r;
    this.store(r.state);
    return r;
  }

  get node(): string {
    return this.result.state.node;
  }

  click(value: string | string[]): StepResult {
    return this.send({ type: 'answer', ref: this.result.view.ref, value });
  }

  command(command: 'carry-on' | 'check' | 'emergency' | 'back'): StepResult {
    return this.send({ type: 'command', command });
  }

  /** Answers the self-check "no" to every question, leaving it on its summary. */
  selfCheckAllNo(): void {
    while (this.node === '@self-check' && this.result.view.kind === 'question') this.click('no');
  }
}

function playWorst(mode: Mode, area: AreaId, hops: Hop[]): StoredRun {
  const p = packs[area];
  const run = new StoredRun(engineFor(mode, area));
  if (mode === 'multi') {
    run.click('yes');
    expect(run.node).toBe('@emergency');
    run.command('carry-on');
    run.click(area);
  }
  for (const hop of hops) {
    // With more than one area the area-neutral danger question stands in for the pack's own.
    if (mode === 'multi' && hop.step === p.start) continue;
    expect(run.node).toBe(`${area}/${hop.step}`);
    run.click(hop.value);
    if (run.node === '@emergency') run.command('carry-on');
    if (run.node === '@self-check') {
      run.selfCheckAllNo();
      run.command('carry-on');
    }
  }
  expect(run.result.view.kind).toBe('outcome');
  const last = hops[hops.length - 1]!;
  run.command('back');
  run.click(last.value);
  expect(run.result.view.kind).toBe('outcome');
  if (p.selfCheck) {
    run.command('check');
    run.selfCheckAllNo();
  }
  run.command('emergency');
  expect(run.node).toBe('@emergency');
  run.command('carry-on');
  if (run.node === '@self-check') run.command('carry-on');
  expect(run.result.view.kind).toBe('outcome');
  return run;
}

const CASES = (['single', 'multi'] as Mode[]).flatMap((mode) =>
  (Object.keys(packs) as AreaId[]).flatMap((area) =>
    pathsToOutcomes(packs[area]).map((hops) => ({ mode, area, hops })),
  ),
);

describe('stored state size', () => {
  test('both packs have paths to test, and the Nottingham City ones tick every indicator', () => {
    for (const area of Object.keys(packs) as AreaId[]) expect(CASES.filter((c) => c.area === area).length).toBeGreaterThan(0);
    const ticked = CASES.filter((c) => c.area === 'nottingham-city')[0]!.hops.flatMap((h) => (Array.isArray(h.value) ? h.value : []));
    expect(ticked).toHaveLength(packs['nottingham-city'].indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators)).length);
  });

  const label = (c: (typeof CASES)[number]) =>
    `${c.mode} ${c.area}: ${c.hops.map((h) => `${h.step}=${Array.isArray(h.value) ? `${h.value.length} ticked` : h.value}`).join(', ')}`;
  test.each(CASES.map((c) => [label(c), c] as const))(
    '%s stays within 2048 bytes at every turn',
    (_label, c) => {
      const run = playWorst(c.mode, c.area, c.hops);
      expect(run.largest.bytes).toBeLessThanOrEqual(LIMIT);
    },
  );
});
