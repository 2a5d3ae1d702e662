/**
 * botbuilder's Storage interface over one SQLite file (better-sqlite3), for the peer baseline.
 *
 * Durability is the real bot's (src/store/index.ts openSqliteDatabase): journal_mode=WAL, synchronous=FULL (the WAL
 * is fsynced at every commit), busy_timeout=5000. One table: key TEXT PRIMARY KEY, etag TEXT, doc TEXT (the item as
 * JSON, without its eTag). Each write() is one IMMEDIATE transaction.
 *
 * eTags as botbuilder's MemoryStorage and the Cosmos/Blob storages treat them: every write gives the item a new
 * eTag; a write whose eTag is '*' or absent always wins; a write with any other eTag must match the stored one, or
 * the whole write() throws and nothing of it is stored. (Note: BotState.saveChanges in botbuilder 4.23 sets
 * eTag='*' before writing, so ConversationState writes are last-writer-wins whatever the storage does.)
 */
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Storage, StoreItems } from 'botbuilder';

interface Row {
  key: string;
  etag: string;
  doc: string;
}

export class SqliteStorage implements Storage {
  private readonly db: BetterSqlite3.Database;
  private readonly selectOne: BetterSqlite3.Statement<[string], Row>;
  private readonly selectEtag: BetterSqlite3.Statement<[string], { etag: string }>;
  private readonly upsert: BetterSqlite3.Statement<[string, string, string]>;
  private readonly deleteOne: BetterSqlite3.Statement<[string]>;
  private readonly writeAll: (changes: StoreItems) => void;
  private readonly deleteAll: (keys: string[]) => void;

  constructor(file: string) {
    const db = new BetterSqlite3(file);
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new Error(`SqliteStorage: cannot use WAL on ${file} (journal_mode=${String(mode)})`);
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec('CREATE TABLE IF NOT EXISTS storage (key TEXT PRIMARY KEY, etag TEXT NOT NULL, doc TEXT NOT NULL)');
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.selectOne = db.prepare<[string], Row>('SELECT key, etag, doc FROM storage WHERE key = ?');
    this.selectEtag = db.prepare<[string], { etag: string }>('SELECT etag FROM storage WHERE key = ?');
    this.upsert = db.prepare<[string, string, string]>(
      'INSERT INTO storage (key, etag, doc) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, doc = excluded.doc',
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM storage WHERE key = ?');

    const write = db.transaction((changes: StoreItems) => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...doc } = (item ?? {}) as { eTag?: unknown } & Record<string, unknown>;
        if (typeof eTag === 'string' && eTag !== '*' && eTag !== '') {
          const stored = this.selectEtag.get(key);
          if (stored && stored.etag !== eTag) {
            throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
          }
        }
        this.upsert.run(key, randomUUID(), JSON.stringify(doc));
      }
    });
    // IMMEDIATE: the write lock is taken before the eTag is read, so check-then-write is atomic across processes too.
    this.writeAll = (changes) => write.immediate(changes);
    const remove = db.transaction((keys: string[]) => {
      for (const key of keys) this.deleteOne.run(key);
    });
    this.deleteAll = (keys) => remove.immediate(keys);
  }

  read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) return Promise.reject(new Error('Keys are required when reading.'));
    const items: StoreItems = {};
    for (const key of keys) {
      const row = this.selectOne.get(key);
      if (row) items[key] = { ...(JSON.parse(row.doc) as Record<string, unknown>), eTag: row.etag };
    }
    return Promise.resolve(items);
  }

  write(changes: StoreItems): Promise<void> {
    if (!changes) return Promise.reject(new Error('Changes are required when writing.'));
    try {
      this.writeAll(changes);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  delete(keys: string[]): Promise<void> {
    try {
      this.deleteAll(keys);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
