import type { CaseSummary, ConversationState } from '../engine';

/** Which platform a conversation lives on. */
export type Channel = 'teams' | 'slack' | 'web' | 'console';

export interface StoredConversation {
  id: string;
  channel: Channel;
  /** The platform's user id (Teams AAD object id, Slack user id, web session id). Never a name. */
  userId: string;
  state: ConversationState;
  /** Bumped on every committed turn; a turn commits only against the version it read. */
  version: number;
  /** Where proactive messages reach this user (Teams conversation reference, Slack DM channel): JSON, no names. */
  address: unknown;
  createdAt: string;
  updatedAt: string;
}

/** One audit row: ids and codes only, never names or free text. */
export interface AuditEntry {
  at: string;
  /** `record-superseded`: a run's case record was replaced (its outcome changed); `code` says what it was. */
  kind: 'turn' | 'notification-queued' | 'notification-sent' | 'notification-failed' | 'acknowledged' | 'retention' | 'record-superseded';
  conversationId: string | null;
  userId: string | null;
  area: string | null;
  packVersion: string | null;
  /** Node key of the step the turn acted on ("nottingham-city/open-case"). */
  step: string | null;
  /** What was done: an answer id, a command name, an error code, a notification id or a count. */
  code: string | null;
}

export interface CaseRecordWrite {
  conversationId: string;
  caseRef: string | null;
  area: string;
  packVersion: string;
  outcome: string;
  summary: CaseSummary;
  completedAt: string;
}

export type OutboxKind = 'reply' | 'notify-manager' | 'notify-sender' | 'acknowledged';

export interface OutboxWrite {
  id: string;
  conversationId: string;
  /** `reply`: a message (or card update) answering what a person just did, in the conversation they did it in. */
  kind: OutboxKind;
  channel: Channel;
  /** Platform id of the person the message goes to. */
  recipient: string;
  /** What the channel needs to render and deliver it (summary, sender's address). */
  payload: unknown;
  /**
   * Rows of one lane are delivered one at a time, in (createdAt, seq) order; different lanes go independently.
   * Default: the row's own id (ordered against nothing).
   */
  lane?: string;
  /** Order within the lane among rows written at the same time. Default 0. */
  seq?: number;
  /**
   * Written already claimed by this worker until then, so the process that wrote it sends it at once without a
   * claim; after a crash the lease runs out and any dispatcher claims it.
   */
  lease?: { worker: string; until: string };
}

export interface OutboxRow extends Omit<OutboxWrite, 'lease'> {
  lane: string;
  seq: number;
  /** Delivery attempts finished (sent or failed): a claimed row shows the attempts before this one. */
  attempts: number;
  status: 'pending' | 'sent' | 'failed';
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  /** The worker that last claimed the row, and until when; cleared when it reports sent or failed. */
  lockedBy: string | null;
  lockedUntil: string | null;
  sentAt: string | null;
}

/** Everything one turn writes, committed in one transaction or not at all. */
export interface TurnWrite {
  conversationId: string;
  channel: Channel;
  userId: string;
  address: unknown;
  /** null when the conversation is new. */
  expectedVersion: number | null;
  state: ConversationState;
  /** The delivery's idempotency key (Teams activity id, Slack event_id, web message id). */
  inboundKey: string;
  audit: AuditEntry[];
  caseRecord?: CaseRecordWrite;
  outbox: OutboxWrite[];
  /**
   * The answer this delivery gets over HTTP (a Teams invoke response, the page's JSON), stored with its inbound key
   * so a redelivery gets the same answer. Omitted when the channel answers nothing worth repeating.
   */
  response?: unknown;
  now: string;
}

export type TurnCommit =
  | { status: 'committed'; version: number }
  /** Another turn changed the conversation since it was read: re-read and judge the input again. */
  | { status: 'conflict' }
  /** The inbound key was seen before: a redelivery; nothing was written. `response` is what the first one got. */
  | { status: 'duplicate'; response: unknown };

export interface RetentionResult {
  conversations: number;
  caseRecords: number;
  auditRows: number;
  inboundKeys: number;
  outboxRows: number;
}

/** The one storage seam, the same over SQLite and PostgreSQL. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** The migrations this start applied (empty when the schema was already current). */
  readonly appliedMigrations: readonly string[];
  getConversation(id: string): Promise<StoredConversation | null>;
  hasInbound(key: string): Promise<boolean>;
  commitTurn(write: TurnWrite): Promise<TurnCommit>;
  /** Appends audit rows outside a turn (notifications sent, failed, acknowledged). */
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /**
   * Claims up to `limit` due outbox rows for `worker` until `leaseUntil`; with several replicas each row is claimed
   * by one (FOR UPDATE SKIP LOCKED on PostgreSQL, a single writer on SQLite).
   */
  claimOutbox(worker: string, now: string, leaseUntil: string, limit: number): Promise<OutboxRow[]>;
  /**
   * Marks a claimed row sent. False unless `worker` holds the lease: it made the last claim and the row is still
   * pending (a lease that expired but nobody re-claimed still counts). Same rule for markAttemptFailed.
   */
  markSent(id: string, worker: string, now: string): Promise<boolean>;
  /** Queues messages outside a turn (e.g. telling a sender their summary could not be delivered); an existing id is ignored. */
  enqueueOutbox(rows: OutboxWrite[], now: string): Promise<void>;
  /** Records a failed attempt; `retryAt` null marks the row failed for good. */
  markAttemptFailed(id: string, worker: string, error: string, retryAt: string | null, now: string): Promise<boolean>;
  getOutbox(id: string): Promise<OutboxRow | null>;
  /** Whether a pending row of the same lane comes before this one: it must be delivered first. */
  pendingBefore(row: Pick<OutboxRow, 'id' | 'lane' | 'createdAt' | 'seq'>): Promise<boolean>;
  /** Gives up `worker`'s lease on these pending rows, so the next claim (in lane order) takes them. */
  releaseLeases(ids: string[], worker: string, now: string): Promise<void>;
  /** Extends `worker`'s lease on a pending row; false when the row is no longer its own. */
  renewLease(id: string, worker: string, leaseUntil: string, now: string): Promise<boolean>;
  /**
   * Releases every pending row leased by a worker other than `worker`. Only for a store one process uses at a time
   * (SQLite): at start, every other lease belongs to a process that is gone, and its rows can go out at once.
   */
  releaseForeignLeases(worker: string, now: string): Promise<number>;
  /** Case records by completion time; the filters combine (AND); neither returns every record. */
  caseRecords(query: { caseRef?: string; conversationId?: string }): Promise<(CaseRecordWrite & { id: string })[]>;
  /**
   * Audit rows in time order (then id). By caseRef: the rows of the conversations that have a case record with that
   * reference; by conversationId: that conversation's rows; both: the intersection; neither: every row.
   */
  audit(query: { caseRef?: string; conversationId?: string }): Promise<(AuditEntry & { id: number })[]>;
  /** Deletes idle conversations and, when a record retention is set, old case records and audit rows; records the run. */
  retention(now: string, sessionTtlDays: number, recordRetentionDays: number | null): Promise<RetentionResult>;
  close(): Promise<void>;
}
