import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { commandOf, SPECIAL, type CaseSummary, type ConversationState, type Engine, type Input, type StepResult, type View } from '../engine';
import type { AuditEntry, Channel, OutboxWrite, Store, TurnWrite } from '../store/types';

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
}

export type TurnOutcome =
  /** `previous` is the view an answer was judged against (it becomes the answered card or message). */
  | { status: 'reply'; result: StepResult; version: number; isNew: boolean; previous: View | null }
  /** A redelivery of something already handled: send nothing. */
  | { status: 'duplicate' };

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

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

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
            },
          ]
        : [],
      now,
    );
    await this.store.appendAudit([
      { at: now, kind: 'acknowledged', conversationId: row.conversationId, userId: managerId, area: payload.summary?.area ?? null, packVersion: null, step: null, code: notificationId },
    ]);
    this.log.info({ notification: notificationId, conversation: row.conversationId }, 'summary acknowledged');
    return 'acknowledged';
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
        outbox: this.outboxOf(request, result),
        now: request.now,
      };
      const commit = await this.store.commitTurn(write);
      // The commit is the one place duplicates are recognised: the inbound key is inserted in the turn's transaction.
      if (commit.status === 'duplicate') {
        this.log.info({ conversation: request.conversationId, channel: request.channel }, 'duplicate delivery dropped');
        return { status: 'duplicate' };
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
        const previous = before && request.input.type === 'answer' ? this.engine.view(before, request.now) : null;
        return { status: 'reply', result, version: commit.version, isNew: before === null, previous };
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

  private outboxOf(request: TurnRequest, result: StepResult): OutboxWrite[] {
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
            },
          ]
        : [],
    );
  }
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
