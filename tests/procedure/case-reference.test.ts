/**
 * The case-reference rule: what passes for a council's case number, and what is refused because it could be a name.
 * Engine and channels use this one rule; here it is checked on its own, then through a run.
 */
import { caseReferenceRule, NAME_LIKE } from '../../src/procedure/case-reference';
import { createEngine } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { resolve } from 'node:path';

describe('the default case-reference rule', () => {
  const rule = caseReferenceRule(undefined);

  it.each(['123456', 'AB123456', 'AB-1234', 'CF/2024/0042', 'abc/12-x', '1', 'X1', 'AB/1234-5678/9012-3456/7890-WXY1'])('accepts %s', (ref) => {
    expect(rule.accepts(ref)).toBe(true);
  });

  it.each([...NAME_LIKE, 'Jane', 'AB', '-123', '/1', '12 34', '', 'A'.repeat(3) + '1'.repeat(30)])('refuses %s', (ref) => {
    expect(rule.accepts(ref)).toBe(false);
  });

  it('says why, with an example, and never to type a name', () => {
    expect(rule.refusal).toMatch(/never more than three letters in a row/);
    expect(rule.refusal).toContain('for example AB123456');
    expect(rule.refusal).toMatch(/Never type the child's name/);
  });

  it('gives clients a check without look-ahead that stops names too', () => {
    expect(rule.inputPattern).not.toMatch(/\(\?[=!]/);
    const client = new RegExp(rule.inputPattern);
    for (const name of NAME_LIKE) expect(client.test(name)).toBe(false);
    expect(client.test('AB123456')).toBe(true);
  });
});

describe("a pack's own format", () => {
  const rule = caseReferenceRule({ pattern: 'CF[0-9]{6}', example: 'CF123456', description: "the council's case number, CF and six digits" });
  it('accepts only what the council writes, anchored', () => {
    expect(rule.accepts('CF123456')).toBe(true);
    for (const ref of ['CF12345', 'xCF123456', 'CF1234567', 'AB123456']) expect(rule.accepts(ref)).toBe(false);
    expect(rule.refusal).toContain("the council's case number, CF and six digits (for example CF123456)");
  });
});

describe('through a run', () => {
  const engine = createEngine(loadCatalogue(resolve(__dirname, '../../dialogs')));
  const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, i)).toISOString();

  it('refuses "Jayden2011" at the case-reference step, saying why, and keeps nothing of it', () => {
    let r = engine.start(at(0));
    for (const text of ['no', '1', 'done']) r = engine.step(r.state, { type: 'text', text }, at(1));
    expect(r.view.kind).toBe('case-reference');
    const refused = engine.step(r.state, { type: 'text', text: 'Jayden2011' }, at(2));
    expect(refused.error?.code).toBe('invalid_answer');
    expect(refused.error?.message).toMatch(/That is not a case reference/);
    expect(refused.state).toEqual(r.state);
    expect(JSON.stringify(refused.state)).not.toContain('Jayden');
    const taken = engine.step(r.state, { type: 'text', text: 'AB123456' }, at(3));
    expect(taken.error).toBeUndefined();
    expect(taken.state.ctx.caseRef).toBe('AB123456');
  });
});
