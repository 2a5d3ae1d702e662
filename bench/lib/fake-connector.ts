/**
 * A local fake Bot Connector: the serviceUrl the bots reply to. It answers like the Connector (an activity id for
 * each post, a conversation id for createConversation) and keeps, per conversation, how many replies came, the last
 * one's body (to check that a run ended where it should) and the hashes of the bodies (to find duplicates). The
 * load generator times a Teams turn to the arrival of its reply here (`waitReply`), not to the POST's answer.
 *
 * Replies are POST /v3/conversations/{id}/activities (sendToConversation) and POST …/activities/{replyToId}
 * (replyToActivity); PUT …/activities/{id} (updateActivity) is an update, not a reply.
 *
 * With fault rates (`FaultRates`), a share of calls is answered 429 with `Retry-After`, a share 500, and a share is
 * held back and then answered normally; a failed call is not a received reply.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, type FaultRates } from './faults';
import { ReplyBook, type ReplyCounts, type ReplyWait } from './reply-book';

export interface FakeConnectorOptions {
  faults?: FaultRates | null;
}

export class FakeConnector {
  private server: Server | null = null;
  private n = 0;
  private plan: FaultPlan;
  private readonly book = new ReplyBook();
  private readonly held = new Set<NodeJS.Timeout>();
  url = '';

  constructor(options: FakeConnectorOptions = {}) {
    this.plan = new FaultPlan(options.faults ?? null);
  }

  /** Faults from now on (null: none). The PRNG starts again from the rates' seed. */
  setFaults(faults: FaultRates | null): void {
    this.plan = new FaultPlan(faults);
  }

  /** Counts since the fake started: calls, replies received, failed and delayed on purpose, duplicates, late replies. */
  counts(): ReplyCounts {
    return { ...this.book.counts };
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.book.counts.calls++;
        const body = Buffer.concat(chunks).toString();
        const fault = this.plan.next();
        res.setHeader('content-type', 'application/json');
        if (fault.kind === 'rate-limited') {
          this.book.counts.failed429++;
          res.statusCode = 429;
          res.setHeader('retry-after', String(fault.retryAfterSeconds));
          return res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests (bench fault).' } }));
        }
        if (fault.kind === 'server-error') {
          this.book.counts.failed500++;
          res.statusCode = 500;
          return res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'Internal error (bench fault).' } }));
        }
        if (fault.kind === 'delayed') {
          this.book.counts.delayed++;
          const timer = setTimeout(() => {
            this.held.delete(timer);
            this.answer(req.method ?? '', req.url ?? '', body, res);
          }, fault.ms);
          this.held.add(timer);
          return;
        }
        this.answer(req.method ?? '', req.url ?? '', body, res);
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  /** A successful answer; a reply or update is noted when it is answered (a held call counts once released). */
  private answer(method: string, url: string, body: string, res: ServerResponse): void {
    try {
      this.answerOrThrow(method, url, body, res);
    } catch {
      // A malformed request (bad escape in the URL, bad JSON) is refused; it must never end the bench.
      res.statusCode = 400;
      res.end(JSON.stringify({ error: { code: 'BadArgument', message: 'Malformed request.' } }));
    }
  }

  private answerOrThrow(method: string, url: string, body: string, res: ServerResponse): void {
    const path = decodeURIComponent(url);
    if (method === 'POST' && /\/v3\/conversations$/.test(path)) {
      const parsed = JSON.parse(body || '{}') as { members?: { id: string }[] };
      res.statusCode = 201;
      res.end(JSON.stringify({ id: `a:dm-${parsed.members?.[0]?.id ?? 'unknown'}` }));
      return;
    }
    const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?$/.exec(path.split('?')[0] ?? '');
    if (m?.[1] && (method === 'POST' || method === 'PUT')) {
      const update = method === 'PUT';
      this.book.received(m[1], update ? 'update' : 'reply', update ? (m[2] ?? '') : '', body);
      res.statusCode = 200;
      res.end(JSON.stringify({ id: update ? (m[2] ?? '') : `activity-${++this.n}` }));
      return;
    }
    res.statusCode = 200;
    res.end(JSON.stringify({ id: `activity-${++this.n}` }));
  }

  /** Replies received in a conversation so far. */
  repliesIn(conversation: string): number {
    return this.book.repliesIn(conversation);
  }

  /** The body of the last reply in a conversation ('' if none). */
  last(conversation: string): string {
    return this.book.last(conversation);
  }

  /** Waits for the first reply after `after` replies in the conversation; `at` is null if none came in `timeoutMs`. */
  waitReply(conversation: string, after: number, timeoutMs: number): ReplyWait {
    return this.book.waitReply(conversation, after, timeoutMs);
  }

  /** A new run in this conversation. */
  open(conversation: string): void {
    this.book.open(conversation);
  }

  /** The run is over. */
  forget(conversation: string): void {
    this.book.forget(conversation);
  }

  /** The load generator gave up waiting here: what still comes is late. */
  giveUp(conversation: string): void {
    this.book.giveUp(conversation);
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
