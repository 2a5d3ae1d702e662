import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATION_TABLE, migrations, openSqliteDatabase, SQLITE_FILE } from '../../src/store';
import { backends, useBackend } from './harness';

const ALL = Object.keys(migrations('sqlite'));

describe.each(backends('migrations'))('migrations on %s', (_name, backend) => {
  useBackend(backend);

  it('the first start applies every migration and records it; a second start applies nothing', async () => {
    const first = await backend.open();
    expect(first.appliedMigrations).toEqual(ALL);
    const second = await backend.open();
    expect(second.appliedMigrations).toEqual([]);
    await second.close();
    await first.close();
    const third = await backend.open();
    expect(third.appliedMigrations).toEqual([]);

    const recorded = await backend.query(`select name from ${MIGRATION_TABLE} order by name`);
    expect(recorded.map((r) => r.name)).toEqual(ALL);
    for (const table of ['conversations', 'inbound', 'audit', 'case_records', 'outbox']) {
      expect(await backend.count(table)).toBe(0);
    }
  });

  it('two instances starting at once migrate once', async () => {
    const [a, b] = await Promise.all([backend.open(), backend.open()]);
    expect([...a.appliedMigrations, ...b.appliedMigrations]).toEqual(ALL);
  });

  it('audit rows are append-only: an UPDATE is refused', async () => {
    const store = await backend.open();
    await store.appendAudit([
      { at: '2024-05-01T10:00:00Z', kind: 'acknowledged', conversationId: 'c', userId: 'u', area: null, packVersion: null, step: null, code: 'x' },
    ]);
    // Compared by message: better-sqlite3's native addon keeps the SqliteError class of the first Jest module
    // registry that loaded it, so in a later test file of the same worker it is not `instanceof Error` here.
    const refused = await backend.query(`update audit set code = 'changed'`).then(
      () => 'not refused',
      (e: unknown) => String((e as { message?: unknown }).message),
    );
    expect(refused).toMatch(/append-only/);
    expect((await store.audit({}))[0]?.code).toBe('x');
  });
});

describe('SQLite file settings', () => {
  it('WAL, synchronous=FULL, a busy timeout and foreign keys on', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-pragmas-'));
    const db = openSqliteDatabase(path.join(dir, SQLITE_FILE), 1234);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
