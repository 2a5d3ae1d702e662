/**
 * Pack checks: broken fixtures (tests/fixtures/packs, each valid.yaml with one fault) must be refused with the file,
 * the exact line and a message naming the fault; the real packs must load clean and match their source documents
 * (dialogs/sources).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkProcedure } from '../../src/procedure/checks';
import { provenance } from '../../src/procedure/provenance';
import {
  formatProblem,
  loadCatalogue,
  loadProcedureFile,
  parseProcedure,
  ProcedureInvalidError,
  type Problem,
} from '../../src/procedure/load';
import type { Procedure } from '../../src/procedure/schema';

const FIXTURES = resolve(__dirname, '../fixtures/packs');
const DIALOGS = resolve(__dirname, '../../dialogs');
const fixture = (name: string) => resolve(FIXTURES, name);

function problemsOf(load: () => unknown): ProcedureInvalidError {
  try {
    load();
  } catch (e) {
    if (e instanceof ProcedureInvalidError) return e;
    throw e;
  }
  throw new Error('expected the pack to be refused, but it loaded');
}

const brief = (p: Problem) => ({ line: p.line, path: p.path, message: p.message });

describe('a pack with one fault is refused, naming the file and the exact line', () => {
  test('the fixture they are all made from is valid', () => {
    const p = loadProcedureFile(fixture('valid.yaml'));
    expect(p.area).toBe('fixture-area');
    expect(checkProcedure(p)).toEqual([]);
  });

  const cases: { file: string; fault: string; problems: { line: number; path: string; message: RegExp; text: string }[] }[] = [
    {
      file: 'unknown-next.yaml',
      fault: 'unknown next',
      problems: [{ line: 45, path: 'steps[1].answers[1].next', message: /^next step "nothing-mroe" does not exist$/, text: 'next: nothing-mroe' }],
    },
    {
      file: 'unreachable-step.yaml',
      fault: 'unreachable step',
      problems: [{ line: 62, path: 'steps[4].id', message: /^step "orphan" is unreachable from "danger"$/, text: '- id: orphan' }],
    },
    {
      file: 'no-end.yaml',
      fault: 'a path with no end (a cycle with no outcome)',
      problems: [
        { line: 63, path: 'steps[4].id', message: /^step "loop-a" is on a path that never reaches an outcome$/, text: '- id: loop-a' },
        { line: 70, path: 'steps[5].id', message: /^step "loop-b" is on a path that never reaches an outcome$/, text: '- id: loop-b' },
      ],
    },
    {
      file: 'undefined-contact.yaml',
      fault: 'undefined contact reference',
      problems: [{ line: 53, path: 'steps[2].actions[0].contacts[0]', message: /^contact "duty-tem" is not defined under contacts$/, text: 'contacts: [duty-tem]' }],
    },
    {
      file: 'duplicate-step-id.yaml',
      fault: 'duplicate step id',
      problems: [{ line: 62, path: 'steps[4].id', message: /^duplicate step id "refer"$/, text: '- id: refer' }],
    },
    {
      file: 'duplicate-contact-id.yaml',
      fault: 'duplicate contact id',
      problems: [{ line: 18, path: 'contacts[2].id', message: /^duplicate contact id "duty-team"$/, text: '- id: duty-team' }],
    },
    {
      file: 'start-not-danger.yaml',
      fault: 'start step that is not kind danger',
      problems: [{ line: 9, path: 'start', message: /^the first step must be the immediate-danger question \(kind: danger\), not "question"$/, text: 'start: concern' }],
    },
    {
      file: 'bad-email.yaml',
      fault: 'schema error: bad e-mail',
      problems: [{ line: 17, path: 'contacts[1].email', message: /^Invalid email address$/, text: 'email: duty.example.org' }],
    },
    {
      file: 'missing-field.yaml',
      // A missing key has no line of its own: the problem points at the step that lacks it.
      fault: 'schema error: missing field',
      problems: [{ line: 47, path: 'steps[2].title', message: /expected string, received undefined/, text: '- id: refer' }],
    },
    {
      file: 'duplicate-yaml-key.yaml',
      fault: 'duplicate YAML key',
      problems: [{ line: 58, path: '', message: /^YAML: Map keys must be unique/, text: 'heading: nothing more' }],
    },
  ];

  test.each(cases)('$fault ($file)', ({ file, problems }) => {
    const path = fixture(file);
    const error = problemsOf(() => loadProcedureFile(path));
    expect(error.code).toBe('procedure_invalid');
    expect(error.problems.map(brief)).toEqual(
      problems.map((p) => ({ line: p.line, path: p.path, message: expect.stringMatching(p.message) as unknown })),
    );
    for (const p of error.problems) {
      expect(p.file).toBe(path);
      expect(p.column).toBeGreaterThan(0);
      expect(error.message).toContain(formatProblem(p));
      expect(formatProblem(p).startsWith(`${path}:${p.line}:${p.column}  `)).toBe(true);
    }
    // The line named is the line of the fault (for a duplicate, the second one).
    const lines = readFileSync(path, 'utf8').split('\n');
    for (const p of problems) expect({ line: p.line, text: lines[p.line - 1] }).toEqual({ line: p.line, text: expect.stringContaining(p.text) as unknown });
  });

  describe("a council's case-reference format", () => {
    const valid = readFileSync(fixture('valid.yaml'), 'utf8');
    const withFormat = (format: string) => valid.replace('start: danger\n', `${format}start: danger\n`);
    const problems = (format: string) => {
      try {
        parseProcedure(withFormat(format), 'packs/format.yaml');
        return [];
      } catch (e) {
        return (e as ProcedureInvalidError).problems.map(brief);
      }
    };

    test('is accepted when it compiles, takes its example and refuses names', () => {
      const text = withFormat('caseReference:\n  pattern: "CF[0-9]{6}"\n  example: CF123456\n  description: the council\'s case number, CF and six digits\n');
      expect(parseProcedure(text, 'packs/format.yaml').caseReference).toEqual({ pattern: 'CF[0-9]{6}', example: 'CF123456', description: "the council's case number, CF and six digits" });
    });

    test.each([
      ['a pattern that does not compile', 'caseReference:\n  pattern: "CF[0-9"\n  example: CF1\n  description: d\n', 'caseReference.pattern', /not a valid regular expression/],
      ['an example the pattern refuses', 'caseReference:\n  pattern: "CF[0-9]{6}"\n  example: CF12\n  description: d\n', 'caseReference.example', /not accepted by the pattern/],
      ['a pattern that lets names through', 'caseReference:\n  pattern: "[A-Za-z]+[0-9]*"\n  example: AB1\n  description: d\n', 'caseReference.pattern', /could be a name \("Jayden2011", "JaneSmith"/],
    ])('is refused: %s', (_what, format, path, message) => {
      expect(problems(format)).toEqual([{ line: expect.any(Number) as unknown, path, message: expect.stringMatching(message) as unknown }]);
    });
  });

  test('a YAML syntax error is refused at its line', () => {
    const path = fixture('yaml-syntax.yaml');
    const error = problemsOf(() => loadProcedureFile(path));
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems[0]).toMatchObject({ file: path, line: 44, path: '' });
    expect(error.problems[0]!.message).toMatch(/^YAML: Unexpected scalar token/);
    expect(readFileSync(path, 'utf8').split('\n')[43]).toContain('label: "Yes" next: refer');
  });

  test('parseProcedure names the file it is given', () => {
    const text = readFileSync(fixture('undefined-contact.yaml'), 'utf8');
    const error = problemsOf(() => parseProcedure(text, 'packs/somewhere.yaml'));
    expect(error.problems).toEqual([
      {
        file: 'packs/somewhere.yaml',
        line: 53,
        column: 20,
        path: 'steps[2].actions[0].contacts[0]',
        message: 'contact "duty-tem" is not defined under contacts',
      },
    ]);
    expect(error.message).toBe('packs/somewhere.yaml:53:20  contact "duty-tem" is not defined under contacts (at steps[2].actions[0].contacts[0])');
  });

  test('every fixture but valid.yaml is refused', () => {
    const files = [...cases.map((c) => c.file), 'yaml-syntax.yaml'];
    for (const file of files) expect(() => loadProcedureFile(fixture(file))).toThrow(ProcedureInvalidError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real packs.

const nottinghamFile = resolve(DIALOGS, 'nottingham-city.yaml');
const sandwellFile = resolve(DIALOGS, 'sandwell.yaml');
const seed = (name: string) => readFileSync(resolve(DIALOGS, 'sources', name), 'utf8');
const NOTTINGHAM_SEED = seed('000_d20a7b7ff364f6d9.txt');
const SANDWELL_SEED = seed('004_fcdd3354f01d9305.txt');

describe('the real packs', () => {
  let nottingham: Procedure;
  let sandwell: Procedure;
  beforeAll(() => {
    nottingham = loadProcedureFile(nottinghamFile);
    sandwell = loadProcedureFile(sandwellFile);
  });

  test('both load with zero problems, alone and as the catalogue', () => {
    expect(checkProcedure(nottingham)).toEqual([]);
    expect(checkProcedure(sandwell)).toEqual([]);
    const catalogue = loadCatalogue(DIALOGS);
    expect(catalogue.procedures.map((p) => p.area).sort()).toEqual(['nottingham-city', 'sandwell']);
    expect(catalogue.common.help.length).toBeGreaterThan(0);
  });

  test('every indicator of the seed\'s two lists appears exactly once in the Nottingham City pack', () => {
    const lines = NOTTINGHAM_SEED.split(/\r?\n/);
    const headingAt = (text: string) => {
      const i = lines.findIndex((l) => l.includes(text));
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    const vStart = headingAt('Vulnerability indicators which may increase risk');
    const sStart = headingAt('Signs and Indicators (this is not an exhaustive list)');
    const end = headingAt('Encouraging people to seek help and support');
    expect(vStart).toBeLessThan(sStart);
    expect(sStart).toBeLessThan(end);
    const items = (from: number, to: number) =>
      lines
        .slice(from + 1, to)
        .filter((l) => l.startsWith('· '))
        .map((l) => l.slice(2).trim());
    const seedVulnerability = items(vStart, sStart);
    const seedSigns = items(sStart, end);
    expect(seedVulnerability).toHaveLength(20);
    expect(seedSigns).toHaveLength(37);

    const packTexts = (listId: string) =>
      (nottingham.indicatorLists.find((l) => l.id === listId)?.groups ?? []).flatMap((g) => g.indicators.map((i) => i.text.trim()));
    const all = nottingham.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators.map((i) => i.text.trim())));
    for (const text of [...seedVulnerability, ...seedSigns]) {
      expect({ text, times: all.filter((t) => t === text).length }).toEqual({ text, times: 1 });
    }
    // Each in the list the seed puts it in, and nothing in the pack that the seed's lists do not have.
    expect([...packTexts('vulnerability')].sort()).toEqual([...seedVulnerability].sort());
    expect([...packTexts('signs')].sort()).toEqual([...seedSigns].sort());
    expect(all).toHaveLength(seedVulnerability.length + seedSigns.length);
  });

  const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
  const UK_PHONE = /\b0\d{2,4} ?\d{3} ?\d{3,4}\b/g;

  test.each([
    ['Nottingham City', nottinghamFile, NOTTINGHAM_SEED],
    ['Sandwell', sandwellFile, SANDWELL_SEED],
  ])('every phone number and e-mail in the %s pack appears verbatim in its seed', (_name, file, seedText) => {
    const p = loadProcedureFile(file);
    const text = readFileSync(file, 'utf8');
    const emails = new Set([...p.contacts.flatMap((c) => (c.email ? [c.email] : [])), ...(text.match(EMAIL) ?? [])]);
    const phones = new Set([...p.contacts.flatMap((c) => (c.phone ? [c.phone] : [])), ...(text.match(UK_PHONE) ?? [])]);
    for (const email of emails) expect({ email, inSeed: seedText.includes(email) }).toEqual({ email, inSeed: true });
    for (const phone of phones) {
      // 999 is the UK emergency number that shared/procedures.md names for the call-999 step; neither seed gives it.
      if (phone === '999') continue;
      expect({ phone, inSeed: seedText.includes(phone) }).toEqual({ phone, inSeed: true });
    }
    // 999 is only ever the emergency contact, used by the danger step.
    const nines = p.contacts.filter((c) => c.phone === '999');
    expect(nines).toHaveLength(1);
    const danger = p.steps.find((s) => s.id === p.start);
    expect(danger?.kind === 'danger' && danger.emergency.actions.flatMap((a) => a.contacts)).toEqual([nines[0]!.id]);
  });

  test('the Nottingham City pack has every contact number and address its seed gives', () => {
    const p = loadProcedureFile(nottinghamFile);
    const seedEmails = NOTTINGHAM_SEED.match(EMAIL) ?? [];
    const seedPhones = NOTTINGHAM_SEED.match(UK_PHONE) ?? [];
    expect(seedEmails.sort()).toEqual(['cnm@nottinghamshire.pnn.police.uk', 'diary.manager@nottinghamcity.gov.uk', 'seiu@nottinghamshire.pnn.police.uk']);
    expect(seedPhones).toEqual(['0115 876 4800']);
    expect(p.contacts.flatMap((c) => (c.email ? [c.email] : [])).sort()).toEqual(seedEmails);
    expect(p.contacts.flatMap((c) => (c.phone && c.phone !== '999' ? [c.phone] : []))).toEqual(seedPhones);
  });

  test('the Sandwell pack has no e-mail and no phone other than 999, as its seed gives none', () => {
    const text = readFileSync(sandwellFile, 'utf8');
    expect(SANDWELL_SEED.match(EMAIL)).toBeNull();
    expect(text.match(EMAIL)).toBeNull();
    expect(text.match(UK_PHONE)).toBeNull();
    const p = loadProcedureFile(sandwellFile);
    expect(p.contacts.filter((c) => c.email !== undefined)).toEqual([]);
    expect(p.contacts.flatMap((c) => (c.phone ? [c.phone] : []))).toEqual(['999']);
    // No other run of digits that could be read as a phone number.
    expect(text.match(/\b\d{4,}(?: \d{3,})+\b/g)).toBeNull();
  });

  test('each pack names its source document, which the project carries, and is checked against it', () => {
    for (const [p, text] of [
      [nottingham, NOTTINGHAM_SEED],
      [sandwell, SANDWELL_SEED],
    ] as const) {
      expect(text.length).toBeGreaterThan(1000);
      expect(provenance(p)).toContain(`(source: ${p.source})`);
      // Nothing reads as if the council reviewed the pack.
      expect(provenance(p)).not.toMatch(/review/i);
    }
  });

  test('a pack whose source document is missing is refused, naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cse-source-'));
    const text = readFileSync(sandwellFile, 'utf8').replace(`source: ${'004_fcdd3354f01d9305.txt'}`, 'source: not-there.txt');
    writeFileSync(join(dir, 'sandwell.yaml'), text);
    const line = text.split('\n').findIndex((l) => l.startsWith('source:')) + 1;
    let error: unknown;
    try {
      loadProcedureFile(join(dir, 'sandwell.yaml'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProcedureInvalidError);
    expect((error as ProcedureInvalidError).problems).toEqual([expect.objectContaining({ line, path: 'source', message: expect.stringContaining('not-there.txt') as unknown })]);
  });

  test('Sandwell\'s call-999 step is labelled general practice, not a step of its document', () => {
    const danger = sandwell.steps.find((s) => s.id === sandwell.start);
    expect(danger?.kind).toBe('danger');
    expect(JSON.stringify(danger)).toMatch(/General safeguarding practice, not a step of the Sandwell guidance/);
  });
});
