/**
 * Interrupts from every reachable non-outcome step of both packs, in both modes. The list of places is generated
 * from the packs' graphs (placesOf), so a step added to a pack is covered without editing this file.
 */
import { createEngine, UnknownAreaError, type Engine, type View } from '../../src/engine';
import {
  common,
  engineFor,
  nottingham,
  packs,
  placesOf,
  reach,
  sandwell,
  validValue,
  withoutRef,
  type AreaId,
  type Mode,
  type Place,
} from './helpers';

const MODES: Mode[] = ['single', 'multi'];
const AREAS: AreaId[] = ['nottingham-city', 'sandwell'];
const engines = new Map<string, Engine>(MODES.flatMap((m) => AREAS.map((a) => [`${m}:${a}`, engineFor(m, a)] as const)));
const engineOf = (place: Place): Engine => engines.get(`${place.mode}:${place.area}`)!;

const PLACES: Place[] = MODES.flatMap((mode) => AREAS.flatMap((area) => placesOf(area, mode)));
/** In multi-area mode the two area-neutral questions are the same for both packs: test them once. */
const UNIQUE_PLACES = PLACES.filter((p) => !(p.step === null && p.area === 'sandwell'));

const otherArea = (area: AreaId): AreaId => (area === 'sandwell' ? 'nottingham-city' : 'sandwell');


function expectedEmergencyTitle(place: Place): string {
  // Until the area is chosen, the area-neutral emergency step is shown.
  if (place.step === null) return common.danger.emergency.title;
  const danger = packs[place.area].steps.find((s) => s.id === packs[place.area].start);
  if (danger?.kind !== 'danger') throw new Error('pack starts with its danger question');
  return danger.emergency.title;
}

test('the generated places cover every non-outcome step of both packs', () => {
  for (const p of [nottingham, sandwell]) {
    const nonOutcome = p.steps.filter((s) => s.kind !== 'outcome').map((s) => `${p.area}/${s.id}`);
    const single = PLACES.filter((x) => x.mode === 'single' && x.area === p.area).map((x) => x.node);
    expect(single.sort()).toEqual(nonOutcome.sort());
    const multi = PLACES.filter((x) => x.mode === 'multi' && x.area === p.area).map((x) => x.node);
    expect(multi.sort()).toEqual(['@area', '@danger', ...nonOutcome.filter((n) => n !== `${p.area}/${p.start}`)].sort());
  }
  expect(PLACES.filter((x) => x.mode === 'single')).toHaveLength(11 + 7);
});

describe.each(UNIQUE_PLACES.map((p) => [p.label, p] as const))('at %s', (_label, place) => {
  const engine = engineOf(place);

  test.each(['emergency', 'immediate danger', '999', 'EMERGENCY!', 'someone is in immediate danger'])(
    '"%s" shows the emergency step at once, and "carry on" comes back to the same question',
    (word) => {
      const { session } = reach(engine, place);
      const before = session.view;
      const beforeState = session.state;
      const r = session.say(word);
      expect(r.error).toBeUndefined();
      expect(r.view.position).toBe('Emergency');
      expect(r.view.title).toBe(expectedEmergencyTitle(place));
      expect(r.view.kind).toBe('actions');
      const calls = r.view.kind === 'actions' ? r.view.actions.flatMap((a) => a.contacts.map((c) => c.phone)) : [];
      expect(calls).toEqual(['999']);
      expect(r.changed).toBe(true);
      const back = session.say('carry on');
      expect(back.state.node).toBe(place.node);
      expect(withoutRef(back.view)).toEqual(withoutRef(before));
      expect(back.view.ref).not.toBe(before.ref);
      // Nothing the user had answered was lost or added; the emergency is on the run's record, with where it was.
      expect({ ...back.state.ctx, returnTo: null, emergencies: undefined }).toEqual({ ...beforeState.ctx, returnTo: null, emergencies: undefined });
      expect(back.state.ctx.emergencies?.at(-1)).toEqual({ at: expect.any(String) as unknown, from: place.node });
    },
  );

  test('"back" goes to the previous step and clears its answer', () => {
    const { session, seen } = reach(engine, place);
    const r = session.say('back');
    const previous = seen[seen.length - 1];
    if (!previous) {
      // The first question has nothing before it: said as guidance, not as an error.
      expect(r.error).toBeUndefined();
      expect(r.notice).toEqual({ kind: 'info', title: 'This is the first question: there is no earlier answer to change.', lines: [] });
      expect(r.changed).toBe(false);
      expect(r.state).toEqual(session.results[session.results.length - 2]!.state);
      return;
    }
    expect(r.error).toBeUndefined();
    expect(r.state.node).toBe(previous.node);
    expect(withoutRef(r.view)).toEqual(withoutRef(previous.view));
    expect(r.state.ctx.answers[previous.node]).toBeUndefined();
    expect(r.state.ctx.trail).toEqual(place.hops.slice(0, -1).map((h) => h.node));
    const prevStep = previous.node.startsWith('@') ? null : packs[place.area].steps.find((s) => `${place.area}/${s.id}` === previous.node);
    if (prevStep?.kind === 'checklist') expect(r.state.ctx.indicators[prevStep.list]).toBeUndefined();
    if (prevStep?.kind === 'case-reference') expect(r.state.ctx.caseRef).toBeNull();
    if (prevStep?.kind === 'risk-level') expect(r.state.ctx.riskLevel).toBeNull();
    if (previous.node === '@area') expect(r.state.ctx.area).toBeNull();
  });

  test('"restart" returns to the first step with nothing recorded', () => {
    const { session } = reach(engine, place);
    const r = session.say('restart');
    expect(r.state.node).toBe(place.mode === 'multi' ? '@danger' : `${place.area}/${packs[place.area].start}`);
    expect(r.view.position).toBe(`Step 1: ${place.mode === 'multi' ? common.danger.heading : packs[place.area].steps.find((s) => s.id === packs[place.area].start)!.heading}`);
    expect(r.state.ctx).toEqual({
      area: place.mode === 'multi' ? null : place.area,
      trail: [],
      answers: {},
      indicators: {},
      riskLevel: null,
      caseRef: null,
      returnTo: null,
      selfCheck: null,
      startedAt: expect.any(String) as unknown,
      completedAt: null,
    });
  });

  test('"contacts" lists only the area\'s contacts and changes nothing', () => {
    const { session } = reach(engine, place);
    const before = session.result;
    const r = session.say('contacts');
    expect(r.changed).toBe(false);
    expect(r.state).toEqual(before.state);
    expect(r.view).toEqual(before.view);
    if (place.step === null) {
      // No area yet: no area's contacts, only the emergency number.
      expect(r.notice?.contacts).toBeUndefined();
      expect(r.notice?.lines.join(' ')).toContain('call 999');
      return;
    }
    const p = packs[place.area];
    expect(r.notice?.title).toBe(`${p.name} contacts`);
    expect(r.notice?.contacts?.map((c) => c.id)).toEqual(p.contacts.map((c) => c.id));
    const text = JSON.stringify(r.notice);
    for (const c of packs[otherArea(place.area)].contacts) {
      for (const s of [c.email, c.phone === '999' ? undefined : c.phone]) if (s) expect(text).not.toContain(s);
    }
  });

  test('"help" explains the commands and changes nothing', () => {
    const { session } = reach(engine, place);
    const before = session.result;
    const r = session.say('help');
    expect(r.notice).toEqual({ kind: 'info', title: 'Help', lines: common.help });
    expect(r.changed).toBe(false);
    expect(r.state).toEqual(before.state);
    expect(r.view).toEqual(before.view);
  });

  test('"what is MASE" answers from the area\'s own glossary, or says plainly there is no entry', () => {
    const { session } = reach(engine, place);
    const before = session.result;
    const r = session.say('what is MASE');
    expect(r.changed).toBe(false);
    expect(r.state).toEqual(before.state);
    const lines = r.notice?.lines.join(' ') ?? '';
    if (place.step === null) {
      expect(lines).toContain('Choose the area first');
    } else if (place.area === 'sandwell') {
      const entry = sandwell.glossary.find((g) => g.term === 'MASE')!;
      expect(r.notice?.title).toBe('MASE: Multi-Agency Sexual Exploitation meeting');
      expect(r.notice?.lines).toEqual([entry.meaning]);
    } else {
      expect(r.notice?.title).toBe('MASE');
      expect(lines).toBe('The Nottingham City CSE pathway does not explain "MASE", so I have no answer for it and will not guess.');
      expect(lines).not.toContain('Multi-Agency');
    }
  });

  test('"check" runs Sandwell\'s seven questions and comes back; elsewhere it is refused', () => {
    const { session } = reach(engine, place);
    const before = session.result;
    const r = session.say('check');
    if (place.step === null || place.area !== 'sandwell') {
      expect(r.error?.code).toBe('not_available');
      expect(r.changed).toBe(false);
      expect(r.state).toEqual(before.state);
      expect(r.view).toEqual(before.view);
      if (place.step !== null) expect(r.error?.message).toBe('The Nottingham City CSE pathway has no questions to ask yourself.');
      return;
    }
    const questions = sandwell.selfCheck!.questions;
    expect(questions).toHaveLength(7);
    questions.forEach((q, i) => {
      expect(session.view.position).toBe(`Questions to ask yourself (${i + 1} of 7)`);
      expect(session.view.title).toBe(q.text);
      const answered = session.say('no');
      expect(answered.error).toBeUndefined();
      expect(answered.state.ctx.selfCheck?.no).toEqual(questions.slice(0, i + 1).map((x) => x.id));
    });
    const done = session.view;
    expect(done.position).toBe('Questions to ask yourself: done');
    expect(done.title).toBe('You answered no to 7 of 7 questions.');
    expect(done.text).toContain(sandwell.selfCheck!.ifNo);
    for (const q of questions) expect(done.text).toContain(`No: ${q.text}`);
    const places = done.kind === 'actions' ? done.actions.map((a) => a.text) : [];
    expect(places).toEqual(['Your Team Manager', 'The CSE team', 'Tri X', 'Sandwell Safeguarding Children Board Website']);
    const back = session.say('carry on');
    expect(back.state.node).toBe(place.node);
    expect(withoutRef(back.view)).toEqual(withoutRef(before.view));
    expect(back.state.ctx.selfCheck).toBeNull();
  });

  test('an answer carrying an old ref is stale and changes nothing, even the ref of an earlier visit of this step', () => {
    const { session, seen } = reach(engine, place);
    const firstRef = session.view.ref;
    const value = validValue(place);
    // Leave the step and come back to it: its old buttons must not answer the new visit.
    expect(session.click(value).error).toBeUndefined();
    const returned = session.say('back');
    expect(returned.state.node).toBe(place.node);
    expect(returned.view.ref).not.toBe(firstRef);
    const stale = [firstRef, ...(seen.length > 0 ? [seen[seen.length - 1]!.view.ref] : [])];
    for (const ref of stale) {
      const before = session.result;
      const r = session.send({ type: 'answer', ref, value });
      expect(r.error?.code).toBe('stale_answer');
      expect(r.changed).toBe(false);
      expect(r.state).toEqual(before.state);
      expect(r.view).toEqual(before.view);
      expect(r.effects).toEqual([]);
    }
    // The current ref still answers.
    expect(session.click(value).error).toBeUndefined();
  });

  test('an invalid typed answer repeats the question and changes nothing', () => {
    const { session } = reach(engine, place);
    for (const text of ['xyzzy', 'banana split']) {
      const before = session.result;
      const r = session.say(text);
      expect(r.error?.code).toBe('invalid_answer');
      expect(r.notice?.kind).toBe('error');
      expect(r.changed).toBe(false);
      expect(r.state).toEqual(before.state);
      expect(r.view).toEqual(before.view);
    }
  });

  test('a clicked value that is not one of the question\'s is invalid and changes nothing', () => {
    const { session } = reach(engine, place);
    if (place.step?.kind === 'case-reference' || place.step?.kind === 'actions') return; // free text / "done"
    const before = session.result;
    const r = session.click(place.step?.kind === 'checklist' ? ['no-such-indicator'] : 'no-such-answer');
    expect(r.error?.code).toBe('invalid_answer');
    expect(r.state).toEqual(before.state);
    expect(r.changed).toBe(false);
  });
});

describe.each(PLACES.filter((p) => p.step?.kind === 'case-reference').map((p) => [p.label, p] as const))('at %s', (_label, place) => {
  const engine = engineOf(place);
  test.each(['Jane Smith', 'JaneSmith', 'jane', 'Smith, Jane'])('a case reference that looks like a name ("%s") is refused', (name) => {
    const { session } = reach(engine, place);
    const before = session.result;
    const r = session.say(name);
    expect(r.error?.code).toBe('invalid_answer');
    expect(r.error?.message).toContain('Never type the child\'s name');
    expect(r.changed).toBe(false);
    expect(r.state).toEqual(before.state);
    expect(JSON.stringify(r.state)).not.toContain(name);
    expect(r.state.ctx.caseRef).toBeNull();
  });

  test.each(['AB-1234', 'NC/2026/0042', '12345'])('a case reference "%s" is recorded', (ref) => {
    const { session } = reach(engine, place);
    const r = session.say(ref);
    expect(r.error).toBeUndefined();
    expect(r.state.ctx.caseRef).toBe(ref);
  });
});

describe('"check" where it cannot start', () => {
  test.each(MODES)('in Sandwell (%s), from the emergency step or inside the questions, it is refused without denying they exist', (mode) => {
    const place = placesOf('sandwell', mode).find((p) => p.node === 'sandwell/specific-concerns')!;
    const { session } = reach(engineOf(place), place);
    session.say('emergency');
    const fromEmergency = session.say('check');
    expect(fromEmergency.error?.code).toBe('not_available');
    expect(fromEmergency.changed).toBe(false);
    expect(fromEmergency.error?.message).not.toContain('has no questions');
    expect(fromEmergency.error?.message).toContain('carry on');
    session.say('carry on');
    session.say('check');
    session.say('no');
    const inside = session.say('check');
    expect(inside.error?.code).toBe('not_available');
    expect(inside.error?.message).not.toContain('has no questions');
    expect(inside.view.position).toBe('Questions to ask yourself (2 of 7)');
  });
});

describe('createEngine', () => {
  test('throws on an unknown defaultArea', () => {
    expect(() => createEngine({ procedures: [nottingham, sandwell], common, defaultArea: 'atlantis' })).toThrow(UnknownAreaError);
    expect(() => createEngine({ procedures: [nottingham], common, defaultArea: 'sandwell' })).toThrow(/sandwell/);
  });

  test('throws with no procedure enabled', () => {
    expect(() => createEngine({ procedures: [], common })).toThrow(UnknownAreaError);
  });

  test('with one procedure enabled, that area is used without asking', () => {
    const engine = createEngine({ procedures: [sandwell], common });
    expect(engine.fixedArea).toBe('sandwell');
    const view: View = engine.start('2026-03-02T09:00:00.000Z').view;
    expect(view.node).toBe('sandwell/immediate-danger');
  });

  test('an engine fixed to one area does not resume a run of another', () => {
    const multi = engineFor('multi', 'sandwell');
    let r = multi.start('t0');
    r = multi.step(r.state, { type: 'text', text: 'no' }, 't1');
    r = multi.step(r.state, { type: 'text', text: 'Sandwell' }, 't2');
    expect(r.state.ctx.area).toBe('sandwell');
    expect(engineFor('single', 'sandwell').canResume(JSON.parse(JSON.stringify(r.state)))).toBe(true);
    expect(engineFor('single', 'nottingham-city').canResume(r.state)).toBe(false);
    expect(multi.canResume({ v: 1, node: 'sandwell/no-such-step', seq: 0, ctx: r.state.ctx })).toBe(false);
  });
});
