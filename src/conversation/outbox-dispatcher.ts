import type { Logger } from 'pino';
import type { Channel, OutboxRow, Store } from '../store/types';
import { TurnGate } from './turn-gate';

export type DeliveryResult =
  | { ok: true }
  /** `retryable` false means no retry can help (the recipient cannot be reached); `retryAfterMs` honours the platform's hint. */
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

/** Delivers one outbox message on its platform (Teams connector, Slack Web API). */
export interface Deliverer {
  deliver(row: OutboxRow): Promise<DeliveryResult>;
}

/** How often, and how soon, a kind of message is tried again. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DispatcherOptions {
  worker: string;
  clock: () => Date;
  /** Messages to other people (summaries, acknowledgements, delivery failures). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Replies to the person who just acted: they are waiting, so the first retries come sooner and go on longer. */
  replyMaxAttempts?: number;
  replyBaseDelayMs?: number;
  leaseMs?: number;
  pollMs?: number;
  batch?: number;
  /**
   * Messages being sent at once across lanes (one lane sends one at a time). Default 256: sends mostly wait on the
   * network, and with 10% of calls taking 2 s at ~300 turns a second, 32 slots filled with slow sends and held up
   * every other conversation's reply (measured: p50 0.9 s with 32, 0.16 s with 256).
   */
  concurrency?: number;
  /** For the jitter; tests pin it. */
  random?: () => number;
}

/** Longest wait between two attempts (a Retry-After beyond it is still honoured). */
const MAX_DELAY_MS = 30_000;
/** Longest wait between two attempts of a reply to someone waiting for it (Retry-After beyond it still honoured). */
const REPLY_MAX_DELAY_MS = 5_000;

/**
 * Sends what turns queued in the outbox, with retries, exponential back-off and jitter. A row is claimed under a
 * lease, so after a crash another process (or this one, restarted) picks it up; with several replicas each row is
 * sent once.
 *
 * Rows come in two ways: `deliverNow` takes the rows a turn of this process has just committed (written already
 * leased to this worker, so the reply goes out at once without a claim), and the poll claims whatever is due
 * (retries, rows of a process that died, rows queued outside a turn). Either way a row goes through its lane: the
 * rows of one lane (a conversation) are sent one after another in the order they were written, while different
 * lanes are sent concurrently, at most `concurrency` at once, so one slow recipient delays nobody else.
 */
export class OutboxDispatcher {
  readonly worker: string;
  readonly leaseMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  private readonly replies: RetryPolicy;
  private readonly notifications: RetryPolicy;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly sending: TurnGate;
  private readonly random: () => number;
  /** The tail of each lane's chain of sends in this process. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** A wake-up for the earliest retry this process scheduled (the poll is the guarantee; this makes it prompt). */
  private retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private rerun = false;
  private kickQueued = false;
  /** Claimed rows not yet done: the poll claims more only while there is room, so leases are not taken too early. */
  private claimedInFlight = 0;
  private readonly maxClaimedInFlight: number;

  constructor(
    private readonly store: Store,
    private readonly deliverers: Partial<Record<Channel, Deliverer>>,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.worker = options.worker;
    this.leaseMs = options.leaseMs ?? 20_000;
    this.notifications = { maxAttempts: options.maxAttempts ?? 5, baseDelayMs: options.baseDelayMs ?? 2000, maxDelayMs: MAX_DELAY_MS };
    // Someone is waiting for a reply: its waits stop growing at 5 s (a platform's Retry-After still holds), and it is
    // tried for about two and a half minutes before it is given up. Measured under 20% refused calls: a 30 s cap let a
    // few replies, refused five times running, arrive after 20 s.
    this.replies = { maxAttempts: options.replyMaxAttempts ?? 30, baseDelayMs: options.replyBaseDelayMs ?? 500, maxDelayMs: REPLY_MAX_DELAY_MS };
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 50;
    this.sending = new TurnGate(options.concurrency ?? 256);
    this.maxClaimedInFlight = 2 * (options.concurrency ?? 256);
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Asks for a claim run soon (something was queued outside a turn, or a redelivery found a reply unsent). */
  nudge(): void {
    if (this.stopped) return;
    this.kick();
  }

  /**
   * Sends rows a turn of this process has just committed, leased to this worker: in the background, each in its
   * lane's order. Never awaited by the turn, so sending holds no turn slot.
   */
  deliverNow(rows: OutboxRow[]): void {
    for (const row of rows) void this.inLane(row, true);
  }

  /** Resolves once every send this process has started is finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0 || this.running) {
      await Promise.allSettled([...this.lanes.values(), this.running]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    this.retryTimer = null;
    await this.idle();
  }

  /** Claims the due lane heads once and sends them; resolves when they are done. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const { claimed, done } = await this.claimAndStart(this.batch);
    await done;
    return claimed;
  }

  /**
   * Claims up to `limit` due lane heads and starts sending them. The poll does not wait for the sends: a claim run
   * that waited for its slowest send (a recipient taking seconds) would hold back every retry due meanwhile.
   */
  private async claimAndStart(limit: number): Promise<{ claimed: number; done: Promise<unknown> }> {
    const now = this.options.clock();
    const rows = await this.store.claimOutbox(this.worker, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), limit);
    this.claimedInFlight += rows.length;
    const done = Promise.all(
      rows.map((row) =>
        this.inLane(row, false).finally(() => {
          this.claimedInFlight--;
          // The lane's next row (if any) can be claimed now, or there is room for rows that waited for some.
          this.kickSoon();
        }),
      ),
    );
    return { claimed: rows.length, done };
  }

  /** A kick on the next turn of the event loop: sends finishing together ask for one claim, not one each. */
  private kickSoon(): void {
    if (this.kickQueued || this.stopped) return;
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      if (!this.stopped) this.kick();
    });
  }

  /** One claim run at a time; a kick during a run asks for another right after it. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.rerun = false;
    // No room: a claimed row finishing kicks again.
    const room = Math.min(this.batch, this.maxClaimedInFlight - this.claimedInFlight);
    if (room <= 0) return;
    const run = this.claimAndStart(room).then(
      (r) => r.claimed,
      (e: unknown) => {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'outbox run failed');
        return 0;
      },
    );
    this.running = run;
    void run.then((claimed) => {
      this.running = null;
      if (this.stopped) return;
      // A full batch, or a lane whose head was just sent, may have more due at once.
      if (this.rerun || claimed > 0) this.kick();
      else this.timer = setTimeout(() => this.kick(), this.pollMs);
    });
  }

  /** Queues a row behind the sends already running in its lane. */
  private inLane(row: OutboxRow, checkOrder: boolean): Promise<void> {
    const previous = this.lanes.get(row.lane) ?? Promise.resolve();
    const next = previous.then(() => this.sending.run(() => this.send(row, checkOrder)));
    const tail = next.catch((e: unknown) => {
      this.log.error({ outbox: row.id, kind: row.kind, err: e instanceof Error ? e.message : String(e) }, 'outbox send failed');
    });
    this.lanes.set(row.lane, tail);
    void tail.then(() => {
      if (this.lanes.get(row.lane) === tail) this.lanes.delete(row.lane);
    });
    return tail;
  }

  private async send(row: OutboxRow, checkOrder: boolean): Promise<void> {
    const now = this.options.clock();
    if (checkOrder && (await this.store.pendingBefore(row))) {
      // An earlier message of this lane is still waiting (a retry, or another process holds it): this one must not
      // overtake it. Released, it is claimed in order once the earlier one is done.
      await this.store.releaseLeases([row.id], this.worker, now.toISOString());
      this.wakeAt(now.getTime() + this.pollMs);
      return;
    }
    // A lease about to run out (the row waited behind a slow lane) is renewed first, so no other process can claim
    // it while it is being sent; if another already has, it is theirs.
    const leftMs = row.lockedUntil ? Date.parse(row.lockedUntil) - now.getTime() : 0;
    if (leftMs < this.leaseMs / 2) {
      const renewed = await this.store.renewLease(row.id, this.worker, new Date(now.getTime() + this.leaseMs).toISOString(), now.toISOString());
      if (!renewed) return;
    }
    await this.deliverOne(row);
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
      await this.store.markSent(row.id, this.worker, at);
      if (row.kind !== 'reply') {
        // Replies are the conversation itself (its audit row is the turn's); messages to others are recorded.
        await this.store.appendAudit([{ at, kind: 'notification-sent', conversationId: row.conversationId, userId: null, area: null, packVersion: null, step: null, code: `${row.kind}:${row.id}` }]);
      }
      this.log.info({ outbox: row.id, kind: row.kind, channel: row.channel, attempts: row.attempts + 1 }, 'outbox message sent');
      return;
    }
    const policy = row.kind === 'reply' ? this.replies : this.notifications;
    const attempts = row.attempts + 1;
    const final = !result.retryable || attempts >= policy.maxAttempts;
    const delay = retryDelayMs(policy, attempts, result.retryAfterMs, this.random());
    const retryAt = final ? null : new Date(now.getTime() + delay).toISOString();
    await this.store.markAttemptFailed(row.id, this.worker, result.error.slice(0, 300), retryAt, at);
    this.log.warn({ outbox: row.id, kind: row.kind, channel: row.channel, attempts, final, retryInMs: final ? null : delay, error: result.error.slice(0, 120) }, 'outbox attempt failed');
    if (final) {
      await this.store.appendAudit([{ at, kind: 'notification-failed', conversationId: row.conversationId, userId: null, area: null, packVersion: null, step: null, code: `${row.kind}:${row.id}` }]);
      if (row.kind === 'notify-manager') await this.tellSender(row, result.error, at);
    } else {
      this.wakeAt(now.getTime() + delay);
    }
  }

  /** Runs a claim at (about) `atMs` on the dispatcher's clock, unless one is already due sooner. */
  private wakeAt(atMs: number): void {
    if (this.stopped) return;
    if (this.retryTimer && this.retryTimer.at <= atMs) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = null;
      this.nudge();
    }, Math.max(0, atMs - this.options.clock().getTime()));
    timer.unref();
    this.retryTimer = { at: atMs, timer };
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
          lane: row.conversationId,
        },
      ],
      at,
    );
    this.nudge();
  }
}

/**
 * Exponential back-off with jitter (half fixed, half random, so retries of many messages failed together spread
 * out), capped; never sooner than the platform's Retry-After.
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, retryAfterMs: number | undefined, random: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
  const jittered = Math.round(exponential / 2 + (exponential / 2) * Math.min(1, Math.max(0, random)));
  return Math.max(retryAfterMs ?? 0, jittered);
}

/** A short code for why delivery failed, safe to show and to store. */
function reasonCode(error: string): 'not-installed' | 'not-found' | 'unreachable' {
  if (/\b(403|forbidden|not.?installed)\b/i.test(error)) return 'not-installed';
  if (/\b(404|not.?found|channel_not_found|user_not_found)\b/i.test(error)) return 'not-found';
  return 'unreachable';
}
