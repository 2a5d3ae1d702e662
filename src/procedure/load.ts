import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { Common, Procedure } from './schema';
import { checkProcedure, type PathProblem } from './checks';

/** One thing wrong with a procedure file, placed at its file and line. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** Thrown when a procedure file is invalid; `problems` lists every problem found, in file order. */
export class ProcedureInvalidError extends Error {
  readonly code = 'procedure_invalid';
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ProcedureInvalidError';
  }
}

/** "file:line:column  message (at path)", the shape editors and terminals link to. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}  ${p.message}${p.path ? ` (at ${p.path})` : ''}`;
}

type Path = readonly (string | number)[];

function locate(doc: Document, counter: LineCounter, path: Path): { line: number; column: number } {
  // Walk up to the deepest node that exists, so a missing key points at the object that lacks it.
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

function pathText(path: Path): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function parseYaml(text: string, file: string): { doc: Document; counter: LineCounter; data: unknown } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ProcedureInvalidError(
      doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return { doc, counter, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

function zodProblems(error: z.ZodError, doc: Document, counter: LineCounter, file: string): Problem[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    return { file, ...locate(doc, counter, path), path: pathText(path), message: issue.message };
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The folder beside the packs that holds the councils' source documents each pack names. */
export const SOURCES_DIR = 'sources';

/**
 * Parses and checks one procedure pack's text; throws ProcedureInvalidError naming file and line. With
 * `sourcesDir`, the source document the pack names must be there: a pack is checked against a document the project
 * carries, never one that only exists on somebody's machine.
 */
export function parseProcedure(text: string, file: string, sourcesDir?: string): Procedure {
  const { doc, counter, data } = parseYaml(text, file);
  const parsed = Procedure.safeParse(data);
  if (!parsed.success) throw new ProcedureInvalidError(sortProblems(zodProblems(parsed.error, doc, counter, file)));
  const found: PathProblem[] = checkProcedure(parsed.data);
  if (sourcesDir !== undefined && !existsSync(join(sourcesDir, parsed.data.source))) {
    found.push({ path: ['source'], message: `source document "${parsed.data.source}" is not in ${sourcesDir}` });
  }
  if (found.length > 0) {
    throw new ProcedureInvalidError(
      sortProblems(found.map((p) => ({ file, ...locate(doc, counter, p.path), path: pathText(p.path), message: p.message }))),
    );
  }
  return parsed.data;
}

/** Reads one procedure pack from disk; its source document must be in the `sources` folder beside it. */
export function loadProcedureFile(file: string): Procedure {
  return parseProcedure(readFileSync(file, 'utf8'), file, join(dirname(file), SOURCES_DIR));
}

/** Parses the area-neutral wording file. */
export function parseCommon(text: string, file: string): Common {
  const { doc, counter, data } = parseYaml(text, file);
  const parsed = Common.safeParse(data);
  if (!parsed.success) throw new ProcedureInvalidError(sortProblems(zodProblems(parsed.error, doc, counter, file)));
  return parsed.data;
}

/** The packs in a folder: every `*.yaml` directly in it, in name order. */
export function procedureFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => join(dir, name));
}

export interface Catalogue {
  procedures: Procedure[];
  common: Common;
}

/**
 * Loads every pack in `dir` and the common wording beside them, checking each; all problems of all files are
 * reported together. Two packs may not claim one area.
 */
export function loadCatalogue(dir: string): Catalogue {
  const problems: Problem[] = [];
  const procedures: Procedure[] = [];
  const seen = new Map<string, string>();
  for (const file of procedureFiles(dir)) {
    try {
      const p = loadProcedureFile(file);
      const other = seen.get(p.area);
      if (other) {
        problems.push({ file, line: 1, column: 1, path: 'area', message: `area "${p.area}" is also defined by ${basename(other)}` });
      }
      seen.set(p.area, file);
      procedures.push(p);
    } catch (e) {
      if (e instanceof ProcedureInvalidError) problems.push(...e.problems);
      else throw e;
    }
  }
  let common: Common | undefined;
  const commonFile = join(dir, 'common', 'common.yaml');
  try {
    common = parseCommon(readFileSync(commonFile, 'utf8'), commonFile);
  } catch (e) {
    if (e instanceof ProcedureInvalidError) problems.push(...e.problems);
    else throw e;
  }
  if (procedures.length === 0 && problems.length === 0) {
    problems.push({ file: dir, line: 1, column: 1, path: '', message: 'no procedure pack (*.yaml) in this folder' });
  }
  if (problems.length > 0 || !common) throw new ProcedureInvalidError(problems);
  return { procedures, common };
}
