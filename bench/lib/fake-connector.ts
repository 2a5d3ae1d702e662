/**
 * A local fake Bot Connector: the serviceUrl the bots reply to. It answers like the Connector (an activity id for
 * each post, a conversation id for createConversation), keeps each conversation's last reply so the load generator
 * can check that a run ended where it should, and counts replies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeConnector {
  private server: Server | null = null;
  private n = 0;
  replies = 0;
  /** Last reply body per conversation id (only for conversations being watched). */
  readonly last = new Map<string, string>();
  url = '';

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = decodeURIComponent(req.url ?? '');
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && /\/v3\/conversations$/.test(path)) {
          const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { members?: { id: string }[] };
          res.statusCode = 201;
          return res.end(JSON.stringify({ id: `a:dm-${body.members?.[0]?.id ?? 'unknown'}` }));
        }
        const m = /\/v3\/conversations\/([^/]+)\/activities/.exec(path);
        if (m?.[1]) {
          this.replies++;
          this.last.set(m[1], Buffer.concat(chunks).toString());
        }
        res.statusCode = 200;
        res.end(JSON.stringify({ id: `activity-${++this.n}` }));
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  forget(conversation: string): void {
    this.last.delete(conversation);
  }

  close(): Promise<void> {
    return new Promise((ok) => {
      if (!this.server) return ok();
      this.server.closeAllConnections();
      this.server.close(() => ok());
    });
  }
}
