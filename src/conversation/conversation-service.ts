import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { commandOf, SPECIAL, type CaseSummary, type ConversationState, type Engine, type Input, type StepResult, type View } from '../engine';
import type { AuditEntry, Channel, OutboxRow, OutboxWrite, Store, TurnWrite } from '../store/types';

/** One inbound delivery, already parsed by its channel. */
export interface TurnRequest {
  /** Channel-scoped conversation id, e.g. "teams:<conversation id>", "web:<session id>". */
  conversationId: string;
  channel: Channel;
  userId: string;
  /** Where proactive messages reach this user; stored with the conversation. */
  address: unknown;
  /** Idempotency key of the delivery: Teams activity id, Slack event_id or action ts, web message id. */
  inboundKey: string;
  /** `open` shows where the user is (first contact, a page load) without answering anything. */
  input: Input | { type: 'open' };
  now: string;
  /**
   * The channel's answer to the turn, decided before it is stored so that it is stored with it: the HTTP response
   * (kept for redeliveries) and the messages to send (outbox rows, delivered in order after the commit). Pure.
   */
  reply?: (turn: JudgedTurn) => TurnReply;
}

/** What a turn's answer is decided from. */
export interface JudgedTurn {
  result: StepResult;
  /** The conversation started with this turn (none existed, or it had been removed). */
  isNew: boolean;
  /** The view an answer was judged against (it becomes the answered card or message). */
  previous: View | null;
  /**
   * For an answer to a question that was answered a moment before (a double click, two clicks racing): that
   * question as shown and the answer that was recorded, so the card shows what was recorded, not "already answered".
   */
  recorded: { view: View; value: string | string[] } | null;
}

/** One message a turn sends: to the conversation it came from unless `lane` names another. */
export interface ReplyMessage {
  payload: unknown;
  /** The conversation the message is posted in, when not the turn's own (a pointer in a channel thread). */
  lane?: string;
  /** Who it goes to; the turn's user by default. */
  recipient?: string;
}

export interface TurnReply {
  /** The synchronous HTTP answer (a Teams invoke response, the page's JSON); omitted when there is none. */
  response?: unknown;
  messages: ReplyMessage[];
}

/** Where committed messages go to be sent (the outbox dispatcher). */
export interface ReplySender {
  readonly worker: string;
  readonly leaseMs: number;
  /** Sends rows just committed, already leased to `worker`, in the background. */
  deliverNow(rows: OutboxRow[]): void;
  /** Asks for a claim of whatever is due (a redelivery may have found its reply unsent). */
  nudge(): void;
}

export type TurnOutcome =
  /** `previous` is the view an answer was judged against (it becomes the answered card or message). */
  | { status: 'reply'; result: StepResult; version: number; isNew: boolean; previous: View | null; response: unknown }
  /**
   * A redelivery of something already handled: nothing new is sent (its messages, if any were not delivered, are
   * sent again by the outbox); `response` is the answer the first delivery got, or null.
   */
  | { status: 'duplicate'; response: unknown };

/** Thrown when a conversation keeps changing under a turn (it never stops losing the race). */
export class TurnContentionError extends Error {
  readonly code = 'turn_contention';
}

const MAX_ATTEMPTS = 8;

/**
 * The only place a turn is orchestrated: load, step the pure engine, then save the state, the audit row, the case
 * record and the outbox messages in one transaction. Turns of one conversation are serialised in this process; across
 * processes the stored version decides, and the loser re-reads and is judged against the new state.
 */
export class ConversationService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private sender: ReplySender | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /**
   * Connects the dispatcher: from then on a turn's messages are written leased to it and handed over at commit.
   * Without one they are written unclaimed and go out with whichever dispatcher polls the store.
   */
  attach(sender: ReplySender): void {
    this.sender = sender;
  }

  /** Handles one delivery; resolves once the turn is durably stored. */
  handle(request: TurnRequest): Promise<TurnOutcome> {
    const previous = this.queues.get(request.conversationId) ?? Promise.resolve();
    const run = previous.then(
      () => this.handleNow(request),
      () => this.handleNow(request),
    );
    this.queues.set(request.conversationId, run);
    // Drop the queue entry once this turn is the last one, so idle conversations hold no memory.
    void run.finally(() => {
      if (this.queues.get(request.conversationId) === run) this.queues.delete(request.conversationId);
    });
    return run;
  }

  /**
   * Records a manager's acknowledgement of a summary notification, once, and queues a message telling the sender.
   * Returns 'unknown' for a notification that does not exist or was not sent to this manager.
   */
  async acknowledge(notificationId: string, managerId: string, now: string): Promise<'acknowledged' | 'already' | 'unknown'> {
    const row = await this.store.getOutbox(notificationId);
    if (!row || row.kind !== 'notify-manager' || row.recipient !== managerId) return 'unknown';
    const ackId = `${notificationId}:ack`;
    if (await this.store.getOutbox(ackId)) return 'already';
    // Without a sender to tell there is no ack row to find, so the audit trail says whether it was acknowledged.
    const audit = await this.store.audit({ conversationId: row.conversationId });
    if (audit.some((a) => a.kind === 'acknowledged' && a.code === notificationId)) return 'already';
    const payload = row.payload as { summary?: { caseRef?: string | null; area?: string }; sender?: { userId?: string; address?: unknown } };
    const sender = payload.sender?.userId;
    await this.store.enqueueOutbox(
      sender
        ? [
            {
              id: ackId,
              conversationId: row.conversationId,
              kind: 'acknowledged',
              channel: row.channel,
              recipient: sender,
              payload: { notification: notificationId, caseRef: payload.summary?.caseRef ?? null, acknowledgedAt: now, address: payload.sender?.address ?? null },
              // Told in the sender's own conversation, after whatever the bot has already said there.
              lane: row.conversationId,
            },
          ]
        : [],
      now,
    );
    await this.store.appendAudit([
      { at: now, kind: 'acknowledged', conversationId: row.conversationId, userId: managerId, area: payload.summary?.area ?? null, packVersion: null, step: null, code: notificationId },
    ]);
    this.log.info({ notification: notificationId, conversation: row.conversationId }, 'summary acknowledged');
    this.sender?.nudge();
    return 'acknowledged';
  }

  /**
   * Sends messages that answer something other than a turn (a manager's acknowledgement click): queued in the
   * outbox like a turn's, in the lane of the conversation they are posted in, and handed to the dispatcher at once.
   */
  async sendOutsideTurn(o: { conversationId: string; channel: Channel; recipient: string; messages: ReplyMessage[]; now: string }): Promise<void> {
    if (o.messages.length === 0) return;
    const rows = this.replyRows(o, o.messages, 0);
    await this.store.enqueueOutbox(rows, o.now);
    this.sender?.deliverNow(rows.map((r) => rowOf(r, o.now)));
  }

  /**
   * A manager notification as queued (for re-rendering its card after a click): the summary, who raised it and when,
   * and when it was acknowledged. Null for an id that is not a manager notification.
   */
  async getNotification(id: string): Promise<{
    id: string;
    recipient: string;
    summary: CaseSummary;
    sender: string | null;
    raisedAt: string;
    acknowledgedAt: string | null;
  } | null> {
    const row = await this.store.getOutbox(id);
    if (!row || row.kind !== 'notify-manager') return null;
    const payload = row.payload as { summary: CaseSummary; sender?: { userId?: string }; raisedAt?: string };
    const ack = await this.store.getOutbox(`${id}:ack`);
    const acknowledgedAt = (ack?.payload as { acknowledgedAt?: string } | undefined)?.acknowledgedAt ?? null;
    return { id, recipient: row.recipient, summary: payload.summary, sender: payload.sender?.userId ?? null, raisedAt: payload.raisedAt ?? row.createdAt, acknowledgedAt };
  }

  /** Reads a conversation's current view without changing anything (page reloads, App Home). */
  async peek(conversationId: string, now: string): Promise<StepResult | null> {
    const stored = await this.store.getConversation(conversationId);
    if (!stored || !this.engine.canResume(stored.state)) return null;
    return { state: stored.state, view: this.engine.view(stored.state, now), effects: [], changed: false };
  }

  private async handleNow(request: TurnRequest): Promise<TurnOutcome> {
    const started = process.hrtime.bigint();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const stored = await this.store.getConversation(request.conversationId);
      const resumable = stored !== null && this.engine.canResume(stored.state);
      const before = resumable ? stored.state : null;
      const result = this.apply(before, request);
      const previous = before && request.input.type === 'answer' ? this.engine.view(before, request.now) : null;
      const isNew = before === null;
      const recorded =
        before && request.input.type === 'answer' && result.error?.code === 'stale_answer' ? this.engine.recordedAnswer(before, request.input.ref, request.now) : null;
      const reply = request.reply?.({ result, isNew, previous, recorded }) ?? { messages: [] };
      const version = stored ? stored.version + 1 : 1;
      const outbox = [...this.outboxOf(request, result), ...this.repliesOf(request, reply, version)];
      const write: TurnWrite = {
        conversationId: request.conversationId,
        channel: request.channel,
        userId: request.userId,
        address: request.address,
        expectedVersion: stored ? stored.version : null,
        state: result.state,
        inboundKey: request.inboundKey,
        audit: [this.auditOf(request, before, result)],
        caseRecord: caseRecordOf(request, result),
        outbox,
        ...(reply.response !== undefined && { response: reply.response }),
        now: request.now,
      };
      const commit = await this.store.commitTurn(write);
      // The commit is the one place duplicates are recognised: the inbound key is inserted in the turn's transaction.
      if (commit.status === 'duplicate') {
        this.log.info({ conversation: request.conversationId, channel: request.channel }, 'duplicate delivery dropped');
        // The first delivery's messages may never have gone out (a crash between its commit and its sends): the
        // dispatcher sends whatever is still pending, in order, and nothing twice.
        this.sender?.nudge();
        return { status: 'duplicate', response: commit.response ?? null };
      }
      if (commit.status === 'committed') {
        this.log.info(
          {
            conversation: request.conversationId,
            channel: request.channel,
            from: before?.node ?? null,
            to: result.state.node,
            error: result.error?.code,
            effects: result.effects.map((e) => e.type),
            attempt,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'turn',
        );
        if (this.sender && outbox.length > 0) this.sender.deliverNow(outbox.map((o) => rowOf(o, request.now)));
        return { status: 'reply', result, version: commit.version, isNew, previous, response: reply.response ?? null };
      }
      // Conflict: another turn won. Loop to re-read and judge this input against the state it left.
    }
    throw new TurnContentionError(`conversation ${request.conversationId} kept changing during the turn`);
  }

  private apply(before: ConversationState | null, request: TurnRequest): StepResult {
    const { input, now } = request;
    if (before) {
      if (input.type === 'open') return { state: before, view: this.engine.view(before, now), effects: [], changed: false };
      return this.engine.step(before, input, now);
    }
    const fresh = this.engine.start(now);
    // A first message starts the procedure; of what it says, only an emergency is acted on at once.
    if (input.type === 'text' && commandOf(input.text) === 'emergency') return this.engine.step(fresh.state, input, now);
    if (input.type === 'command' && input.command === 'emergency') return this.engine.step(fresh.state, input, now);
    if (input.type === 'answer' || input.type === 'send-summary') {
      return {
        ...fresh,
        error: { code: 'stale_answer', message: 'That question belongs to an earlier conversation. Here is where to start.' },
        notice: { kind: 'error', title: 'That question belongs to an earlier conversation. Here is where to start.', lines: [] },
      };
    }
    return fresh;
  }

  /** One audit row per turn: ids and codes only. */
  private auditOf(request: TurnRequest, before: ConversationState | null, result: StepResult): AuditEntry {
    const node = before?.node ?? null;
    let code: string;
    if (result.error) code = result.error.code;
    else if (!before) code = 'start';
    else if (request.input.type === 'command') code = request.input.command;
    else if (request.input.type === 'send-summary') code = 'send-summary';
    else if (request.input.type === 'open') code = 'open';
    else if (node && result.state.ctx.answers[node] && result.state.node !== node) code = `answer:${result.state.ctx.answers[node].v}`;
    else code = result.state.node === SPECIAL.emergency ? 'emergency' : result.changed ? 'moved' : 'info';
    const area = result.state.ctx.area;
    return {
      at: request.now,
      kind: 'turn',
      conversationId: request.conversationId,
      userId: request.userId,
      area,
      packVersion: area ? (this.engine.packVersion(area) ?? null) : null,
      step: node,
      code,
    };
  }

  /** The lease a turn's rows are written with, when a dispatcher of this process will send them at once. */
  private leaseOf(now: string): OutboxWrite['lease'] {
    return this.sender ? { worker: this.sender.worker, until: new Date(Date.parse(now) + this.sender.leaseMs).toISOString() } : undefined;
  }

  /**
   * The turn's messages as outbox rows of its conversation's lane, ordered after every earlier turn's (the version
   * grows with each turn, so rows written in the same millisecond still sort right).
   */
  private repliesOf(request: TurnRequest, reply: TurnReply, version: number): OutboxWrite[] {
    return this.replyRows({ ...request, recipient: request.userId }, reply.messages, version * 100);
  }

  /** Messages as reply rows of a conversation's lane, leased to this process's dispatcher when there is one. */
  private replyRows(o: { conversationId: string; channel: Channel; recipient: string; now: string }, messages: ReplyMessage[], firstSeq: number): OutboxWrite[] {
    const lease = this.leaseOf(o.now);
    return messages.map((m, i) => ({
      id: randomUUID(),
      conversationId: o.conversationId,
      kind: 'reply',
      channel: o.channel,
      recipient: m.recipient ?? o.recipient,
      payload: m.payload,
      lane: m.lane ?? o.conversationId,
      seq: firstSeq + i,
      ...(lease && { lease }),
    }));
  }

  private outboxOf(request: TurnRequest, result: StepResult): OutboxWrite[] {
    const lease = this.leaseOf(request.now);
    return result.effects.flatMap((effect): OutboxWrite[] =>
      effect.type === 'notify-manager'
        ? [
            {
              id: randomUUID(),
              conversationId: request.conversationId,
              kind: 'notify-manager',
              channel: request.channel,
              recipient: effect.manager.id,
              payload: { summary: effect.summary, sender: { userId: request.userId, address: request.address }, raisedAt: request.now },
              ...(lease && { lease }),
            },
          ]
        : [],
    );
  }
}

/** A row as the store holds it right after the commit that wrote it. */
function rowOf(write: OutboxWrite, now: string): OutboxRow {
  const { lease, ...rest } = write;
  // The store normalises times to toISOString's form; the row handed over carries the same text.
  const at = new Date(Date.parse(now)).toISOString();
  return {
    ...rest,
    lane: write.lane ?? write.id,
    seq: write.seq ?? 0,
    attempts: 0,
    status: 'pending',
    nextAttemptAt: at,
    lastError: null,
    createdAt: at,
    lockedBy: lease?.worker ?? null,
    lockedUntil: lease?.until ?? null,
    sentAt: null,
  };
}

function caseRecordOf(request: TurnRequest, result: StepResult): TurnWrite['caseRecord'] {
  const completed = result.effects.find((e) => e.type === 'case-completed');
  if (!completed) return undefined;
  const s = completed.summary;
  return {
    conversationId: request.conversationId,
    caseRef: s.caseRef,
    area: s.area,
    packVersion: s.packVersion,
    outcome: s.outcome.step,
    summary: s,
    completedAt: s.completedAt,
  };
}
