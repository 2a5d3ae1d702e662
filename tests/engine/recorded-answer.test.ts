/**
 * engine.recordedAnswer: for a second click on the card just answered (a double click, two clicks racing), the
 * question as it was shown and the answer that was recorded, from every reachable question of both packs; nothing
 * for an older card, whose question may have been answered differently since.
 */
import { answerLabel, type Engine } from '../../src/engine';
import { at, engineFor, placesOf, reach, validValue, withoutRef, type AreaId, type Mode, type Place } from './helpers';

const MODES: Mode[] = ['single', 'multi'];
const AREAS: AreaId[] = ['nottingham-city', 'sandwell'];
const engines = new Map<string, Engine>(MODES.flatMap((m) => AREAS.map((a) => [`${m}:${a}`, engineFor(m, a)] as const)));
const PLACES: Place[] = MODES.flatMap((mode) => AREAS.flatMap((area) => placesOf(area, mode)));


describe('the answer recorded for a card just answered', () => {
  it.each(PLACES.map((p) => [p.label, p] as const))('%s', (_label, place) => {
    const engine = engines.get(`${place.mode}:${place.area}`)!;
    const { session } = reach(engine, place);
    const shown = session.view;
    const value = validValue(place);
    expect(session.click(value).error).toBeUndefined();

    const recorded = engine.recordedAnswer(session.state, shown.ref, at(99));
    expect(recorded).not.toBeNull();
    // The question as the card showed it, and what was recorded for it.
    expect(recorded!.view.ref).toBe(shown.ref);
    expect(withoutRef(recorded!.view)).toEqual(withoutRef(shown));
    expect(answerLabel(recorded!.view, recorded!.value)).toBe(answerLabel(shown, value));
    // Nothing was changed by asking.
    expect(session.view.ref).not.toBe(shown.ref);
  });

  it.each(MODES)('an answer that led to an interrupt (immediate danger: yes), %s area mode', (mode) => {
    const engine = engineFor(mode, 'nottingham-city');
    const start = engine.start(at(0));
    const answered = engine.step(start.state, { type: 'answer', ref: start.view.ref, value: 'yes' }, at(1));
    expect(answered.state.node).toMatch(/emergency/);
    const recorded = engine.recordedAnswer(answered.state, start.view.ref, at(2));
    expect(recorded).not.toBeNull();
    expect(withoutRef(recorded!.view)).toEqual(withoutRef(start.view));
    expect(answerLabel(recorded!.view, recorded!.value)).toBe(answerLabel(start.view, 'yes'));
  });

  it('gives nothing for a card older than the last answer, or for a ref that is not one', () => {
    const place = PLACES.find((p) => p.mode === 'single' && p.area === 'nottingham-city' && p.hops.length >= 2)!;
    const engine = engines.get(`${place.mode}:${place.area}`)!;
    const { session, seen } = reach(engine, place);
    const older = seen[seen.length - 2]!.view;
    expect(engine.recordedAnswer(session.state, older.ref, at(99))).toBeNull();
    expect(engine.recordedAnswer(session.state, session.view.ref, at(99))).toBeNull();
    expect(engine.recordedAnswer(session.state, 'no-hash-here', at(99))).toBeNull();
    expect(engine.recordedAnswer(session.state, `${seen.at(-1)!.view.node}#x`, at(99))).toBeNull();
  });
});
