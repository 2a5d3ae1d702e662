/**
 * A Bolt receiver fed by our restify route instead of its own HTTP server. Bolt's `init`/`start`/`stop` hooks have
 * nothing to do (the one restify server listens); the route checks the signature, parses the body and hands it to
 * `dispatch`, which runs `app.processEvent` and answers the HTTP request as soon as a listener acks (events are acked
 * by Bolt itself before any listener runs). The work after the ack carries on in the background.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Inbound } from './slack-payload';
import type { TurnGate } from '../../conversation/turn-gate';
import { describeSlackError } from './slack-client';

/** What the HTTP request is answered with: 200 and, for a view submission, maybe a response_action body. */
export interface AckReply {
  body?: unknown;
}

/**
 * Slack gives 3 s. A listener acks first thing; this is the backstop when none does (an action no listener matches,
 * a listener that throws before acking), answered a little early so the response still arrives in time.
 */
export const ACK_DEADLINE_MS = 2500;

/** Remembers what was dispatched lately in this process, so a retry of an event in flight is not run twice. */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 15 * 60 * 1000,
    private readonly max = 10_000,
  ) {}

  /** True when the key was already seen (and still remembered); records it otherwise. */
  seenBefore(key: string, nowMs: number): boolean {
    const until = this.seen.get(key);
    if (until !== undefined && until > nowMs) return true;
    if (this.seen.size >= this.max) {
      for (const [k, t] of this.seen) {
        if (t <= nowMs || this.seen.size >= this.max) this.seen.delete(k);
        else break;
      }
    }
    this.seen.set(key, nowMs + this.ttlMs);
    return false;
  }
}

/** The Bolt receiver: no server of its own. */
export class RestifyReceiver implements Receiver {
  private app: App | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    /** Bounds the turns working at once; the work after an ack waits here for its slot (see TurnGate). */
    private readonly gate?: TurnGate,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.idle();
  }

  /** Resolves once every dispatched request has finished its background work (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Runs one checked request through Bolt. Resolves with the ack as soon as there is one (or at the deadline);
   * the listener's remaining work goes on and is tracked for `idle()`.
   */
  dispatch(inbound: Extract<Inbound, { body: unknown }>, retryNum: number | undefined, retryReason: string | undefined): Promise<AckReply> {
    const app = this.app;
    if (!app) return Promise.resolve({});
    let answer: (reply: AckReply) => void = () => undefined;
    const acked = new Promise<AckReply>((resolve) => {
      answer = resolve;
    });
    let done = false;
    let finished = false;
    // The HTTP answer goes at once; the listener's work after its `await ack()` waits for a turn slot.
    let slot: Promise<void> | null = null;
    const ack = (response?: unknown): Promise<void> => {
      if (!done) {
        done = true;
        answer(response === undefined ? {} : { body: response });
      }
      if (!this.gate || finished) return Promise.resolve();
      slot ??= this.gate.enter();
      return slot;
    };
    const timer = setTimeout(() => void ack(), ACK_DEADLINE_MS);
    const event: ReceiverEvent = { body: inbound.body, ack, customProperties: { inbound } };
    if (retryNum !== undefined) event.retryNum = retryNum;
    if (retryReason !== undefined) event.retryReason = retryReason;
    const work = app
      .processEvent(event)
      .catch((e: unknown) => {
        this.log.error({ kind: inbound.kind, key: inbound.key, err: describeSlackError(e) }, 'slack: dispatch failed');
      })
      .finally(() => {
        clearTimeout(timer);
        // Answers a request no listener acknowledged; with the work done, no turn slot is taken for it.
        finished = true;
        void ack();
        const gate = this.gate;
        if (slot && gate) void slot.then(() => gate.leave());
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
    return acked;
  }
}
