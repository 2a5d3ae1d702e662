/**
 * A fake Bot Connector on loopback for real bot processes: answers like the Connector (an activity id per post, a
 * 1:1 id per createConversation), and can misbehave on cue: a share of calls answered 429 (with Retry-After) or
 * 500, a share answered late, or every call for some conversations held unanswered (a reply that never reached
 * Teams, as when the bot dies mid-send). It records what it accepted, so a test can tell a lost reply from a
 * duplicate. Waiting is on its events, never on sleeps.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../../bench/lib/faults';

export interface Faults {
  /** Shares of calls, each chosen by a seeded PRNG: answered 429 (Retry-After: 1), answered 500, answered late. */
  rate429: number;
  rate500: number;
  rateSlow: number;
  slowMs: number;
  seed: number;
}

/** A call the connector accepted (answered 2xx). */
export interface Accepted {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The activity replied to (POST …/activities/{id}) or replaced (PUT). */
  activityId: string | null;
  body: Record<string, unknown>;
  raw: string;
}

export class FakeConnector {
  private server: Server | null = null;
  private readonly events = new EventEmitter();
  private random: () => number = Math.random;
  private faults: Faults | null = null;
  private held: ((conversationId: string) => boolean) | null = null;
  private readonly holding = new Set<ServerResponse>();
  private n = 0;
  readonly accepted: Accepted[] = [];
  readonly counts = { calls: 0, failed429: 0, failed500: 0, slow: 0, held: 0 };
  url = '';

  constructor() {
    this.events.setMaxListeners(0);
  }

  /** Misbehave from now on (null: behave). */
  setFaults(faults: Faults | null): void {
    this.faults = faults;
    if (faults) this.random = mulberry32(faults.seed);
  }

  /**
   * Leave calls for matching conversations unanswered (null: answer again). Held calls are never accepted; when the
   * hold ends, the connections of the calls still held are dropped, as a restarted connector's would be.
   */
  hold(match: ((conversationId: string) => boolean) | null): void {
    this.held = match;
    if (match === null) for (const res of this.holding) res.destroy();
  }

  /** Messages posted into a conversation (sends and replies), oldest first. */
  sentTo(conversationId: string): Accepted[] {
    return this.accepted.filter((a) => a.method === 'POST' && a.conversationId === conversationId);
  }

  /** Accepted calls whose exact body was accepted before for the same conversation: a reply delivered twice. */
  duplicates(): Accepted[] {
    const seen = new Set<string>();
    return this.accepted.filter((a) => {
      const key = `${a.method} ${a.conversationId} ${a.activityId ?? ''} ${a.raw}`;
      if (seen.has(key)) return true;
      seen.add(key);
      return false;
    });
  }

  /** Resolves once `check` holds, re-checked whenever the connector accepts or holds a call. */
  until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('change', listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.events.off('change', listener);
        resolve();
      };
      this.events.on('change', listener);
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    this.counts.calls++;
    const path = decodeURIComponent(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    const created = req.method === 'POST' && /\/v3\/conversations$/.test(path);
    const activity = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    const conversationId = activity?.[1] ?? null;
    if (conversationId && this.held?.(conversationId)) {
      // Never answered: the bot sees a call that does not finish (until it gives up or dies).
      this.counts.held++;
      this.holding.add(res);
      res.on('close', () => this.holding.delete(res));
      this.events.emit('change');
      return;
    }
    const roll = this.faults ? this.random() : 1;
    const f = this.faults;
    if (f && roll < f.rate429) {
      this.counts.failed429++;
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'slow down' } }));
      return;
    }
    if (f && roll < f.rate429 + f.rate500) {
      this.counts.failed500++;
      res.statusCode = 500;
      res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'oops' } }));
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      if (created) {
        const body = (raw ? JSON.parse(raw) : {}) as { members?: { id: string }[] };
        res.statusCode = 201;
        res.end(JSON.stringify({ id: `a:dm-${body.members?.[0]?.id ?? 'unknown'}` }));
        return;
      }
      if (conversationId && (req.method === 'POST' || req.method === 'PUT')) {
        this.accepted.push({ method: req.method, conversationId, activityId: activity?.[2] ?? null, body: (raw ? JSON.parse(raw) : {}) as Record<string, unknown>, raw });
      }
      res.statusCode = 200;
      res.end(JSON.stringify({ id: `activity-${++this.n}` }));
      this.events.emit('change');
    };
    if (f && roll < f.rate429 + f.rate500 + f.rateSlow) {
      this.counts.slow++;
      setTimeout(answer, f.slowMs);
    } else {
      answer();
    }
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/teams/`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.holding) res.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

/** The Adaptive Card an accepted call carries, or null. */
export function cardIn(accepted: Accepted | undefined): Record<string, unknown> | null {
  const attachments = accepted?.body.attachments as { content?: Record<string, unknown> }[] | undefined;
  return attachments?.[0]?.content ?? null;
}
