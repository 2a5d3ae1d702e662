/**
 * The load generator's HTTP client: node:http over a keep-alive agent, loopback only. Real Bot Connector and Slack
 * clients keep connections open too, so the bench does not measure TCP handshakes.
 */
import { Agent, request } from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\//;

export class LoopbackClient {
  private readonly agent: Agent;
  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  post(url: string, body: string, headers: Record<string, string>): Promise<HttpResponse> {
    if (!LOOPBACK.test(url)) return Promise.reject(new Error(`the load generator talks only to loopback, not ${url}`));
    return new Promise((ok, fail) => {
      const req = request(url, { method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      });
      req.setTimeout(30000, () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
      req.on('error', fail);
      req.end(body);
    });
  }

  get(url: string): Promise<HttpResponse> {
    if (!LOOPBACK.test(url)) return Promise.reject(new Error(`the load generator talks only to loopback, not ${url}`));
    return new Promise((ok, fail) => {
      const req = request(url, { method: 'GET', agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', fail);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
