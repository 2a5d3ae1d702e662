/**
 * A local fake Slack Web API (SLACK_API_URL points here): answers the methods the bot calls the way Slack does and
 * notes the time of every message posted or updated per channel, so the load generator can time "posted reply".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Waiter {
  count: number;
  resolve: (at: number) => void;
}

export class FakeSlackApi {
  private server: Server | null = null;
  private ts = 1_763_805_600;
  private views = 0;
  /** Messages posted or updated per channel, and the last one's text+blocks. */
  private readonly posts = new Map<string, number>();
  readonly last = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter[]>();
  calls = 0;
  url = '';

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

  private noted(method: string, channel: string, body: string): void {
    if (method !== 'chat.postMessage' && method !== 'chat.update') return;
    const count = (this.posts.get(channel) ?? 0) + 1;
    this.posts.set(channel, count);
    this.last.set(channel, body);
    const at = performance.now();
    const waiting = this.waiters.get(channel);
    if (!waiting) return;
    const still = waiting.filter((w) => {
      if (count > w.count) w.resolve(at);
      return count <= w.count;
    });
    if (still.length) this.waiters.set(channel, still);
    else this.waiters.delete(channel);
  }

  /** Messages posted or updated in a channel so far. */
  postsIn(channel: string): number {
    return this.posts.get(channel) ?? 0;
  }

  /** Resolves with the time (performance.now) of the first post in the channel after `count` posts. */
  nextPost(channel: string, count: number, timeoutMs = 30000): Promise<number> {
    if (this.postsIn(channel) > count) return Promise.resolve(performance.now());
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no reply in ${channel} after ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(channel) ?? [];
      list.push({ count, resolve: (at) => (clearTimeout(timer), ok(at)) });
      this.waiters.set(channel, list);
    });
  }

  forget(channel: string): void {
    this.posts.delete(channel);
    this.last.delete(channel);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.calls++;
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
        const raw = Buffer.concat(chunks).toString();
        const type = req.headers['content-type'] ?? '';
        const args: Record<string, string> = type.includes('json')
          ? Object.fromEntries(Object.entries(JSON.parse(raw || '{}') as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
          : Object.fromEntries(new URLSearchParams(raw));
        const reply = this.answer(method, args);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(reply));
        // Kept decoded, so a run's last message can be checked for its outcome.
        this.noted(method, args.channel ?? '', JSON.stringify(args));
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((ok) => {
      if (!this.server) return ok();
      this.server.closeAllConnections();
      this.server.close(() => ok());
    });
  }
}
