/**
 * The engine is pure: no I/O, no clock, no randomness, no environment, and nothing from the layers around it.
 * This scans the source of src/engine/*.ts, so a forbidden import or call fails here before it ships.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ENGINE = resolve(__dirname, '../../src/engine');

const FORBIDDEN_MODULES = ['fs', 'http', 'https', 'net', 'child_process'];
const FORBIDDEN_LAYERS = ['channels', 'store', 'conversation'];
const FORBIDDEN_CALLS: [string, RegExp][] = [
  ['process.env', /\bprocess\s*\.\s*env\b/],
  ['Date.now', /\bDate\s*\.\s*now\b/],
  ['new Date(', /\bnew\s+Date\s*\(/],
  ['Math.random', /\bMath\s*\.\s*random\b/],
];

/** Every module a source imports or requires, statically or dynamically. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

/** What is wrong with one engine source file: each forbidden import or call it contains. */
function impurities(source: string): string[] {
  const out: string[] = [];
  for (const spec of importsOf(source)) {
    const bare = spec.replace(/^node:/, '').split('/')[0]!;
    if (FORBIDDEN_MODULES.includes(bare)) out.push(`imports ${spec}`);
    // Relative paths out of src/engine into another layer, however written (../store, ../../src/channels/x).
    const parts = spec.split('/');
    if (spec.startsWith('.') && parts.some((p) => FORBIDDEN_LAYERS.includes(p))) out.push(`imports ${spec}`);
    if (/^(?:src\/|@\/)/.test(spec) && parts.some((p) => FORBIDDEN_LAYERS.includes(p))) out.push(`imports ${spec}`);
  }
  for (const [name, re] of FORBIDDEN_CALLS) if (re.test(source)) out.push(`uses ${name}`);
  return out;
}

const files = readdirSync(ENGINE)
  .filter((f) => f.endsWith('.ts'))
  .sort();

test('there are engine sources to scan', () => {
  expect(files).toEqual(expect.arrayContaining(['engine.ts', 'index.ts', 'machine.ts', 'types.ts', 'views.ts']));
});

test.each(files)('src/engine/%s does no I/O, reads no clock or environment, and imports no outer layer', (file) => {
  const source = readFileSync(resolve(ENGINE, file), 'utf8');
  expect(impurities(source)).toEqual([]);
});

describe('the scanner itself catches what it is for', () => {
  test.each([
    ["import { readFileSync } from 'node:fs';", 'imports node:fs'],
    ["import * as fs from 'fs';", 'imports fs'],
    ["import fs from 'fs/promises';", 'imports fs/promises'],
    ["import http from 'http';", 'imports http'],
    ["import { request } from 'node:https';", 'imports node:https'],
    ["import net from 'net';", 'imports net'],
    ["const cp = require('child_process');", 'imports child_process'],
    ["const m = await import('node:fs');", 'imports node:fs'],
    ["import type { Store } from '../store/types';", 'imports ../store/types'],
    ["import { send } from '../channels/slack/send';", 'imports ../channels/slack/send'],
    ["export * from '../conversation';", 'imports ../conversation'],
    ["import { x } from 'src/store/db';", 'imports src/store/db'],
    ['const area = process.env.DEFAULT_AREA;', 'uses process.env'],
    ['const t = Date.now();', 'uses Date.now'],
    ['const t = new Date().toISOString();', 'uses new Date('],
    ['const id = Math.random();', 'uses Math.random'],
  ])('%s', (source, problem) => {
    expect(impurities(source)).toContain(problem);
  });

  test('a pure import passes', () => {
    expect(impurities("import { assign, setup } from 'xstate';\nimport type { Procedure } from '../procedure/schema';")).toEqual([]);
  });
});
