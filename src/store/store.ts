/**
 * The Store over Kysely: one code path for SQLite and PostgreSQL. The only dialect-specific pieces are how a write
 * transaction begins (BEGIN IMMEDIATE on SQLite, so it takes the write lock up front instead of failing to upgrade
 * a read lock later) and FOR UPDATE SKIP LOCKED when claiming outbox rows on PostgreSQL.
 *
 * Times are never read from the clock here: every time comes in as an argument (ISO-8601) and is normalised with
 * Date#toISOString, which also rejects garbage.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CaseSummary, ConversationState } from '../engine';
import type { Database, OutboxTable } from './schema';
import { decodeState, encodeStateText } from './state-codec';
import type {
  AuditEntry,
  CaseRecordWrite,
  Channel,
  OutboxRow,
  OutboxWrite,
  RetentionResult,
  Store,
  StoredConversation,
  TurnCommit,
  TurnWrite,
} from './types';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Channel error messages can be long (HTML error pages); keep the head. */
const MAX_ERROR_LENGTH = 1000;

/** Normalises an ISO time to Date#toISOString's fixed-width UTC form, so text order is time order. */
export function isoTime(value: string, what = 'time'): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`store: ${what} is not an ISO-8601 time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function daysBefore(now: string, days: number, what: string): string {
  if (!Number.isFinite(days) || days < 0) throw new RangeError(`store: ${what} must be a number of days >= 0`);
  return new Date(Date.parse(now) - days * DAY_MS).toISOString();
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** JSON as text; `undefined` (e.g. no address yet) is stored as null so it parses back. */
function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Thrown inside a transaction to roll it back and return `result`. */
class Rollback<T> extends Error {
  constructor(readonly result: T) {
    super('rolled back');
  }
}

function auditValues(entries: AuditEntry[]) {
  return entries.map((e) => ({
    at: isoTime(e.at, 'audit at'),
    kind: e.kind,
    conversation_id: e.conversationId,
    user_id: e.userId,
    area: e.area,
    pack_version: e.packVersion,
    step: e.step,
    code: e.code,
  }));
}

function toOutboxRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    kind: r.kind as OutboxRow['kind'],
    channel: r.channel as Channel,
    recipient: r.recipient,
    payload: parseJson<unknown>(r.payload),
    attempts: Number(r.attempts),
    status: r.status,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    sentAt: r.sent_at,
    lane: r.lane ?? r.id,
    seq: Number(r.seq),
  };
}

function byDueOrder(a: OutboxRow, b: OutboxRow): number {
  if (a.nextAttemptAt !== b.nextAttemptAt) return a.nextAttemptAt < b.nextAttemptAt ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** How long a finished reply, and the answer a delivery got, are kept: redeliveries come within minutes. */
export const REPLY_KEEP_MS = 24 * 60 * 60 * 1000;

/** An outbox id is the notification's identity: queuing the same one twice delivers it once (ON CONFLICT DO NOTHING). */
async function insertOutbox(db: Kysely<Database>, rows: OutboxWrite[], now: string): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('outbox')
    .values(
      rows.map((o) => ({
        id: o.id,
        conversation_id: o.conversationId,
        kind: o.kind,
        channel: o.channel,
        recipient: o.recipient,
        payload: toJson(o.payload),
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        lane: o.lane ?? o.id,
        seq: o.seq ?? 0,
        locked_by: o.lease?.worker ?? null,
        locked_until: o.lease ? isoTime(o.lease.until, 'lease.until') : null,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** At most this many turns share one SQLite commit (bounds the time the writer holds the file). */
const MAX_GROUP_COMMIT = 256;

/** A write waiting for the next SQLite group commit: it runs inside a savepoint of the batch's transaction. */
interface QueuedWrite {
  run: (t: Kysely<Database>) => Promise<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

export class KyselyStore implements Store {
  private readonly queued: QueuedWrite[] = [];
  private flushScheduled = false;
  private flushing = false;
  private drained: (() => void) | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    readonly appliedMigrations: readonly string[],
    private readonly sqlite: {
      /** Makes everything committed so far durable (fdatasync of the WAL on libuv's thread pool). */
      walSync: () => Promise<void>;
      /** Stops what runs beside the connection (the checkpointer) before it closes. */
      beforeClose: () => Promise<void>;
    } | null = null,
  ) {}

  /**
   * Runs `fn` in one transaction on one connection. On SQLite the Kysely driver has a single connection behind a
   * mutex, so transactions of this store never interleave; BEGIN IMMEDIATE takes the write lock at once (one
   * writer per file). On PostgreSQL it is a READ COMMITTED transaction; the statements themselves
   * (ON CONFLICT, UPDATE … WHERE version = ?) are what make concurrent turns safe.
   */
  private async tx<T>(fn: (db: Kysely<Database>) => Promise<T>, o: { syncOffThread?: boolean } = {}): Promise<T> {
    // SQLite group commit: this COMMIT writes the WAL without fsync (synchronous=NORMAL for this one transaction, on
    // the connection it holds, so no other statement runs in between); flush() then fsyncs the WAL off the event
    // loop before any turn of the batch is answered. The same durability as FULL, without blocking every request
    // for as long as the disk takes (seen here: usually under 1 ms, now and then hundreds of ms).
    const deferSync = o.syncOffThread === true && this.sqlite !== null;
    return this.db.connection().execute(async (conn) => {
      if (deferSync) await sql.raw('pragma synchronous = NORMAL').execute(conn);
      try {
        return await this.txOn(conn, fn);
      } finally {
        if (deferSync) await sql.raw('pragma synchronous = FULL').execute(conn);
      }
    });
  }

  private async txOn<T>(conn: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    await sql.raw(this.dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    let result: T;
    try {
      result = await fn(conn);
    } catch (error) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // The original error says more than a failed rollback on a broken connection.
      }
      throw error;
    }
    await sql`commit`.execute(conn);
    return result;
  }

  async getConversation(id: string): Promise<StoredConversation | null> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      channel: row.channel as Channel,
      userId: row.user_id,
      // v2 rows are expanded to the engine's shape; v1 rows (and anything else) come back as written.
      state: decodeState(parseJson<unknown>(row.state)) as ConversationState,
      version: Number(row.version),
      address: parseJson<unknown>(row.address),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async hasInbound(key: string): Promise<boolean> {
    const row = await this.db.selectFrom('inbound').select('key').where('key', '=', key).executeTakeFirst();
    return row !== undefined;
  }

  async commitTurn(write: TurnWrite): Promise<TurnCommit> {
    // Checked before anything is queued, so a malformed write fails alone.
    isoTime(write.now, 'now');
    if (write.caseRecord) isoTime(write.caseRecord.completedAt, 'caseRecord.completedAt');
    if (this.dialect === 'postgres') {
      // PostgreSQL commits concurrent transactions on their own connections and shares WAL flushes between them.
      try {
        return await this.tx((t) => this.writeTurn(t, write));
      } catch (error) {
        if (error instanceof Rollback) return error.result as TurnCommit;
        throw error;
      }
    }
    return this.grouped((t) => this.writeTurn(t, write));
  }

  /**
   * A write on SQLite joins the next group commit (see flush): one fsync, off the event loop, for every write that
   * arrived together. On PostgreSQL it is a transaction of its own.
   */
  private grouped<T>(run: (t: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.tx(run);
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ run, resolve: resolve as (result: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // One turn of the event loop lets the writes that arrived together join the same commit.
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Group commit (SQLite): the turns queued since the last commit are written in one transaction, each inside its
   * own savepoint, and committed with one fsync. A turn that is a duplicate or lost its version check rolls back to
   * its savepoint and changes nothing; the others still commit. No turn is answered before the commit that holds it
   * is durable (synchronous=FULL), so durability is the same as one transaction per turn, at a fraction of the
   * fsyncs: the single writer connection would otherwise spend most of a busy second waiting on the disk.
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.flushing) return; // the running flush takes what was queued meanwhile
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, MAX_GROUP_COMMIT);
        const outcomes: ({ ok: unknown } | { error: unknown })[] = [];
        try {
          await this.tx(
            async (t) => {
              for (const item of batch) {
              await sql.raw('savepoint turn').execute(t);
              try {
                outcomes.push({ ok: await item.run(t) });
                await sql.raw('release turn').execute(t);
              } catch (error) {
                await sql.raw('rollback to turn').execute(t);
                await sql.raw('release turn').execute(t);
                outcomes.push(error instanceof Rollback ? { ok: error.result } : { error });
              }
            }
            },
            { syncOffThread: true },
          );
          await this.sqlite?.walSync();
        } catch (error) {
          // The commit itself failed: none of the batch is stored.
          for (const item of batch) item.reject(error);
          continue;
        }
        batch.forEach((item, i) => {
          const o = outcomes[i]!;
          if ('ok' in o) item.resolve(o.ok);
          else item.reject(o.error);
        });
      }
    } finally {
      this.flushing = false;
      this.drained?.();
    }
  }

  /** One turn's writes inside a transaction; throws Rollback for a duplicate or a lost version check. */
  private async writeTurn(t: Kysely<Database>, write: TurnWrite): Promise<TurnCommit> {
    const now = isoTime(write.now, 'now');
    const audit = auditValues(write.audit);
    const record = write.caseRecord;
    const completedAt = record ? isoTime(record.completedAt, 'caseRecord.completedAt') : null;
    // 1. The idempotency key. A redelivery finds it and writes nothing. (On PostgreSQL a concurrent insert of
    //    the same key waits for the other transaction and then does nothing.)
    const inbound = await t
      .insertInto('inbound')
      .values({
        key: write.inboundKey,
        conversation_id: write.conversationId,
        at: now,
        response: write.response === undefined ? null : toJson(write.response),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!inbound) {
      const first = await t.selectFrom('inbound').select('response').where('key', '=', write.inboundKey).executeTakeFirst();
      const response = first?.response ? parseJson<unknown>(first.response) : null;
      throw new Rollback<TurnCommit>({ status: 'duplicate', response });
    }

    // 2. The conversation, optimistically: insert when new, else bump the version it was read at.
    const state = encodeStateText(write.state);
    const address = toJson(write.address);
    const area = write.state.ctx.area;
    let version: number;
    if (write.expectedVersion === null) {
      const inserted = await t
        .insertInto('conversations')
        .values({
          id: write.conversationId,
          channel: write.channel,
          user_id: write.userId,
          area,
          state,
          version: 1,
          address,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) throw new Rollback<TurnCommit>({ status: 'conflict' });
      version = 1;
    } else {
      version = write.expectedVersion + 1;
      const updated = await t
        .updateTable('conversations')
        .set({ state, address, area, version, updated_at: now })
        .where('id', '=', write.conversationId)
        .where('version', '=', write.expectedVersion)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new Rollback<TurnCommit>({ status: 'conflict' });
    }

    // 3. What the turn produced.
    if (audit.length > 0) await t.insertInto('audit').values(audit).execute();
    if (record && completedAt) {
      // One record per run, keyed by (conversation, the run's start): the same run completed again (a case
      // reference added afterwards, an emergency raised after the outcome, or back from the outcome and another
      // answer) replaces its record, keeping the id of the first write; a new run (restart) starts at a new time
      // and gets a record of its own. A record whose outcome or completion changed stays in the audit trail as
      // superseded.
      const startedAt = isoTime(record.summary.startedAt, 'summary.startedAt');
      const earlier = await t
        .selectFrom('case_records')
        .select(['id', 'outcome', 'completed_at'])
        .where('conversation_id', '=', record.conversationId)
        .where('started_at', '=', startedAt)
        .executeTakeFirst();
      if (earlier) {
        if (earlier.outcome !== record.outcome || earlier.completed_at !== completedAt) {
          await t
            .insertInto('audit')
            .values(
              auditValues([
                {
                  at: now,
                  kind: 'record-superseded',
                  conversationId: record.conversationId,
                  userId: write.userId,
                  area: record.area,
                  packVersion: record.packVersion,
                  step: null,
                  code: `record=${earlier.id} outcome=${earlier.outcome} completedAt=${earlier.completed_at}`,
                },
              ]),
            )
            .execute();
        }
        await t
          .updateTable('case_records')
          .set({ case_ref: record.caseRef, area: record.area, pack_version: record.packVersion, outcome: record.outcome, summary: toJson(record.summary), completed_at: completedAt })
          .where('id', '=', earlier.id)
          .execute();
        return this.afterRecord(t, write, version, now);
      }
      const values = {
        id: randomUUID(),
        conversation_id: record.conversationId,
        case_ref: record.caseRef,
        area: record.area,
        pack_version: record.packVersion,
        outcome: record.outcome,
        summary: toJson(record.summary),
        completed_at: completedAt,
        started_at: startedAt,
      };
      await t
        .insertInto('case_records')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['conversation_id', 'completed_at']).doUpdateSet((eb) => ({
            case_ref: eb.ref('excluded.case_ref'),
            area: eb.ref('excluded.area'),
            pack_version: eb.ref('excluded.pack_version'),
            outcome: eb.ref('excluded.outcome'),
            summary: eb.ref('excluded.summary'),
          })),
        )
        .execute();
    }
    return this.afterRecord(t, write, version, now);
  }

  /** The last writes of a turn, after its case record. */
  private async afterRecord(t: Kysely<Database>, write: TurnWrite, version: number, now: string): Promise<TurnCommit> {
    await insertOutbox(t, write.outbox, now);
    return { status: 'committed', version };
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One multi-row INSERT: atomic on both dialects.
    await this.db.insertInto('audit').values(auditValues(entries)).execute();
  }

  async enqueueOutbox(rows: OutboxWrite[], now: string): Promise<void> {
    // One multi-row INSERT: atomic on both dialects.
    await insertOutbox(this.db, rows, isoTime(now, 'now'));
  }

  async claimOutbox(worker: string, now: string, leaseUntil: string, limit: number): Promise<OutboxRow[]> {
    if (!(limit > 0)) return [];
    const at = isoTime(now, 'now');
    const until = isoTime(leaseUntil, 'leaseUntil');
    const pg = this.dialect === 'postgres';
    // One statement, atomic on both: UPDATE … WHERE id IN (SELECT due rows … LIMIT n) RETURNING *.
    // PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent claimers take disjoint rows without waiting; a row another
    // claimer has just leased is re-checked against the WHERE after its lock is released and drops out.
    // SQLite: the statement is a write transaction of its own, and there is one writer per file.
    // Only the head of each lane: a row waits while an earlier row of its lane is pending (retrying, or held by
    // another worker), so a conversation's messages arrive in the order they were written.
    const due = this.db
      .selectFrom('outbox as o')
      .select('o.id')
      .where('o.status', '=', 'pending')
      .where('o.next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('o.locked_until', 'is', null), eb('o.locked_until', '<=', at)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('outbox as p')
              .select('p.id')
              .whereRef('p.lane', '=', 'o.lane')
              .where('p.status', '=', 'pending')
              .where((eb) => eb.or([eb('p.created_at', '<', eb.ref('o.created_at')), eb.and([eb('p.created_at', '=', eb.ref('o.created_at')), eb('p.seq', '<', eb.ref('o.seq'))])])),
          ),
        ),
      )
      .orderBy('o.next_attempt_at')
      .orderBy('o.created_at')
      .orderBy('o.id')
      .limit(Math.floor(limit))
      .$if(pg, (q) => q.forUpdate().skipLocked());
    // On SQLite the claim joins the group commit like the turns: a claim of its own would fsync on the event loop.
    const rows = await this.grouped((t) => t.updateTable('outbox').set({ locked_by: worker, locked_until: until, updated_at: at }).where('id', 'in', due).returningAll().execute());
    return rows.map(toOutboxRow).sort(byDueOrder);
  }

  /**
   * "Holds the lease" = it is the last worker that claimed the row and the row is still pending. An expired lease
   * nobody has re-claimed still counts: nobody else can have acted on the row, and refusing would only send the
   * message twice.
   */
  async markSent(id: string, worker: string, now: string): Promise<boolean> {
    const at = isoTime(now, 'now');
    // Grouped: at a turn's pace every reply is marked sent, and a commit of its own each would mean an fsync each.
    const result = await this.grouped((t) => t
      .updateTable('outbox')
      .set((eb) => ({
        status: 'sent',
        attempts: eb('attempts', '+', 1),
        sent_at: at,
        updated_at: at,
        locked_by: null,
        locked_until: null,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('status', '=', 'pending')
      .executeTakeFirst());
    return Number(result.numUpdatedRows) === 1;
  }

  async markAttemptFailed(
    id: string,
    worker: string,
    error: string,
    retryAt: string | null,
    now: string,
  ): Promise<boolean> {
    const at = isoTime(now, 'now');
    const retry = retryAt === null ? null : isoTime(retryAt, 'retryAt');
    const result = await this.grouped((t) => t
      .updateTable('outbox')
      .set((eb) => ({
        status: retry === null ? ('failed' as const) : ('pending' as const),
        ...(retry === null ? {} : { next_attempt_at: retry }),
        attempts: eb('attempts', '+', 1),
        last_error: error.slice(0, MAX_ERROR_LENGTH),
        locked_by: null,
        locked_until: null,
        updated_at: at,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('status', '=', 'pending')
      .executeTakeFirst());
    return Number(result.numUpdatedRows) === 1;
  }

  async getOutbox(id: string): Promise<OutboxRow | null> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOutboxRow(row) : null;
  }

  async pendingBefore(row: Pick<OutboxRow, 'id' | 'lane' | 'createdAt' | 'seq'>): Promise<boolean> {
    const createdAt = isoTime(row.createdAt, 'createdAt');
    const earlier = await this.db
      .selectFrom('outbox')
      .select('id')
      .where('lane', '=', row.lane)
      .where('status', '=', 'pending')
      .where('id', '<>', row.id)
      .where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('seq', '<', row.seq)])]))
      .limit(1)
      .executeTakeFirst();
    return earlier !== undefined;
  }

  async releaseLeases(ids: string[], worker: string, now: string): Promise<void> {
    if (ids.length === 0) return;
    const at = isoTime(now, 'now');
    await this.grouped((t) =>
      t
        .updateTable('outbox')
        .set({ locked_by: null, locked_until: null, updated_at: at })
        .where('id', 'in', ids)
        .where('locked_by', '=', worker)
        .where('status', '=', 'pending')
        .execute(),
    );
  }

  async renewLease(id: string, worker: string, leaseUntil: string, now: string): Promise<boolean> {
    const at = isoTime(now, 'now');
    const until = isoTime(leaseUntil, 'leaseUntil');
    const result = await this.grouped((t) =>
      t
        .updateTable('outbox')
        .set({ locked_until: until, updated_at: at })
        .where('id', '=', id)
        .where('locked_by', '=', worker)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseForeignLeases(worker: string, now: string): Promise<number> {
    const at = isoTime(now, 'now');
    const result = await this.db
      .updateTable('outbox')
      .set({ locked_by: null, locked_until: null, updated_at: at })
      .where('status', '=', 'pending')
      .where('locked_by', 'is not', null)
      .where('locked_by', '<>', worker)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async caseRecords(query: { caseRef?: string; conversationId?: string }): Promise<(CaseRecordWrite & { id: string })[]> {
    const rows = await this.db
      .selectFrom('case_records')
      .selectAll()
      .$if(query.caseRef !== undefined, (q) => q.where('case_ref', '=', query.caseRef ?? ''))
      .$if(query.conversationId !== undefined, (q) => q.where('conversation_id', '=', query.conversationId ?? ''))
      .orderBy('completed_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      caseRef: r.case_ref,
      area: r.area,
      packVersion: r.pack_version,
      outcome: r.outcome,
      summary: parseJson<CaseSummary>(r.summary),
      completedAt: r.completed_at,
    }));
  }

  async audit(query: { caseRef?: string; conversationId?: string }): Promise<(AuditEntry & { id: number })[]> {
    const rows = await this.db
      .selectFrom('audit')
      .selectAll()
      .$if(query.caseRef !== undefined, (q) =>
        q.where(
          'conversation_id',
          'in',
          this.db
            .selectFrom('case_records')
            .select('conversation_id')
            .where('case_ref', '=', query.caseRef ?? ''),
        ),
      )
      .$if(query.conversationId !== undefined, (q) => q.where('conversation_id', '=', query.conversationId ?? ''))
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      kind: r.kind as AuditEntry['kind'],
      conversationId: r.conversation_id,
      userId: r.user_id,
      area: r.area,
      packVersion: r.pack_version,
      step: r.step,
      code: r.code,
    }));
  }

  /**
   * One transaction:
   * - conversations idle (updated_at) longer than `sessionTtlDays`;
   * - inbound keys older than the TTL (a conversation's keys are never newer than its last update, so this covers
   *   every deleted conversation's keys; it also trims a long-lived conversation's old keys, which only ever
   *   guarded against redeliveries minutes after the event);
   * - sent and failed outbox rows finished (updated_at) longer than the TTL ago; pending rows stay;
   * - with `recordRetentionDays`: case records completed, and audit rows written, longer ago than that;
   * then an audit row kind 'retention' with the counts and settings in `code`.
   */
  async retention(now: string, sessionTtlDays: number, recordRetentionDays: number | null): Promise<RetentionResult> {
    const at = isoTime(now, 'now');
    const sessionCutoff = daysBefore(at, sessionTtlDays, 'sessionTtlDays');
    const recordCutoff =
      recordRetentionDays === null ? null : daysBefore(at, recordRetentionDays, 'recordRetentionDays');
    const replyCutoff = new Date(Date.parse(at) - REPLY_KEEP_MS).toISOString();
    return this.tx(async (t) => {
      const deleted = async (q: { executeTakeFirst(): Promise<{ numDeletedRows: bigint }> }) =>
        Number((await q.executeTakeFirst()).numDeletedRows);
      const result: RetentionResult = {
        conversations: await deleted(t.deleteFrom('conversations').where('updated_at', '<', sessionCutoff)),
        caseRecords:
          recordCutoff === null ? 0 : await deleted(t.deleteFrom('case_records').where('completed_at', '<', recordCutoff)),
        auditRows: recordCutoff === null ? 0 : await deleted(t.deleteFrom('audit').where('at', '<', recordCutoff)),
        inboundKeys: await deleted(t.deleteFrom('inbound').where('at', '<', sessionCutoff)),
        outboxRows:
          (await deleted(
            t.deleteFrom('outbox').where('status', 'in', ['sent', 'failed']).where('updated_at', '<', sessionCutoff),
          )) +
          // Finished replies carry whole cards and serve nothing once redeliveries are over: kept a day, not the TTL.
          (await deleted(
            t.deleteFrom('outbox').where('kind', '=', 'reply').where('status', 'in', ['sent', 'failed']).where('updated_at', '<', replyCutoff),
          )),
      };
      await t.updateTable('inbound').set({ response: null }).where('response', 'is not', null).where('at', '<', replyCutoff).execute();
      const code =
        `conversations=${result.conversations} caseRecords=${result.caseRecords} auditRows=${result.auditRows} ` +
        `inboundKeys=${result.inboundKeys} outboxRows=${result.outboxRows} ` +
        `sessionTtlDays=${sessionTtlDays} recordRetentionDays=${recordRetentionDays ?? 'none'}`;
      await t
        .insertInto('audit')
        .values(
          auditValues([
            { at, kind: 'retention', conversationId: null, userId: null, area: null, packVersion: null, step: null, code },
          ]),
        )
        .execute();
      return result;
    });
  }

  async close(): Promise<void> {
    // Turns already handed to the store are committed (or failed) before the connection goes.
    while (this.flushing || this.queued.length > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        if (!this.flushScheduled && !this.flushing) void this.flush();
      });
    }
    // The checkpointer goes first; the last connection to close then checkpoints what is left and removes the WAL.
    await this.sqlite?.beforeClose();
    await this.db.destroy();
  }
}
