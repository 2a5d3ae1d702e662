/**
 * createStore: SQLite (one file under dataDir) when no databaseUrl is given, PostgreSQL when one is. Both go through
 * the same Kysely code (store.ts); migrations are applied before the store is handed out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import { Pool } from 'pg';
import { migrateToLatest } from './migrations';
import type { Database } from './schema';
import { KyselyStore } from './store';
import type { Store } from './types';

export * from './types';
export { isoTime } from './store';
export { decodeState, encodeState, encodeStateText, type StoredStateV2, type StoredTrailEntry } from './state-codec';
export { migrateToLatest, migrations, MIGRATION_TABLE } from './migrations';

export const SQLITE_FILE = 'cse-bot.sqlite';

export interface StoreOptions {
  /**
   * postgres://… or postgresql://… to use PostgreSQL. The tables live in the connection's current schema; pick
   * another than public with `?options=-c%20search_path%3Dmy_schema` (the schema must exist).
   */
  databaseUrl?: string;
  /** Where the SQLite file lives (created if missing); unused with PostgreSQL. */
  dataDir: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite busy timeout in ms (default 5000): how long another process's write lock is waited for. */
  busyTimeoutMs?: number;
}

/**
 * Opens the SQLite file with the settings the store relies on:
 * - WAL: readers never block the writer, and a commit is one append to the log;
 * - synchronous=FULL: the WAL is fsynced at every commit, so an acknowledged turn survives a power cut
 *   (NORMAL would only guarantee consistency, not durability, in WAL mode);
 * - busy_timeout: another process (the export CLI, a retention job) holding the lock is waited for, not an error;
 * - foreign_keys on (off by default in SQLite), so any future foreign key is enforced as on PostgreSQL.
 */
export function openSqliteDatabase(file: string, busyTimeoutMs = 5000): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') throw new Error(`store: cannot use WAL on ${file} (journal_mode=${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export async function createStore(options: StoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim();
  if (url) return createPostgresStore(url, options.poolSize ?? 10);
  return createSqliteStore(options.dataDir, options.busyTimeoutMs);
}

/**
 * Opens of the same SQLite file in this process, one after another: better-sqlite3 is synchronous, so two
 * connections of one process contending for the write lock would block the event loop in the busy handler
 * instead of letting the holder finish. (Run one store per file per process; this only keeps start-up safe.)
 */
const sqliteOpens = new Map<string, Promise<unknown>>();

function createSqliteStore(dataDir: string, busyTimeoutMs?: number): Promise<Store> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.resolve(dataDir, SQLITE_FILE);
  const previous = sqliteOpens.get(file) ?? Promise.resolve();
  const opening = previous.catch(() => undefined).then(() => openSqliteStore(file, busyTimeoutMs));
  const settled = opening.catch(() => undefined);
  sqliteOpens.set(file, settled);
  void settled.then(() => {
    if (sqliteOpens.get(file) === settled) sqliteOpens.delete(file);
  });
  return opening;
}

/**
 * Kysely's SQLite driver prepares every statement it runs. The store runs the same few statements on every turn, so
 * prepared statements are kept and reused (better-sqlite3 statements are reusable; the store never streams rows, so
 * none is busy when it is run again). Bounded, because multi-row inserts give one statement text per row count.
 */
function withStatementCache(database: BetterSqlite3.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        statement = database.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * fdatasync of the file's WAL on libuv's thread pool, so the event loop goes on while the disk works. The WAL stays
 * the same file while the store's connection is open (SQLite removes it only when the last connection closes).
 */
function walSyncOf(file: string): { sync: () => Promise<void>; close: () => Promise<void> } {
  let handle: Promise<fs.promises.FileHandle> | null = null;
  return {
    async sync() {
      handle ??= fs.promises.open(`${file}-wal`, 'r+');
      try {
        await (await handle).datasync();
      } catch (error) {
        // Opened again next time; this one is closed if it was opened at all.
        const failed = handle;
        handle = null;
        void failed?.then((h) => h.close()).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const open = handle;
      handle = null;
      if (open) await (await open.catch(() => null))?.close();
    },
  };
}

/**
 * Checkpoints in a worker thread. A checkpoint copies the WAL back into the database file and fsyncs both; left to
 * SQLite it runs inside whichever COMMIT crosses 1000 WAL pages, on the event loop, and stalled every request for
 * 50-100 ms a few times a second under load (Slack acks, docs/benchmarks.md). Here the store's own connection never
 * checkpoints (wal_autocheckpoint=0) and a second connection, in a worker, runs PASSIVE checkpoints, which neither
 * wait for nor block the writer. Should the worker stop, the store's connection checkpoints itself again.
 */
const CHECKPOINTER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or gone: the next tick tries again */ }
}, workerData.intervalMs);
`;

function startCheckpointer(file: string, database: BetterSqlite3.Database): () => Promise<void> {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs: 200 } });
  let stopping = false;
  const fallBack = () => {
    if (!stopping && database.open) database.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  worker.unref();
  return async () => {
    stopping = true;
    await worker.terminate();
  };
}

async function openSqliteStore(file: string, busyTimeoutMs?: number): Promise<Store> {
  const raw = openSqliteDatabase(file, busyTimeoutMs);
  const stopCheckpointer = startCheckpointer(file, raw);
  const database = withStatementCache(raw);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    const wal = walSyncOf(file);
    return new KyselyStore(db, 'sqlite', applied, {
      walSync: wal.sync,
      beforeClose: async () => {
        await stopCheckpointer();
        await wal.close();
      },
    });
  } catch (error) {
    await stopCheckpointer();
    await db.destroy();
    throw error;
  }
}

async function createPostgresStore(url: string, poolSize: number): Promise<Store> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error('store: databaseUrl must start with postgres:// or postgresql:// (leave it unset for SQLite)');
  }
  const pool = new Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would crash the process. The
  // pool drops that client and the next query reports any lasting problem.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    if (!rows[0]?.schema) throw new Error('store: the PostgreSQL connection has no current schema (check search_path)');
    const applied = await migrateToLatest(db as Kysely<unknown>, 'postgres');
    return new KyselyStore(db, 'postgres', applied);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
