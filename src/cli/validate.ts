/**
 * Checks procedure packs, as the bot does when it starts.
 *
 *   npm run validate                    every pack in dialogs/ and dialogs/common/common.yaml, checked together
 *   npm run validate -- a.yaml b.yaml   each file on its own (a folder is checked like dialogs/)
 *
 * Prints "ok <file> (<area>, version …, N steps)" for each good file and every problem as
 * "file:line:column  message"; exits 1 if there is any problem, 64 on bad arguments.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  formatProblem,
  loadCatalogue,
  loadProcedureFile,
  parseCommon,
  procedureFiles,
  ProcedureInvalidError,
  type Problem,
} from '../procedure/load';
import { defaultPacksDir, shortPath, userPath } from './chat';

export const VALIDATE_EXIT = { ok: 0, problems: 1, usage: 64 } as const;

export interface ValidateReport {
  /** Each good file and its "ok …" line. */
  ok: { file: string; line: string }[];
  problems: Problem[];
}

function problemsOf(e: unknown, file: string): Problem[] {
  if (e instanceof ProcedureInvalidError) return e.problems;
  const message = e instanceof Error ? e.message : String(e);
  return [{ file, line: 1, column: 1, path: '', message: `cannot read the file: ${message}` }];
}

function isCommonFile(file: string): boolean {
  return basename(file) === 'common.yaml' && basename(dirname(file)) === 'common';
}

/** Checks one file: a procedure pack, or the common wording when it is common/common.yaml. */
export function validateFile(file: string): ValidateReport {
  try {
    if (isCommonFile(file)) {
      parseCommon(readFileSync(file, 'utf8'), file);
      return { ok: [{ file, line: `ok ${file} (common wording)` }], problems: [] };
    }
    const p = loadProcedureFile(file);
    return { ok: [{ file, line: `ok ${file} (${p.area}, version ${p.version}, ${p.steps.length} steps)` }], problems: [] };
  } catch (e) {
    return { ok: [], problems: problemsOf(e, file) };
  }
}

/**
 * Checks a dialogs folder as the bot loads it: each pack on its own (so good files are reported as such), then the
 * whole catalogue, for what only shows across files (two packs for one area, no pack at all, the common wording).
 */
export function validateFolder(dir: string): ValidateReport {
  const report: ValidateReport = { ok: [], problems: [] };
  let files: string[];
  try {
    files = procedureFiles(dir);
  } catch (e) {
    return { ok: [], problems: problemsOf(e, dir) };
  }
  for (const file of files) {
    const one = validateFile(file);
    report.ok.push(...one.ok);
    report.problems.push(...one.problems);
  }
  const common = join(dir, 'common', 'common.yaml');
  if (existsSync(common)) {
    const one = validateFile(common);
    report.ok.push(...one.ok);
  }
  try {
    loadCatalogue(dir);
  } catch (e) {
    const seen = new Set(report.problems.map(formatProblem));
    for (const p of problemsOf(e, dir)) {
      if (!seen.has(formatProblem(p))) report.problems.push(p);
      seen.add(formatProblem(p));
    }
  }
  // A file named in a problem found across files is not ok after all.
  const bad = new Set(report.problems.map((p) => p.file));
  report.ok = report.ok.filter((ok) => !bad.has(ok.file));
  return report;
}

const USAGE = 'Usage: npm run validate [-- <pack.yaml | dialogs folder>...]';

/** Validates the given files (or dialogs/), printing the report; returns the exit status. */
export function runValidate(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  if (argv.some((a) => a === '--help' || a === '-h')) {
    out(USAGE);
    return VALIDATE_EXIT.ok;
  }
  const unknown = argv.find((a) => a.startsWith('-'));
  if (unknown) {
    err(`unknown option "${unknown}"\n${USAGE}`);
    return VALIDATE_EXIT.usage;
  }
  const targets = argv.length > 0 ? argv.map(userPath) : [shortPath(defaultPacksDir())];
  const report: ValidateReport = { ok: [], problems: [] };
  for (const target of targets) {
    const isDir = existsSync(target) && statSync(target).isDirectory();
    const one = isDir ? validateFolder(target) : validateFile(target);
    report.ok.push(...one.ok);
    report.problems.push(...one.problems);
  }
  for (const ok of report.ok) out(ok.line);
  for (const p of report.problems) out(formatProblem(p));
  if (report.problems.length > 0) {
    const files = new Set(report.problems.map((p) => p.file)).size;
    err(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.`);
    return VALIDATE_EXIT.problems;
  }
  return VALIDATE_EXIT.ok;
}

if (require.main === module) {
  process.exitCode = runValidate(
    process.argv.slice(2),
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
}
