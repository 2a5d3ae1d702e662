/**
 * A local fake Slack Web API (SLACK_API_URL points here): answers the methods the bot calls the way Slack does and
 * keeps, per channel, how many messages were posted, the last one (to check a run's outcome) and the hashes of what
 * was posted or updated (to find duplicates), so the load generator can time "posted reply" (`waitReply`).
 *
 * A reply is a chat.postMessage; chat.update is an update. With fault rates (`FaultRates`), a share of calls is
 * answered as Slack answers a rate limit (HTTP 429, `Retry-After`, `{ ok: false, error: 'ratelimited' }`), a share
 * with HTTP 500, and a share is held back and then answered normally; a failed call is not a received reply.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, type FaultRates } from './faults';
import { ReplyBook, type ReplyCounts, type ReplyWait } from './reply-book';

export interface FakeSlackOptions {
  faults?: FaultRates | null;
}

export class FakeSlackApi {
  private server: Server | null = null;
  private ts = 1_763_805_600;
  private views = 0;
  private plan: FaultPlan;
  private readonly book = new ReplyBook();
  private readonly held = new Set<NodeJS.Timeout>();
  /** Calls per method (answered or failed). */
  readonly methods = new Map<string, number>();
  url = '';

  constructor(options: FakeSlackOptions = {}) {
    this.plan = new FaultPlan(options.faults ?? null);
  }

  /** Faults from now on (null: none). The PRNG starts again from the rates' seed. */
  setFaults(faults: FaultRates | null): void {
    this.plan = new FaultPlan(faults);
  }

  /** Counts since the fake started: calls, messages received, failed and delayed on purpose, duplicates, late replies. */
  counts(): ReplyCounts {
    return { ...this.book.counts };
  }

  private answer(method: string, args: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? '').slice(1)}` } };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `${++this.ts}.000100`, message: { type: 'message', text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${++this.ts}.000100` };
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: `V0VIEW${++this.views}`, hash: `hash-${this.views}` } };
      case 'auth.test':
        return { ok: true, user_id: 'U0CSEBOT01', bot_id: 'B0CSEBOT01', team_id: 'T0CSE0001' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private respond(method: string, args: Record<string, string>, res: ServerResponse): void {
    const reply = this.answer(method, args);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(reply));
    // Kept decoded, so a run's last message can be checked for its outcome.
    if (method === 'chat.postMessage' || method === 'chat.update') {
      this.book.received(args.channel ?? '', method === 'chat.postMessage' ? 'reply' : 'update', '', JSON.stringify(args));
    }
  }

  /** Messages posted in a channel so far. */
  repliesIn(channel: string): number {
    return this.book.repliesIn(channel);
  }

  /** The last message posted in a channel, as its decoded arguments in JSON ('' if none). */
  last(channel: string): string {
    return this.book.last(channel);
  }

  /** Waits for the first message posted in the channel after `after`; `at` is null if none came in `timeoutMs`. */
  waitReply(channel: string, after: number, timeoutMs: number): ReplyWait {
    return this.book.waitReply(channel, after, timeoutMs);
  }

  /** A new run in this channel. */
  open(channel: string): void {
    this.book.open(channel);
  }

  /** The run is over. */
  forget(channel: string): void {
    this.book.forget(channel);
  }

  /** The load generator gave up waiting here: what still comes is late. */
  giveUp(channel: string): void {
    this.book.giveUp(channel);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.book.counts.calls++;
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
        this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
        const raw = Buffer.concat(chunks).toString();
        const type = req.headers['content-type'] ?? '';
        let args: Record<string, string>;
        try {
          args = type.includes('json')
            ? Object.fromEntries(Object.entries(JSON.parse(raw || '{}') as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
            : Object.fromEntries(new URLSearchParams(raw));
        } catch {
          // Malformed JSON is refused as Slack refuses it; it must never end the bench.
          res.statusCode = 200;
          res.setHeader('content-type', 'application/json');
          return res.end(JSON.stringify({ ok: false, error: 'invalid_json' }));
        }
        const fault = this.plan.next();
        if (fault.kind === 'rate-limited') {
          this.book.counts.failed429++;
          res.statusCode = 429;
          res.setHeader('retry-after', String(fault.retryAfterSeconds));
          res.setHeader('content-type', 'application/json');
          return res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        }
        if (fault.kind === 'server-error') {
          this.book.counts.failed500++;
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          return res.end(JSON.stringify({ ok: false, error: 'internal_error' }));
        }
        if (fault.kind === 'delayed') {
          this.book.counts.delayed++;
          const timer = setTimeout(() => {
            this.held.delete(timer);
            this.respond(method, args, res);
          }, fault.ms);
          this.held.add(timer);
          return;
        }
        this.respond(method, args, res);
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this.url;
  }

  close(): Promise<void> {
    for (const t of this.held) clearTimeout(t);
    this.held.clear();
    this.book.cancelAll();
    return new Promise((ok) => {
      if (!this.server) return ok();
      this.server.closeAllConnections();
      this.server.close(() => ok());
    });
  }
}
