/**
 * The store's codec for the `state` column: the compact v2 form is what is written, it reads back as exactly the
 * engine's state, and anything it cannot hold exactly (v1 rows, odd times, malformed values) passes through as is.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ConversationState } from '../../src/engine';
import { decodeState, encodeState, encodeStateText, type StoredStateV2 } from '../../src/store/state-codec';
import { at, engineFor, placesOf, reach, Session, type AreaId, type Mode } from '../engine/helpers';

/** What the store writes and reads back, through the column's text. */
// The store writes encodeStateText; it must be exactly encodeState serialised (checked on every state below).
const stored = (state: ConversationState) => {
  const text = encodeStateText(state);
  expect(text).toBe(JSON.stringify(encodeState(state)));
  return text;
};
const readBack = (text: string) => decodeState(JSON.parse(text));

function expectCompactAndExact(state: ConversationState): void {
  const text = stored(state);
  expect(JSON.parse(text)).toMatchObject({ v: 2 });
  expect(isDeepStrictEqual(readBack(text), state)).toBe(true);
}

describe('state codec', () => {
  test('writes the compact form: keys without their area, answers in the trail with seconds after the start, ids space-separated', () => {
    const session = new Session(engineFor('single', 'nottingham-city'));
    session.say('no');
    session.say('done');
    session.say('AB123');
    session.click(['chaotic-family', 'homeless']);
    session.say('emergency');
    const expected: StoredStateV2 = {
      v: 2,
      node: '@emergency',
      seq: 5,
      area: 'nottingham-city',
      startedAt: at(0),
      trail: [
        ['immediate-danger', 'no', 60],
        ['check-records', 'done', 120],
        ['case-reference', 'given', 180],
        ['toolkit-vulnerability', 'ticked', 240],
      ],
      indicators: { vulnerability: 'chaotic-family homeless' },
      caseRef: 'AB123',
      returnTo: 'toolkit-signs',
      // The emergency step shown from toolkit-signs, 300 s after the start: [step, seconds].
      emergencies: [['toolkit-signs', 300]],
    };
    expect(JSON.parse(stored(session.state))).toEqual(expected);
    expect(readBack(stored(session.state))).toEqual(session.state);
    // The same state in the engine's own shape is more than twice as long.
    expect(stored(session.state).length * 2).toBeLessThan(JSON.stringify(session.state).length);
  });

  test('a fresh run is a handful of fields', () => {
    const state = engineFor('multi', 'sandwell').start(at(0)).state;
    expect(JSON.parse(stored(state))).toEqual({ v: 2, node: '@danger', seq: 0, startedAt: at(0) });
    expect(readBack(stored(state))).toEqual(state);
  });

  const MODES: Mode[] = ['single', 'multi'];
  const AREAS: AreaId[] = ['nottingham-city', 'sandwell'];
  const PLACES = MODES.flatMap((mode) => AREAS.flatMap((area) => placesOf(area, mode)));

  test.each(PLACES.map((p) => [p.label, p] as const))('every state on the way to %s, and its interrupts, reads back exactly', (_label, place) => {
    const engine = engineFor(place.mode, place.area);
    const { session } = reach(engine, place);
    for (const r of session.results) expectCompactAndExact(r.state);
    const here = session.state;
    for (const command of ['emergency', 'check', 'back', 'restart'] as const) {
      const r = engine.step(here, { type: 'command', command }, at(90));
      expectCompactAndExact(r.state);
      // An interrupt's own progress (the self-check's "no" answers, its return point) survives too.
      if (r.state.node === '@self-check') {
        let s = r.state;
        for (let i = 0; i < 10 && engine.view(s, at(91)).kind === 'question'; i++) {
          s = engine.step(s, { type: 'text', text: i % 2 ? 'yes' : 'no' }, at(91 + i)).state;
          expectCompactAndExact(s);
        }
        expect(s.ctx.selfCheck?.no.length).toBeGreaterThan(0);
      }
    }
  });

  test('times keep their milliseconds, also long after the start or before it', () => {
    const state = engineFor('single', 'sandwell').start('2026-03-02T09:00:00.123Z').state;
    const odd: ConversationState = {
      ...state,
      ctx: {
        ...state.ctx,
        trail: ['sandwell/immediate-danger', 'sandwell/self-check-offer'],
        answers: {
          'sandwell/immediate-danger': { v: 'no', at: '2025-12-31T23:59:59.999Z' },
          'sandwell/self-check-offer': { v: 'no', at: '2027-03-02T09:00:00.124Z' },
        },
        completedAt: '2026-03-02T09:00:00.124Z',
      },
    };
    expectCompactAndExact(odd);
    expect(JSON.parse(stored(odd))).toMatchObject({ completedAt: 0.001 });
  });

  test('keys of another area and "@" places are written whole', () => {
    const state = engineFor('multi', 'sandwell').start(at(0)).state;
    const mixed: ConversationState = {
      ...state,
      node: 'sandwell/risk-level',
      ctx: {
        ...state.ctx,
        area: 'sandwell',
        trail: ['@danger', 'nottingham-city/open-case', 'sandwell/what-to-do'],
        answers: { '@danger': { v: 'no', at: at(1) }, 'sandwell/what-to-do': { v: 'done', at: at(2) } },
        returnTo: 'nottingham-city/open-case',
      },
    };
    expectCompactAndExact(mixed);
    expect(JSON.parse(stored(mixed))).toMatchObject({
      node: 'risk-level',
      trail: [['@danger', 'no', 60], ['nottingham-city/open-case'], ['what-to-do', 'done', 120]],
      returnTo: 'nottingham-city/open-case',
    });
  });

  test('a step visited twice keeps its answer on its last visit, as the engine does', () => {
    const state = engineFor('single', 'sandwell').start(at(0)).state;
    const twice: ConversationState = {
      ...state,
      ctx: {
        ...state.ctx,
        trail: ['sandwell/what-to-do', 'sandwell/case-reference', 'sandwell/what-to-do'],
        answers: { 'sandwell/what-to-do': { v: 'done', at: at(3) }, 'sandwell/case-reference': { v: 'skip', at: at(2) } },
      },
    };
    expectCompactAndExact(twice);
  });

  test('reads a v1 state (every row written before the compact form) as it is', () => {
    const v1 = engineFor('multi', 'sandwell').start(at(0)).state;
    const text = JSON.stringify(v1);
    expect(readBack(text)).toEqual(v1);
    expect(decodeState(v1)).toBe(v1);
  });

  test('writes a state the compact form cannot hold exactly as it is', () => {
    const engine = engineFor('multi', 'sandwell');
    const cases: ConversationState[] = [
      // Times not in Date#toISOString's form: the compact form would not give the same strings back.
      engine.start('t0').state,
      engine.step(engine.start(at(0)).state, { type: 'text', text: 'no' }, '2026-03-02T09:01:00Z').state,
      engine.step(engine.start(at(0)).state, { type: 'text', text: 'no' }, '2026-03-02T09:01:00.000+01:00').state,
      // An answer for a step not on the trail.
      { ...engine.start(at(0)).state, ctx: { ...engine.start(at(0)).state.ctx, answers: { '@danger': { v: 'no', at: at(1) } } } },
      // Not a state at all.
      { v: 1, node: 'x', seq: 0, ctx: { area: 'a' } } as unknown as ConversationState,
    ];
    for (const state of cases) {
      expect(encodeState(state)).toBe(state);
      expect(readBack(stored(state))).toEqual(state);
    }
  });

  test('hands a value that is not a well-formed v2 state back unchanged, so the engine does not resume it', () => {
    const engine = engineFor('multi', 'sandwell');
    const bad: unknown[] = [
      null,
      'text',
      { v: 2, node: '@danger', seq: 0 },
      { v: 2, node: '@danger', seq: 0, startedAt: 'not a time' },
      { v: 2, node: '@danger', seq: 0, startedAt: at(0), trail: [['@danger', 'no']] },
      { v: 2, node: '@danger', seq: 0, startedAt: at(0), indicators: { signs: ['a'] } },
      { v: 2, node: '@danger', seq: 0, startedAt: at(0), completedAt: 1e300 },
    ];
    for (const value of bad) {
      expect(decodeState(value)).toBe(value);
      expect(engine.canResume(decodeState(value))).toBe(false);
    }
  });
});
