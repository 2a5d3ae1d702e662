/**
 * Runs the store tests against both backends: SQLite in a temporary folder and PostgreSQL in a schema of its own
 * per test (created and dropped here), so test files running in parallel never collide.
 *
 * PostgreSQL is not optional: if it cannot be reached, every PostgreSQL test fails with how to start it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { createStore, SQLITE_FILE, type Store } from '../../src/store';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** Fails (with how to fix it) when the database cannot be reached. */
  check(): Promise<void>;
  /** A fresh, empty database for the next test. */
  fresh(): Promise<void>;
  /** A store on the current database; each call is another instance (another pool on PostgreSQL). */
  open(): Promise<Store>;
  /** DATABASE_URL / DATA_DIR pointing at the current database, for the export CLI. */
  env(): Record<string, string>;
  /** A raw query on the current database, for what the Store API cannot show. */
  query(text: string): Promise<Record<string, unknown>[]>;
  count(table: string): Promise<number>;
  /** Closes the stores opened and drops the database. */
  cleanup(): Promise<void>;
  end(): Promise<void>;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function withSearchPath(url: string, schema: string): string {
  const option = `options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return url + (url.includes('?') ? '&' : '?') + option;
}

class SqliteBackend implements Backend {
  readonly name = 'sqlite' as const;
  private dir: string | null = null;
  private stores: Store[] = [];

  check(): Promise<void> {
    return Promise.resolve();
  }

  fresh(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-store-'));
    return Promise.resolve();
  }

  private get dataDir(): string {
    if (!this.dir) throw new Error('fresh() first');
    return this.dir;
  }

  async open(): Promise<Store> {
    const store = await createStore({ dataDir: this.dataDir });
    this.stores.push(store);
    return store;
  }

  env(): Record<string, string> {
    return { DATA_DIR: this.dataDir, DATABASE_URL: '' };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so a throw becomes a rejection, as on PostgreSQL
  async query(text: string): Promise<Record<string, unknown>[]> {
    const db = new BetterSqlite3(path.join(this.dataDir, SQLITE_FILE));
    try {
      const stmt = db.prepare(text);
      if (stmt.reader) return stmt.all() as Record<string, unknown>[];
      stmt.run();
      return [];
    } finally {
      db.close();
    }
  }

  async count(table: string): Promise<number> {
    const rows = await this.query(`select count(*) as n from ${table}`);
    return Number(rows[0]?.n);
  }

  async cleanup(): Promise<void> {
    const stores = this.stores;
    this.stores = [];
    await Promise.all(stores.map((s) => s.close()));
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  end(): Promise<void> {
    return Promise.resolve();
  }
}

class PostgresBackend implements Backend {
  readonly name = 'postgres' as const;
  private admin: Client | null = null;
  private schema: string | null = null;
  private stores: Store[] = [];
  private n = 0;

  constructor(private readonly tag: string) {}

  async check(): Promise<void> {
    const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new Error(
        `PostgreSQL is not reachable at ${redact(PG_URL)} (${e instanceof Error ? e.message : String(e)}).\n` +
          'The store tests run against SQLite AND PostgreSQL; start the server with\n' +
          '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
          'or point TEST_DATABASE_URL at a PostgreSQL database this user may create schemas in.',
      );
    }
    this.admin = client;
  }

  private get client(): Client {
    if (!this.admin) throw new Error('PostgreSQL check() failed or was not run');
    return this.admin;
  }

  async fresh(): Promise<void> {
    this.n += 1;
    this.schema = `store_test_${this.tag}_${process.pid}_${this.n}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await this.client.query(`drop schema if exists ${this.schema} cascade`);
    await this.client.query(`create schema ${this.schema}`);
  }

  private get url(): string {
    if (!this.schema) throw new Error('fresh() first');
    return withSearchPath(PG_URL, this.schema);
  }

  async open(): Promise<Store> {
    const store = await createStore({ databaseUrl: this.url, dataDir: '/nonexistent-unused' });
    this.stores.push(store);
    return store;
  }

  env(): Record<string, string> {
    return { DATABASE_URL: this.url, DATA_DIR: '/nonexistent-unused' };
  }

  async query(text: string): Promise<Record<string, unknown>[]> {
    if (!this.schema) throw new Error('fresh() first');
    await this.client.query(`set search_path to ${this.schema}`);
    const result = await this.client.query<Record<string, unknown>>(text);
    return result.rows;
  }

  async count(table: string): Promise<number> {
    const rows = await this.query(`select count(*) as n from ${table}`);
    return Number(rows[0]?.n);
  }

  async cleanup(): Promise<void> {
    const stores = this.stores;
    this.stores = [];
    await Promise.all(stores.map((s) => s.close()));
    if (this.schema && this.admin) await this.admin.query(`drop schema if exists ${this.schema} cascade`);
    this.schema = null;
  }

  async end(): Promise<void> {
    await this.admin?.end();
    this.admin = null;
  }
}

/** `describe.each(backends('file-tag'))('… on %s', (_name, backend) => …)`, with the hooks set by `useBackend`. */
export function backends(tag: string): [string, Backend][] {
  return [
    ['sqlite', new SqliteBackend()],
    ['postgres', new PostgresBackend(tag)],
  ];
}

/** Registers the hooks: a reachability check, a fresh database per test, cleanup. */
export function useBackend(backend: Backend): void {
  beforeAll(() => backend.check());
  beforeEach(() => backend.fresh());
  afterEach(() => backend.cleanup());
  afterAll(() => backend.end());
}
