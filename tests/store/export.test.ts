import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EXPORT_EXIT, runExport, type Chronology } from '../../src/cli/export';
import type { Store } from '../../src/store';
import { at, auditRow, caseRecord, outboxRow, turn } from './fixtures';
import { backends, useBackend } from './harness';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

async function seed(store: Store): Promise<void> {
  await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
  await store.commitTurn(
    turn({
      conversationId: 'c-1',
      inboundKey: 'k-2',
      now: at(120),
      expectedVersion: 1,
      caseRecord: caseRecord('c-1', 'CR-1', at(120)),
      outbox: [outboxRow('o-1')],
      audit: [auditRow('c-1', at(120), 'done'), auditRow('c-1', at(120), 'o-1', 'notification-queued')],
    }),
  );
  await store.appendAudit([auditRow('c-1', at(60), 'k-late|pipe', 'turn'), auditRow('c-1', at(200), 'o-1', 'notification-sent')]);
  // Another case, which must not appear.
  await store.commitTurn(turn({ conversationId: 'c-2', inboundKey: 'k-x', now: at(30), caseRecord: caseRecord('c-2', 'CR-2', at(30)) }));
}

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe.each(backends('export'))('export CLI on %s', (_name, backend) => {
  useBackend(backend);

  it('prints a case’s chronology as markdown: the record’s summary and the audit rows in time order', async () => {
    await seed(await backend.open());
    const io = capture();
    expect(await runExport(['--case', 'CR-1'], backend.env(), io)).toBe(EXPORT_EXIT.ok);
    expect(io.stderr).toBe('');
    const md = io.stdout;
    expect(md).toContain('# Chronology: case reference CR-1');
    expect(md).toContain('## Case records (1)');
    expect(md).toContain('- Area: Nottingham City (`nottingham-city`)');
    expect(md).toContain('pack version 2024.3');
    expect(md).toContain('- Outcome: Open a case and refer to MASH (`nottingham-city/open-case`)');
    expect(md).toContain('- Risk level: Medium risk (`medium`)');
    expect(md).toContain('**CSE indicators** (`cse-indicators`)');
    expect(md).toContain('  - Unexplained gifts');
    expect(md).toContain('**Vulnerabilities** (`vulnerabilities`)');
    expect(md).toContain('1. Make a referral to the MASH');
    expect(md).toContain('   - MASH — Referrals — 0115 876 4800 — mash@example.org');
    expect(md).toContain('## Audit trail (5 rows)');
    expect(md).toContain('k-late\\|pipe');
    expect(md).not.toContain('CR-2');
    expect(md).not.toContain('c-2');
    const times = [...md.matchAll(/^\| (\d{4}-[^ ]+) \| ([a-z-]+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(times).toEqual([
      `${at(0)} turn`,
      `${at(60)} turn`,
      `${at(120)} turn`,
      `${at(120)} notification-queued`,
      `${at(200)} notification-sent`,
    ]);
  });

  it('prints JSON for a conversation', async () => {
    await seed(await backend.open());
    const io = capture();
    expect(await runExport(['--conversation', 'c-1', '--format', 'json'], backend.env(), io)).toBe(EXPORT_EXIT.ok);
    const json = JSON.parse(io.stdout) as Chronology;
    expect(json.query).toEqual({ conversationId: 'c-1' });
    expect(json.caseRecords.map((r) => [r.caseRef, r.summary.riskLevel?.id])).toEqual([['CR-1', 'medium']]);
    expect(json.audit.map((a) => a.code)).toEqual(['k-1', 'k-late|pipe', 'done', 'o-1', 'o-1']);
  });

  it('exits 1 with a clear message when nothing is found, 64 on bad arguments', async () => {
    await seed(await backend.open());
    const io = capture();
    expect(await runExport(['--case', 'CR-404'], backend.env(), io)).toBe(EXPORT_EXIT.notFound);
    expect(io.stdout).toBe('');
    expect(io.stderr).toContain('nothing found for case reference CR-404');

    for (const args of [[], ['--case', 'CR-1', '--format', 'pdf'], ['--bogus']]) {
      const bad = capture();
      expect(await runExport(args, backend.env(), bad)).toBe(EXPORT_EXIT.usage);
      expect(bad.stderr).toContain('Usage: npm run export');
    }
  });

  it('runs as a command (child process)', async () => {
    await seed(await backend.open());
    const { stdout } = await promisify(execFile)(TSX, ['src/cli/export.ts', '--case', 'CR-1'], {
      cwd: ROOT,
      env: { ...process.env, ...backend.env() },
    });
    expect(stdout).toContain('# Chronology: case reference CR-1');
    expect(stdout).toContain('- Risk level: Medium risk (`medium`)');

    const failed = await promisify(execFile)(TSX, ['src/cli/export.ts', '--case', 'CR-404'], {
      cwd: ROOT,
      env: { ...process.env, ...backend.env() },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing found') as string });
  });
});

describe('export CLI without a store', () => {
  it('exits 1 when the SQLite file does not exist (and does not create it)', async () => {
    const io = capture();
    const dir = path.join(os.tmpdir(), `cse-no-store-${process.pid}`);
    expect(await runExport(['--case', 'CR-1'], { DATA_DIR: dir }, io)).toBe(EXPORT_EXIT.notFound);
    expect(io.stderr).toContain('no store found');
    expect(fs.existsSync(dir)).toBe(false);
  });
});
