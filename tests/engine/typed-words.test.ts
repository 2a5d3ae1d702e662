import { engineFor, at } from './helpers';
import type { StepResult } from '../../src/engine';

/** Typed words whose meaning depends on where the user is. */
describe('typed words at the case reference and action steps', () => {
  const engine = engineFor('single', 'nottingham-city');
  const say = (r: StepResult, text: string, i: number) => engine.step(r.state, { type: 'text', text }, at(i));

  function atCaseReference(): StepResult {
    let r = engine.start(at(0));
    r = say(r, 'no', 1);
    r = say(r, 'done', 2);
    expect(r.view.kind).toBe('case-reference');
    return r;
  }

  it('takes a reference containing 999 as a reference, not as an emergency', () => {
    const r = say(atCaseReference(), 'AB999-12', 3);
    expect(r.error).toBeUndefined();
    expect(r.state.ctx.caseRef).toBe('AB999-12');
    expect(r.view.kind).toBe('checklist');
  });

  it('still treats 999 on its own as an emergency, even at the case reference', () => {
    const r = say(atCaseReference(), '999', 3);
    expect(r.view.node).toBe('@emergency');
    expect(r.state.ctx.caseRef).toBeNull();
  });

  it('takes "carry on" on an action step as done', () => {
    let r = engine.start(at(0));
    r = say(r, 'no', 1);
    expect(r.view.kind).toBe('actions');
    r = say(r, 'carry on', 2);
    expect(r.error).toBeUndefined();
    expect(r.view.kind).toBe('case-reference');
    expect(r.state.ctx.answers['nottingham-city/check-records']?.v).toBe('done');
  });
});
