/**
 * Questions typed where an answer was expected are answered from the area's own procedure (its contacts and
 * glossary), or with a plain "I don't know that" and the contacts; never "Please answer yes or no", never another
 * area's contacts, and the step stays where it was.
 */
import { createEngine, type StepResult } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { resolve } from 'node:path';

const engine = createEngine(loadCatalogue(resolve(__dirname, '../../dialogs')));
const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, i)).toISOString();

/** A run of an area, at its first question after the area was chosen. */
function inArea(area: '1' | '2'): StepResult {
  let r = engine.start(at(0));
  for (const text of ['no', area]) r = engine.step(r.state, { type: 'text', text }, at(1));
  return r;
}

const ask = (r: StepResult, text: string) => engine.step(r.state, { type: 'text', text }, at(2));
const names = (r: StepResult) => (r.notice?.contacts ?? []).map((c) => c.name);

describe('questions typed at a question', () => {
  it.each([
    ['1', 'who do I email about police intelligence?', ['Concerns Network Information Sharing Form']],
    ['1', 'what is the number for Children and Families Direct', ['Children & Families Direct']],
    ['1', "what is the Diary Manager's email?", ['Diary Manager']],
    ['2', 'what is Tri X', ['Tri X']],
  ] as const)('area %s: "%s" names the contacts the procedure gives for it', (area, question, expected) => {
    const before = inArea(area);
    const r = ask(before, question);
    expect(r.error).toBeUndefined();
    expect(r.notice?.kind).toBe('info');
    expect(names(r)).toEqual(expected);
    expect(r.state).toEqual(before.state);
    expect(JSON.stringify(r.notice)).not.toMatch(/answer yes or no/i);
  });

  it.each([
    ['1', 'what is Tri X'],
    ['1', 'what is the weather like?'],
    ['2', 'who do I email about police intelligence?'],
  ] as const)('area %s: "%s" is plainly not known, with that area\'s contacts only', (area, question) => {
    const r = ask(inArea(area), question);
    expect(r.error).toBeUndefined();
    expect(r.notice?.title).toMatch(/^I don't know that from the/);
    const own = area === '1' ? 'Children & Families Direct' : 'Tri X';
    const other = area === '1' ? 'Tri X' : 'Children & Families Direct';
    expect(names(r)).toContain(own);
    expect(names(r)).not.toContain(other);
  });

  it('a glossary word in a question is explained from the glossary', () => {
    const r = ask(inArea('2'), 'who reviews the NWG assessment?');
    expect(r.notice?.lines.join(' ')).toMatch(/^NWG: /);
  });

  it('an answer is still an answer, and a wrong one still says what fits', () => {
    const at2 = inArea('1');
    expect(ask(at2, 'done').error).toBeUndefined();
    expect(ask(at2, 'banana').error?.code).toBe('invalid_answer');
  });
});
