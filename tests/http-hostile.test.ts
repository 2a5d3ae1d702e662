/**
 * The HTTP boundary against hostile requests, on real server processes (dist/main.js, what `npm start` runs), with
 * raw sockets so every byte and header is the test's choice. Each of these requests once crashed the bot, hung a
 * socket, stalled the event loop or was served when it should not have been. After every case the process must still
 * be alive and still run a normal turn on the local page.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killBot, startBot, type Bot } from './support/bot-process';
import { slackSignature } from '../src/channels/slack/slack-signature';
import { BODY_RULES, BODY_TIMEOUT_MS } from '../src/http/body';
import { CONNECTIONS_CHECK_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/http/boundary';

const SIGNING_SECRET = 'hostile-test-signing-secret';
const APP_ID = '5f8c1a2e-6b3d-4e7f-9a10-bc2d3e4f5a6b';

/** What came back on one socket: every status line (100 Continue included), the final head and body, and timing. */
interface Exchange {
  statuses: number[];
  status: number | null;
  head: string;
  body: string;
  /** The server closed the connection (or reset it) before the test's own deadline. */
  closed: boolean;
  reset: boolean;
  ms: number;
}

function parseExchange(raw: string, closed: boolean, reset: boolean, ms: number): Exchange {
  const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  const last = raw.lastIndexOf('HTTP/1.1 ');
  const response = last < 0 ? '' : raw.slice(last);
  const split = response.indexOf('\r\n\r\n');
  return {
    statuses,
    status: statuses.filter((s) => s >= 200).at(-1) ?? null,
    head: split < 0 ? response : response.slice(0, split),
    body: split < 0 ? '' : response.slice(split + 4),
    closed,
    reset,
    ms,
  };
}

interface Send {
  /** Request line and headers, without the blank line that ends them (added unless `unfinished`). */
  head: string;
  body?: Buffer | string;
  /** The head is left open (no blank line): a client still sending headers. */
  unfinished?: boolean;
  /** Called once the head (and body) are written, to dribble more. */
  then?: (socket: Socket) => void;
  /** Give up (and say so: closed = false) after this long. */
  deadlineMs?: number;
}

/** One raw exchange on a fresh socket; resolves when the server closes the connection (or at the deadline). */
function exchange(bot: Bot, send: Send): Promise<Exchange> {
  const port = Number(new URL(bot.base).port);
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let reset = false;
    let closed = true;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(send.unfinished ? `${send.head}\r\n` : `${send.head}\r\n\r\n`);
      if (send.body !== undefined) socket.write(send.body);
      send.then?.(socket);
    });
    const deadline = setTimeout(() => {
      closed = false;
      socket.destroy();
    }, send.deadlineMs ?? 10_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => (reset = true));
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve(parseExchange(Buffer.concat(chunks).toString('latin1'), closed, reset, Date.now() - started));
    });
  });
}

const hostOf = (bot: Bot) => new URL(bot.base).host;

/** A request head with Connection: close, so the server ends the exchange after answering. */
function head(bot: Bot, method: string, path: string, headers: Record<string, string | number> = {}): string {
  const lines = Object.entries({ host: hostOf(bot), connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return [`${method} ${path} HTTP/1.1`, ...lines].join('\r\n');
}

function post(bot: Bot, path: string, headers: Record<string, string | number>, body: Buffer | string, deadlineMs?: number): Promise<Exchange> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return exchange(bot, { head: head(bot, 'POST', path, { 'content-length': bytes.length, ...headers }), body: bytes, deadlineMs });
}

const jsonOf = (e: Exchange): Record<string, unknown> => JSON.parse(e.body) as Record<string, unknown>;

/** A short JSON refusal of ours: { error, message }, nothing more, nothing echoed. */
function expectRefusal(e: Exchange, status: number, ...notEchoed: string[]) {
  expect(e.status).toBe(status);
  expect(e.body.length).toBeLessThan(200);
  expect(Object.keys(jsonOf(e)).sort()).toEqual(['error', 'message']);
  for (const s of notEchoed) expect(e.body).not.toContain(s);
}

let turn = 0;
/** The process is alive and a normal turn on the local page still works. */
async function stillServes(bot: Bot) {
  expect(bot.child.exitCode).toBeNull();
  expect(bot.child.signalCode).toBeNull();
  const messageId = `message${String(++turn).padStart(4, '0')}`;
  const res = await fetch(`${bot.base}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session: 'sessionAAAA1', messageId, open: true }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { view: { node: string } }).view.node).toEqual(expect.any(String));
}

const openFds = (bot: Bot) => readdirSync(`/proc/${bot.child.pid}/fd`).length;
/** Peak resident memory of the process so far (VmHWM), in bytes. */
const peakMemory = (bot: Bot) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.child.pid}/status`, 'utf8'))?.[1]) * 1024;

/** 60 MB of zeros, gzipped to about 60 KB: under the old 64 KB limit, which counted compressed bytes. */
const BOMB = gzipSync(Buffer.alloc(60 * 1024 * 1024));
const ACTIVITY = JSON.stringify({ type: 'message', id: 'a1', channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/teams/', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'b1' }, text: 'hi' });

function multipart(size: number): { type: string; body: Buffer } {
  const boundary = 'hostileBoundary7MA4YWxkTrZu0gW';
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="f"; filename="20m.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`),
      Buffer.alloc(size, 0x61),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

/** A Slack Web API that says ok to everything and counts the calls by method. */
function fakeSlackApi(): Promise<{ server: Server; url: string; calls: Map<string, number>; waitFor: (method: string, n: number) => Promise<void> }> {
  const calls = new Map<string, number>();
  const waiters: { method: string; n: number; done: () => void }[] = [];
  const server = createHttpServer((req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '');
    req.resume();
    req.on('end', () => {
      calls.set(method, (calls.get(method) ?? 0) + 1);
      for (const w of waiters.filter((x) => x.method === method && (calls.get(method) ?? 0) >= x.n)) w.done();
      res.setHeader('content-type', 'application/json');
      const channel = method === 'conversations.open' ? { id: 'D0ALEX0001' } : 'D0ALEX0001';
      res.end(JSON.stringify({ ok: true, channel, ts: '1763805600.000100', message_ts: '1763805600.000200' }));
    });
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      ok({
        server,
        url: `http://127.0.0.1:${port}/api/`,
        calls,
        waitFor: (method, n) =>
          (calls.get(method) ?? 0) >= n ? Promise.resolve() : new Promise<void>((done) => waiters.push({ method, n, done })),
      });
    });
  });
}

function signed(body: string, secret = SIGNING_SECRET): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(secret, ts, body) };
}

describe('HTTP boundary against hostile requests (real server processes)', () => {
  let bot: Bot;
  let teamsAuth: Bot;
  let slackApi: Awaited<ReturnType<typeof fakeSlackApi>>;
  const tmp = { bot: '', teamsAuth: '' };

  beforeAll(async () => {
    slackApi = await fakeSlackApi();
    tmp.bot = mkdtempSync(join(tmpdir(), 'cse-hostile-tmp-'));
    tmp.teamsAuth = mkdtempSync(join(tmpdir(), 'cse-hostile-tmp-'));
    // TMPDIR points at a fresh folder: a multipart upload spooled to disk would show up there.
    [bot, teamsAuth] = await Promise.all([
      startBot({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'cse-hostile-data-')),
        TMPDIR: tmp.bot,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
      }),
      startBot({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'cse-hostile-data-')),
        TMPDIR: tmp.teamsAuth,
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'not-a-real-client-secret',
        MicrosoftAppType: 'MultiTenant',
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([bot && killBot(bot), teamsAuth && killBot(teamsAuth)]);
    slackApi?.server.close();
  });
  afterEach(async () => {
    await stillServes(bot);
    await stillServes(teamsAuth);
  });

  describe('compressed bodies are refused (415), never inflated', () => {
    it.each(['/api/messages', '/api/web/messages', '/slack/events'])('a body that is not gzip at all, on %s', async (path) => {
      expectRefusal(await post(bot, path, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'hello'), 415);
    });

    it.each(['/api/messages', '/api/web/messages'])('a real gzip body over 64 KB, on %s', async (path) => {
      // Random bytes do not compress: a valid gzip stream of about 70 KB.
      const big = gzipSync(randomBytes(70 * 1024));
      expect(big.length).toBeGreaterThan(64 * 1024);
      expectRefusal(await post(bot, path, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, big), 415);
    });

    it('a gzip bomb (60 KB that inflates to 60 MB): refused without inflating it', async () => {
      const before = peakMemory(bot);
      const started = Date.now();
      for (const path of ['/api/messages', '/api/web/messages', '/slack/events']) {
        expectRefusal(await post(bot, path, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, BOMB), 415);
      }
      expect(Date.now() - started).toBeLessThan(2000);
      // Inflating even one would have held 60 MB.
      expect(peakMemory(bot) - before).toBeLessThan(20 * 1024 * 1024);
    });

    it.each([
      ['deflate', deflateSync(Buffer.from(ACTIVITY))],
      ['br', brotliCompressSync(Buffer.from(ACTIVITY))],
      ['gzip, deflate', gzipSync(deflateSync(Buffer.from(ACTIVITY)))],
    ])('%s', async (encoding, body) => {
      expectRefusal(await post(bot, '/api/messages', { 'content-type': 'application/json', 'content-encoding': encoding }, body), 415);
    });
  });

  describe('only JSON (and Slack form encoding on its route) is read; anything else is 415 before a byte is read', () => {
    it('a 20 MB multipart upload with Expect: 100-continue: 415, no 100 Continue, nothing written to TMPDIR', async () => {
      const { type, body } = multipart(20 * 1024 * 1024);
      for (const path of ['/api/messages', '/api/web/messages', '/slack/events']) {
        const e = await exchange(bot, { head: head(bot, 'POST', path, { 'content-type': type, 'content-length': body.length, expect: '100-continue' }) });
        expectRefusal(e, 415);
        expect(e.statuses).not.toContain(100);
      }
      expect(readdirSync(tmp.bot)).toEqual([]);
    });

    it('a 20 MB multipart upload sent without waiting: refused (or cut off), never read, nothing in TMPDIR', async () => {
      const { type, body } = multipart(20 * 1024 * 1024);
      for (const path of ['/api/messages', '/api/web/messages']) {
        const e = await post(bot, path, { 'content-type': type }, body);
        expect(e.closed).toBe(true);
        // The 415 goes out at once; a client still writing may see the connection reset before it reads it.
        if (e.status !== null) expectRefusal(e, 415);
        else expect(e.reset).toBe(true);
      }
      expect(readdirSync(tmp.bot)).toEqual([]);
    });

    it.each([
      ['/api/messages', 'text/csv', 'a,"b\nc,d'],
      ['/api/web/messages', 'text/csv', 'a,"b\nc,d'],
      ['/slack/events', 'text/csv', 'a,"b\nc,d'],
      ['/api/web/messages', 'application/x-www-form-urlencoded', 'session=sessionAAAA1'],
      ['/api/messages', 'text/plain', ACTIVITY],
      ['/api/messages', 'application/json; charset=utf-16', ACTIVITY],
      ['/api/messages', 'application/xml', '<x/>'],
    ])('%s with %s: 415 saying what to send, echoing nothing', async (path, type, body) => {
      const e = await post(bot, path, { 'content-type': type }, body);
      expectRefusal(e, 415, 'Quote', 'quote', 'Error');
      expect(jsonOf(e)).toMatchObject({ error: 'unsupported_media_type' });
    });

    it('no Content-Type at all: 415', async () => {
      expectRefusal(await exchange(bot, { head: head(bot, 'POST', '/api/messages', { 'content-length': ACTIVITY.length }), body: ACTIVITY }), 415);
    });

    it('JSON that is not JSON, or nested absurdly deep: 400 with our message', async () => {
      const broken = await post(bot, '/api/web/messages', { 'content-type': 'application/json' }, '{"session":');
      expectRefusal(broken, 400, 'Unexpected', 'position');
      const deep = `{"session":"sessionAAAA1","messageId":"message9999","action":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
      expectRefusal(await post(bot, '/api/web/messages', { 'content-type': 'application/json' }, deep), 400);
    });
  });

  describe('size limits per route', () => {
    const routes = [
      ['/api/messages', BODY_RULES.teams.limit],
      ['/slack/events', BODY_RULES.slack.limit],
      ['/api/web/messages', BODY_RULES.web.limit],
    ] as const;

    it.each(routes)('%s: a declared Content-Length over %d bytes is 413 at once, before the body is sent', async (path, limit) => {
      const e = await exchange(bot, { head: head(bot, 'POST', path, { 'content-type': 'application/json', 'content-length': limit + 1 }), deadlineMs: 3000 });
      expectRefusal(e, 413);
      expect(e.closed).toBe(true);
    });

    it.each(routes)('%s: a chunked body that grows past %d bytes is 413, and the server stops reading', async (path, limit) => {
      const chunk = Buffer.alloc(8 * 1024, 0x20);
      const chunks = Math.ceil((limit + 1) / chunk.length);
      const e = await exchange(bot, {
        head: head(bot, 'POST', path, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }),
        // Just past the limit and no final chunk: the server must answer without waiting for the end.
        body: Buffer.concat(Array.from({ length: chunks }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))),
        deadlineMs: 5000,
      });
      expect(e.closed).toBe(true);
      expectRefusal(e, 413);
    });

    it('a body at the limit is still read', async () => {
      const message = JSON.stringify({ session: 'sessionAAAA1', messageId: 'message0full', open: true });
      const padded = message.replace('{', `{${' '.repeat(BODY_RULES.web.limit - message.length)}`);
      expect(padded.length).toBe(BODY_RULES.web.limit);
      expect((await post(bot, '/api/web/messages', { 'content-type': 'application/json' }, padded)).status).toBe(200);
    });
  });

  describe('the Slack route reads its own bytes whatever the path spelling', () => {
    it('POST /slack/%65vents is the Slack route: a bad signature is 401 at once, a good one is answered', async () => {
      const body = JSON.stringify({ token: 'legacy', challenge: 'challenge-accepted-0001', type: 'url_verification' });
      const bad = await post(bot, '/slack/%65vents', signed(body, 'another-signing-secret'), body, 3000);
      expectRefusal(bad, 401);
      expect(bad.ms).toBeLessThan(1000);
      const good = await post(bot, '/slack/%65vents', signed(body), body, 3000);
      expect(good.status).toBe(200);
      expect(jsonOf(good)).toEqual({ challenge: 'challenge-accepted-0001' });
    });

    it('100 of them at once are all answered, and hold no sockets afterwards', async () => {
      const before = openFds(bot);
      const body = JSON.stringify({ type: 'event_callback', anything: 'x'.repeat(1000) });
      const all = await Promise.all(Array.from({ length: 100 }, () => post(bot, '/slack/%65vents', signed(body, 'another-signing-secret'), body, 5000)));
      expect(all.map((e) => e.status)).toEqual(Array(100).fill(401));
      expect(all.every((e) => e.closed)).toBe(true);
      // The server closed its side of each: its descriptors come back to where they were.
      const deadline = Date.now() + 3000;
      while (openFds(bot) > before + 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(openFds(bot)).toBeLessThanOrEqual(before + 5);
    });
  });

  describe('slow clients are cut off in bounded time', () => {
    const dribble = (text: string, everyMs: number) => (socket: Socket) => {
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(text.replace('#', String(i++)));
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
    };

    it(
      'headers dribbled, a body dribbled, a body dribbled to a route that takes none',
      async () => {
        const slowHeaders = exchange(bot, {
          head: `POST /api/web/messages HTTP/1.1\r\nhost: ${hostOf(bot)}`,
          unfinished: true,
          then: dribble('x-slow-#: 1\r\n', 500),
          deadlineMs: 30_000,
        });
        const slowBody = (path: string) =>
          exchange(bot, {
            head: head(bot, 'POST', path, { 'content-type': 'application/json', 'content-length': 10_000 }),
            body: '{"a":',
            then: dribble(' ', 500),
            deadlineMs: 30_000,
          });
        const unreadBody = exchange(bot, {
          // Keep-alive, so only the request time-out ends it once the 200 is out.
          head: `GET /healthz HTTP/1.1\r\nhost: ${hostOf(bot)}\r\ncontent-type: application/json\r\ncontent-length: 10000`,
          body: '{',
          then: dribble(' ', 500),
          deadlineMs: 30_000,
        });
        const [headers, web, slack, teams, unread] = await Promise.all([slowHeaders, slowBody('/api/web/messages'), slowBody('/slack/events'), slowBody('/api/messages'), unreadBody]);

        expect(headers.closed).toBe(true);
        expect(headers.ms).toBeLessThan(HEADERS_TIMEOUT_MS + CONNECTIONS_CHECK_MS + 2000);
        expect(headers.status).toBe(408);

        for (const e of [web, slack, teams]) {
          expect(e.closed).toBe(true);
          expect(e.ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 500);
          expect(e.ms).toBeLessThan(BODY_TIMEOUT_MS + 2000);
          // A client still writing may see the reset before the 408; when the 408 arrives it is ours.
          if (e.status !== null) expectRefusal(e, 408);
        }

        expect(unread.closed).toBe(true);
        expect(unread.statuses[0]).toBe(200);
        expect(unread.ms).toBeLessThan(REQUEST_TIMEOUT_MS + CONNECTIONS_CHECK_MS + 2000);
      },
      REQUEST_TIMEOUT_MS + 15_000,
    );
  });

  describe('the local page answers only to its own host names and origin (DNS rebinding)', () => {
    const page = [
      ['GET', '/'],
      ['GET', '/web/app.js'],
      ['GET', '/api/web/areas'],
      ['POST', '/api/web/messages'],
    ] as const;
    const message = JSON.stringify({ session: 'sessionAAAA1', messageId: 'messageHOST', open: true });
    const send = (method: string, path: string, headers: Record<string, string>) =>
      method === 'POST'
        ? post(bot, path, { 'content-type': 'application/json', ...headers }, message)
        : exchange(bot, { head: head(bot, method, path, headers) });

    it.each(page)('%s %s with Host: attacker.example is 403', async (method, path) => {
      const e = await send(method, path, { host: 'attacker.example' });
      expectRefusal(e, 403, 'attacker');
    });

    it.each(page)('%s %s with Host: attacker.example:<port> is 403 too', async (method, path) => {
      expectRefusal(await send(method, path, { host: `attacker.example:${new URL(bot.base).port}` }), 403);
    });

    it.each(page)('%s %s from another origin is 403', async (method, path) => {
      expectRefusal(await send(method, path, { origin: 'http://attacker.example' }), 403);
      expectRefusal(await send(method, path, { origin: 'null' }), 403);
    });

    it('the loopback names on any port, and the page\'s own origin, are served', async () => {
      const port = new URL(bot.base).port;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
        expect((await send('GET', '/', { host })).status).toBe(200);
      }
      expect((await send('POST', '/api/web/messages', { origin: bot.base })).status).toBe(200);
    });

    it('Teams and Slack are not host-checked: they arrive through proxies under public names', async () => {
      const teams = await post(bot, '/api/messages', { host: 'bot.council.example', 'content-type': 'application/json' }, '{}');
      expect(teams.status).toBe(400);
      const body = JSON.stringify({ token: 'legacy', challenge: 'challenge-accepted-0002', type: 'url_verification' });
      const slack = await post(bot, '/slack/events', { host: 'bot.council.example', ...signed(body) }, body);
      expect(jsonOf(slack)).toEqual({ challenge: 'challenge-accepted-0002' });
    });
  });

  describe('odd request targets and methods get short 4xx answers that echo nothing', () => {
    it.each([
      ['GET /%', 'GET', '/%'],
      ['GET /%E0%A4%A (a cut-off UTF-8 escape)', 'GET', '/%E0%A4%A'],
      ['GET /<script>…', 'GET', '/<script>alert(1)</script>'],
      ['GET a 9,000-character path', 'GET', `/${'a'.repeat(9000)}`],
      ['GET a 20,000-character path (past the header limit)', 'GET', `/${'a'.repeat(20_000)}`],
      ['GET http://[/ (url.parse throws on it)', 'GET', 'http://[/'],
      ['GET //healthz/%%', 'GET', '//healthz/%%'],
      ['PROPFIND /healthz', 'PROPFIND', '/healthz'],
      ['DELETE /api/messages', 'DELETE', '/api/messages'],
      ['BREW /healthz (no such method)', 'BREW', '/healthz'],
      ['a request line with an extra token', 'GET', '/healthz extra-token'],
    ])('%s', async (_what, method, target) => {
      const e = await exchange(bot, { head: head(bot, method, target) });
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(500);
      expectRefusal(e, e.status ?? 0, 'script', 'aaaa', 'PROPFIND', 'BREW', 'DELETE', '%');
    });
  });

  describe('user text goes through linear-time patterns only', () => {
    it('10,000 × "<@U|" in a signed app_mention does not stall the loop: /healthz answers at once meanwhile', async () => {
      const mentions = 4;
      const opened = slackApi.calls.get('conversations.open') ?? 0;
      const bodies = Array.from({ length: mentions }, (_, i) =>
        JSON.stringify({
          token: 'legacy',
          team_id: 'T0CSE0001',
          api_app_id: 'A0CSEBOT01',
          type: 'event_callback',
          event_id: `Ev0MENTION${i}`,
          event_time: Math.floor(Date.now() / 1000),
          event: { type: 'app_mention', user: `U0ALEX000${i}`, channel: 'C0GENERAL1', text: '<@U|'.repeat(10_000), ts: `1763805600.00010${i}`, event_ts: `1763805600.00010${i}` },
        }),
      );
      const worked = slackApi.waitFor('conversations.open', opened + mentions);
      const acks = Promise.all(bodies.map((b) => post(bot, '/slack/events', signed(b), b)));
      let done = false;
      void worked.then(() => (done = true));
      const latencies: number[] = [];
      // Health checks back to back until every mention has been worked through (its DM opened).
      const deadline = Date.now() + 10_000;
      while (!done && Date.now() < deadline) {
        const t = Date.now();
        await fetch(`${bot.base}/healthz`).then((r) => r.text());
        latencies.push(Date.now() - t);
      }
      expect(done).toBe(true);
      expect((await acks).map((e) => e.status)).toEqual(Array(mentions).fill(200));
      expect(latencies.length).toBeGreaterThan(0);
      expect(Math.max(...latencies)).toBeLessThan(250);
    });
  });

  describe('an optional field never refuses a slash command', () => {
    it.each([
      ['plain http on the origin of SLACK_API_URL (a proxy, a test)', () => `${slackApi.url.replace(/api\/$/, '')}hooks/commands/1`],
      ['plain http elsewhere', () => 'http://hooks.example.net/commands/1'],
      ['not a URL', () => 'not a url'],
    ])('/cse from a channel whose response_url is %s: acknowledged, and the procedure starts in the DM', async (_what, url) => {
      const posts = slackApi.calls.get('chat.postMessage') ?? 0;
      const pointers = slackApi.calls.get('chat.postEphemeral') ?? 0;
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: 'T0CSE0001',
        channel_id: 'C0GENERAL1',
        channel_name: 'general',
        user_id: 'U0ALEX0009',
        command: '/cse',
        text: '',
        api_app_id: 'A0CSEBOT01',
        response_url: url(),
        trigger_id: `1234567890.111.${Date.now()}`,
      }).toString();
      const answer = await post(bot, '/slack/events', { ...signed(body), 'content-type': 'application/x-www-form-urlencoded' }, body);
      expect(answer.status).toBe(200);
      // The first view in the DM, and the pointer in the channel.
      await slackApi.waitFor('chat.postMessage', posts + 1);
      await slackApi.waitFor('chat.postEphemeral', pointers + 1);
    });
  });

  describe('Teams with an app id: the same requests are refused before authentication', () => {
    it('bad gzip, a gzip bomb, deflate: 415', async () => {
      for (const [encoding, body] of [
        ['gzip', Buffer.from('hello')],
        ['gzip', BOMB],
        ['deflate', deflateSync(Buffer.from(ACTIVITY))],
      ] as const) {
        expectRefusal(await post(teamsAuth, '/api/messages', { 'content-type': 'application/json', 'content-encoding': encoding }, body), 415);
      }
    });

    it('a 20 MB multipart upload: 415, nothing in TMPDIR', async () => {
      const { type, body } = multipart(20 * 1024 * 1024);
      const e = await exchange(teamsAuth, { head: head(teamsAuth, 'POST', '/api/messages', { 'content-type': type, 'content-length': body.length, expect: '100-continue' }) });
      expectRefusal(e, 415);
      const sent = await post(teamsAuth, '/api/messages', { 'content-type': type }, body);
      expect(sent.closed).toBe(true);
      if (sent.status !== null) expectRefusal(sent, 415);
      expect(readdirSync(tmp.teamsAuth)).toEqual([]);
    });

    it('text/csv with a stray quote: 415', async () => {
      expectRefusal(await post(teamsAuth, '/api/messages', { 'content-type': 'text/csv' }, 'a,"b\nc'), 415, 'Quote');
    });

    it('over the size limit, declared or counted: 413', async () => {
      const declared = await exchange(teamsAuth, { head: head(teamsAuth, 'POST', '/api/messages', { 'content-type': 'application/json', 'content-length': BODY_RULES.teams.limit + 1 }), deadlineMs: 3000 });
      expectRefusal(declared, 413);
      const counted = await exchange(teamsAuth, {
        head: head(teamsAuth, 'POST', '/api/messages', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }),
        body: `${(BODY_RULES.teams.limit + 1).toString(16)}\r\n${' '.repeat(BODY_RULES.teams.limit + 1)}\r\n`,
        deadlineMs: 5000,
      });
      expectRefusal(counted, 413);
    });

    it('a JSON body within the limit reaches the route: a malformed activity is 400 even without a token', async () => {
      const e = await post(teamsAuth, '/api/messages', { 'content-type': 'application/json' }, '{}');
      expect(e.status).toBe(400);
      expect(jsonOf(e)).toMatchObject({ error: 'bad_request' });
    });
  });
});
