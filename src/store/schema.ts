/**
 * The tables as Kysely sees them. One shape for both dialects:
 *
 * - JSON (state, address, summary, payload) is stored as TEXT on both. The store never queries inside these values,
 *   so jsonb would buy nothing but a second code path (pg parses jsonb into objects, SQLite hands back strings) and
 *   a re-serialisation that reorders keys; TEXT keeps exactly what was written, byte for byte, on both.
 * - Times are ISO-8601 UTC strings as Date#toISOString writes them (fixed width, so text order = time order; the
 *   store normalises every time it is given). On PostgreSQL those columns use COLLATE "C" so comparisons are
 *   plain byte order whatever the database's default collation is.
 * - The audit id is INTEGER PRIMARY KEY AUTOINCREMENT on SQLite and BIGSERIAL on PostgreSQL; pg returns int8 as a
 *   string, hence `number | string` on read (the store converts).
 */
import type { ColumnType, Generated } from 'kysely';

export interface ConversationsTable {
  id: string;
  channel: string;
  user_id: string;
  area: string | null;
  state: string;
  version: number;
  address: string;
  created_at: string;
  updated_at: string;
}

export interface InboundTable {
  key: string;
  conversation_id: string;
  at: string;
  /** The synchronous answer the delivery got (a Teams invoke response, the page's JSON), for its redeliveries. */
  response: string | null;
}

export interface AuditTable {
  id: ColumnType<number | string, never, never>;
  at: string;
  kind: string;
  conversation_id: string | null;
  user_id: string | null;
  area: string | null;
  pack_version: string | null;
  step: string | null;
  code: string | null;
}

export interface CaseRecordsTable {
  id: string;
  conversation_id: string;
  case_ref: string | null;
  area: string;
  pack_version: string;
  outcome: string;
  summary: string;
  completed_at: string;
  /** When the run started: one record per run (null only in rows written before runs were tracked). */
  started_at: string | null;
}

export interface OutboxTable {
  id: string;
  conversation_id: string;
  kind: string;
  channel: string;
  recipient: string;
  payload: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  /** When the row last changed (claimed, sent, failed); retention ages finished rows by it. */
  updated_at: string;
  sent_at: string | null;
  /**
   * The ordering lane: rows of one lane are delivered one after another in (created_at, seq) order, rows of
   * different lanes independently. A turn's replies share their conversation's lane.
   */
  lane: string;
  seq: number;
}

export interface Database {
  conversations: ConversationsTable;
  inbound: InboundTable;
  audit: AuditTable;
  case_records: CaseRecordsTable;
  outbox: OutboxTable;
}
