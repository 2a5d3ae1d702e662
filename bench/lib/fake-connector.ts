/**
 * A local fake Bot Connector: the serviceUrl the bots reply to. It answers like the Connector (an activity id for
 * each post, a conversation id for createConversation) and keeps, per conversation, how many replies came, the last
 * one's body (to check that a run ended where it should) and the hashes of the bodies (to find duplicates). The
 * load generator times a Teams turn to the arrival of its reply here (`waitReply`), not to the POST's answer.
 *
 * Replies are POST /v3/conversations/{id}/activities (sendToConversation) and POST …/activities/{replyToId}
 * (replyToActivity); PUT …/activities/{id} (updateActivity) is an update, not a reply.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReplyBook, type ReplyCounts, type ReplyWait } from './reply-book';

export class FakeConnector {
  private server: Server | null = null;
  private n = 0;
  private readonly book = new ReplyBook();
  url = '';

  /** Counts since the fake started: calls, replies and updates received, duplicates, late replies. */
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
        res.setHeader('content-type', 'application/json');
        this.answer(req.method ?? '', req.url ?? '', body, res);
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  /** The answer; a reply or update is noted as it is answered. */
  private answer(method: string, url: string, body: string, res: ServerResponse): void {
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
    this.book.cancelAll();
    return new Promise((ok) => {
      if (!this.server) return ok();
      this.server.closeAllConnections();
      this.server.close(() => ok());
    });
  }
}
