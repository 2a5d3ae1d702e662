import type { Logger } from 'pino';
import type { Channel, OutboxRow, Store } from '../store/types';

export type DeliveryResult =
  | { ok: true }
  /** `retryable` false means no retry can help (the recipient cannot be reached); `retryAfterMs` honours the platform's hint. */
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

/** Delivers one outbox message on its platform (Teams connector, Slack Web API). */
export interface Deliverer {
  deliver(row: OutboxRow): Promise<DeliveryResult>;
}

export interface DispatcherOptions {
  worker: string;
  clock: () => Date;
  maxAttempts?: number;
  baseDelayMs?: number;
  leaseMs?: number;
  pollMs?: number;
  batch?: number;
}

/**
 * Sends what turns queued in the outbox, with retries and exponential back-off. A row is claimed under a lease, so
 * after a crash another process (or this one, restarted) picks it up; with several replicas each row is sent once.
 */
export class OutboxDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batch: number;

  constructor(
    private readonly store: Store,
    private readonly deliverers: Partial<Record<Channel, Deliverer>>,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 2000;
    this.leaseMs = options.leaseMs ?? 30000;
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 20;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce().catch((e: unknown) => {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'outbox run failed');
        return 0;
      });
      void this.running.finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    tick();
  }

  /** Asks for a run soon (after a turn queued something), instead of waiting for the next poll. */
  nudge(): void {
    if (this.stopped || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    void (this.running ?? Promise.resolve(0)).then(() => {
      if (this.stopped || this.timer) return;
      this.running = this.runOnce().catch(() => 0);
      void this.running.finally(() => {
        if (!this.stopped && !this.timer) this.timer = setTimeout(() => this.nudge(), this.pollMs);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Claims and delivers the due rows once; returns how many were handled. */
  async runOnce(): Promise<number> {
    const now = this.options.clock();
    const rows = await this.store.claimOutbox(
      this.options.worker,
      now.toISOString(),
      new Date(now.getTime() + this.leaseMs).toISOString(),
      this.batch,
    );
    for (const row of rows) await this.deliverOne(row);
    return rows.length;
  }

  private async deliverOne(row: OutboxRow): Promise<void> {
    const deliverer = this.deliverers[row.channel];
    let result: DeliveryResult;
    try {
      result = deliverer ? await deliverer.deliver(row) : { ok: false, retryable: false, error: `no deliverer for ${row.channel}` };
    } catch (e) {
      result = { ok: false, retryable: true, error: e instanceof Error ? e.message : String(e) };
    }
    const now = this.options.clock();
    const at = now.toISOString();
    if (result.ok) {
      await this.store.markSent(row.id, this.options.worker, at);
      await this.store.appendAudit([{ at, kind: 'notification-sent', conversationId: row.conversationId, userId: null, area: null, packVersion: null, step: null, code: `${row.kind}:${row.id}` }]);
      this.log.info({ outbox: row.id, kind: row.kind, channel: row.channel, attempts: row.attempts + 1 }, 'notification sent');
      return;
    }
    const attempts = row.attempts + 1;
    const final = !result.retryable || attempts >= this.maxAttempts;
    const delay = Math.max(result.retryAfterMs ?? 0, this.baseDelayMs * 2 ** (attempts - 1));
    const retryAt = final ? null : new Date(now.getTime() + delay).toISOString();
    await this.store.markAttemptFailed(row.id, this.options.worker, result.error.slice(0, 300), retryAt, at);
    this.log.warn({ outbox: row.id, kind: row.kind, channel: row.channel, attempts, final, error: result.error.slice(0, 120) }, 'notification attempt failed');
    if (final) {
      await this.store.appendAudit([{ at, kind: 'notification-failed', conversationId: row.conversationId, userId: null, area: null, packVersion: null, step: null, code: `${row.kind}:${row.id}` }]);
      if (row.kind === 'notify-manager') await this.tellSender(row, result.error, at);
    }
  }

  /** The person whose turn caused a message that could not be delivered is told, through the outbox too. */
  private async tellSender(row: OutboxRow, error: string, at: string): Promise<void> {
    const payload = row.payload as { sender?: { userId?: string; address?: unknown } };
    const sender = payload.sender?.userId;
    if (!sender) return;
    await this.store.enqueueOutbox(
      [
        {
          id: `${row.id}:failed`,
          conversationId: row.conversationId,
          kind: 'notify-sender',
          channel: row.channel,
          recipient: sender,
          payload: { failedMessage: row.id, reason: reasonCode(error), address: payload.sender?.address ?? null },
        },
      ],
      at,
    );
  }
}

/** A short code for why delivery failed, safe to show and to store. */
function reasonCode(error: string): 'not-installed' | 'not-found' | 'unreachable' {
  if (/\b(403|forbidden|not.?installed)\b/i.test(error)) return 'not-installed';
  if (/\b(404|not.?found|channel_not_found|user_not_found)\b/i.test(error)) return 'not-found';
  return 'unreachable';
}
