/**
 * The schema's history, in code, with a tiny table of its own (`store_migration`: name, applied_at). createStore
 * applies whatever is pending at start-up, so a second start applies nothing.
 *
 * Never edit a migration that has shipped: add a new one. Names sort in the order they apply.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export const MIGRATION_TABLE = 'store_migration';

function initial(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  // ISO-8601 strings; byte-order comparison on PostgreSQL whatever the database collation (see schema.ts).
  const time = pg ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('area', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('conversations_updated_at').on('conversations').column('updated_at').execute();

      // Idempotency keys of inbound deliveries. No foreign key: keys outlive nothing but are purged by age.
      await db.schema
        .createTable('inbound')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('inbound_at').on('inbound').column('at').execute();

      // Append-only (a trigger below refuses UPDATE). No foreign key to conversations: the audit trail outlives
      // the idle conversations that retention deletes.
      await db.schema
        .createTable('audit')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', time, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('area', 'text')
        .addColumn('pack_version', 'text')
        .addColumn('step', 'text')
        .addColumn('code', 'text')
        .execute();
      await db.schema.createIndex('audit_conversation').on('audit').columns(['conversation_id', 'at']).execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
      if (pg) {
        await sql`create function audit_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit rows are append-only'; end $$`.execute(db);
        await sql`create trigger audit_append_only before update on audit
          for each row execute function audit_append_only()`.execute(db);
      } else {
        await sql`create trigger audit_append_only before update on audit
          begin select raise(abort, 'audit rows are append-only'); end`.execute(db);
      }

      // One record per completion: a conversation completes again only after a restart, with a new completedAt.
      await db.schema
        .createTable('case_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('case_ref', 'text')
        .addColumn('area', 'text', (c) => c.notNull())
        .addColumn('pack_version', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('completed_at', time, (c) => c.notNull())
        .addUniqueConstraint('case_records_completion', ['conversation_id', 'completed_at'])
        .execute();
      await db.schema.createIndex('case_records_case_ref').on('case_records').column('case_ref').execute();
      await db.schema.createIndex('case_records_completed_at').on('case_records').column('completed_at').execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', time, (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', time)
        .addColumn('last_error', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('sent_at', time)
        .addCheckConstraint('outbox_status', sql`status in ('pending', 'sent', 'failed')`)
        .execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_conversation').on('outbox').column('conversation_id').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['outbox', 'case_records', 'audit', 'inbound', 'conversations']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
      if (pg) await sql`drop function if exists audit_append_only()`.execute(db);
    },
  };
}

/**
 * Durable replies: a turn's replies are outbox rows delivered in order per lane (the conversation they are posted
 * in), and a delivery's synchronous answer is kept with its inbound key so a redelivery gets the same answer.
 */
function durableReplies(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Existing rows each get a lane of their own (their id): they were never ordered against anything.
      await db.schema.alterTable('outbox').addColumn('lane', 'text').execute();
      await sql`update outbox set lane = id`.execute(db);
      await db.schema.alterTable('outbox').addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      if (pg) await sql`alter table outbox alter column lane set not null`.execute(db);
      await db.schema.createIndex('outbox_lane').on('outbox').columns(['lane', 'status', 'created_at', 'seq']).execute();
      await db.schema.alterTable('inbound').addColumn('response', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('outbox_lane').execute();
      await db.schema.alterTable('outbox').dropColumn('seq').execute();
      await db.schema.alterTable('outbox').dropColumn('lane').execute();
      await db.schema.alterTable('inbound').dropColumn('response').execute();
    },
  };
}

/**
 * One case record per run: a run (a conversation's procedure from its start to its outcome) is known by its start
 * time, so going back from an outcome and choosing differently replaces the run's record instead of adding one.
 */
function recordPerRun(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('case_records').addColumn('started_at', 'text').execute();
      // Older rows were one per completion; each stands for a run of its own.
      await sql`update case_records set started_at = completed_at where started_at is null`.execute(db);
      await db.schema.createIndex('case_records_run').unique().on('case_records').columns(['conversation_id', 'started_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('case_records_run').execute();
      await db.schema.alterTable('case_records').dropColumn('started_at').execute();
    },
  };
}

/** Every migration, by name, for a dialect. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_durable_replies': durableReplies(dialect),
    '0003_record_per_run': recordPerRun(),
  };
}

/**
 * Applies the pending migrations in ONE transaction (both SQLite and PostgreSQL have transactional DDL, so a failed
 * migration leaves nothing behind) and records each in `store_migration`; returns the names applied, in order
 * (empty when the schema was already current).
 *
 * Concurrent starts: on SQLite BEGIN IMMEDIATE takes the file's write lock before the applied list is read (another
 * process waits up to the busy timeout); on PostgreSQL a transaction-scoped advisory lock per schema does the same.
 * The second start then reads the first one's rows and applies nothing.
 *
 * (Kysely's Migrator was the other option; in 0.28 it runs SQLite migrations outside a transaction and takes no lock
 * on SQLite, so a crash or a second process mid-migration could leave a half-built schema.)
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const all = migrations(dialect);
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext('cse-bot store migrations:' || current_schema()))`.execute(conn);
      }
      await conn.schema
        .createTable(MIGRATION_TABLE)
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      const done = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(conn);
      const applied = new Set(done.rows.map((r) => r.name));
      const unknown = [...applied].filter((name) => !(name in all));
      if (unknown.length > 0) {
        throw new Error(`the database has migrations this version does not know (${unknown.join(', ')}): is it newer?`);
      }
      const pending = Object.keys(all)
        .sort()
        .filter((name) => !applied.has(name));
      for (const name of pending) {
        await all[name]?.up(conn);
        // The wall clock only dates the migration row; nothing reads it back.
        await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(conn);
      }
      await sql`commit`.execute(conn);
      return pending;
    } catch (error) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // keep the original error
      }
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new Error(`store: migration failed: ${cause.message}`, { cause });
    }
  });
}
