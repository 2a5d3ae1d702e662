import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate, validateFolder } from '../../src/cli/validate';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function validate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['src/cli/validate.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
let broken: string;
/** Line number (1-based) of the first line containing `text`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'validate-'));
  mkdirSync(join(tmp, 'common'));
  writeFileSync(join(tmp, 'common', 'common.yaml'), readFileSync(join(root, 'dialogs', 'common', 'common.yaml')));
  cpSync(join(root, 'dialogs', 'sources'), join(tmp, 'sources'), { recursive: true });
  writeFileSync(join(tmp, 'sandwell.yaml'), readFileSync(join(root, 'dialogs', 'sandwell.yaml')));
  const text = readFileSync(join(root, 'dialogs', 'nottingham-city.yaml'), 'utf8');
  const bad = text.replace('    next: case-reference\n', '    next: no-such-step\n');
  expect(bad).not.toBe(text);
  broken = join(tmp, 'nottingham-city.yaml');
  writeFileSync(broken, bad);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run validate', () => {
  it('passes the real packs: ok per file, exit 0', () => {
    const r = validate([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok dialogs\/nottingham-city\.yaml \(nottingham-city, version \d+\.\d+\.\d+, \d+ steps\)$/m);
    expect(r.stdout).toMatch(/^ok dialogs\/sandwell\.yaml \(sandwell, version \d+\.\d+\.\d+, \d+ steps\)$/m);
  });

  it('fails a broken copy with file:line:column, exit 1', () => {
    const r = validate([broken, join(root, 'dialogs', 'sandwell.yaml')]);
    expect(r.status).toBe(1);
    const line = lineOf(readFileSync(broken, 'utf8'), 'next: no-such-step');
    expect(r.stdout).toContain(`${broken}:${line}:`);
    expect(r.stdout).toMatch(/no-such-step/);
    expect(r.stdout).toMatch(/^ok .*sandwell\.yaml/m);
    expect(r.stderr).toContain('1 problem in 1 file.');
  });
});

describe('validate (in-process)', () => {
  const capture = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const status = runValidate(argv, (s) => out.push(s), (s) => err.push(s));
    return { status, out, err };
  };

  it('checks a folder as the bot loads it, keeping good files ok', () => {
    const report = validateFolder(tmp);
    expect(report.ok.map((o) => o.file)).toEqual([join(tmp, 'sandwell.yaml'), join(tmp, 'common', 'common.yaml')]);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]!.file).toBe(broken);
  });

  it('reports two packs claiming one area', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-dup-'));
    try {
      mkdirSync(join(dir, 'common'));
      writeFileSync(join(dir, 'common', 'common.yaml'), readFileSync(join(root, 'dialogs', 'common', 'common.yaml')));
      cpSync(join(root, 'dialogs', 'sources'), join(dir, 'sources'), { recursive: true });
      const sandwell = readFileSync(join(root, 'dialogs', 'sandwell.yaml'), 'utf8');
      writeFileSync(join(dir, 'a.yaml'), sandwell);
      writeFileSync(join(dir, 'b.yaml'), sandwell);
      const r = capture([dir]);
      expect(r.status).toBe(1);
      expect(r.out.join('\n')).toContain('area "sandwell" is also defined by a.yaml');
      expect(r.out.some((l) => /^ok .*b\.yaml/.test(l))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file and a bad option', () => {
    const missing = capture([join(tmp, 'nope.yaml')]);
    expect(missing.status).toBe(1);
    expect(missing.out[0]).toMatch(/nope\.yaml:1:1 {2}cannot read the file/);
    expect(capture(['--nope']).status).toBe(64);
  });
});
