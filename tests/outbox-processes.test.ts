/**
 * Notifications across real server processes: a manager summary queued by a turn is delivered exactly once, even
 * when the process is killed between the turn and the delivery, and when two replicas share one PostgreSQL.
 * The bots speak the real Bot Framework protocol to a fake Bot Connector, a small HTTP server on loopback.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { killBot, startBot, urlWithSchema, type Bot } from './support/bot-process';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TENANT = '0d5e2c7a-1b4f-4c3e-8d9a-7f6e5d4c3b2a';
const BOT = { id: '28:bot', name: 'CSE Guidance' };

interface Posted {
  path: string;
  body: Record<string, unknown>;
}

/** A fake Bot Connector: records every request; createConversation answers with a 1:1 id per member. */
function fakeConnector() {
  const posted: Posted[] = [];
  let managerDown = false;
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const path = decodeURIComponent(req.url ?? '');
      posted.push({ path, body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && /\/v3\/conversations$/.test(path)) {
        const member = ((body.members as { id: string }[] | undefined) ?? [])[0]?.id ?? 'unknown';
        if (managerDown && member.startsWith('manager-')) {
          res.statusCode = 503;
          return res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'down' } }));
        }
        res.statusCode = 201;
        return res.end(JSON.stringify({ id: `a:dm-${member}` }));
      }
      res.statusCode = 200;
      res.end(JSON.stringify({ id: `activity-${++n}` }));
    });
  });
  return {
    posted,
    setManagerDown: (down: boolean) => (managerDown = down),
    listen: () => new Promise<string>((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}/teams/`))),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
    /** Summary cards sent into managers' 1:1 conversations (they carry an Acknowledge action). */
    summaries: () => posted.filter((p) => p.path.includes('/conversations/a:dm-manager-') && JSON.stringify(p.body).includes('"acknowledge"')),
  };
}


let seq = 1;
function activity(serviceUrl: string, user: string, extra: Record<string, unknown>) {
  return {
    id: `act-${process.pid}-${++seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${user}`, aadObjectId: `aad-${user}` },
    recipient: BOT,
    conversation: { conversationType: 'personal', tenantId: TENANT, id: `a:1dm-${user}` },
    channelData: { tenant: { id: TENANT } },
    ...extra,
  };
}

async function post(bot: Bot, body: unknown): Promise<void> {
  const res = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ANSWERS = ['no', '1', 'done', 'skip', 'none', 'none', 'no', 'no', 'yes', 'done', '1'];

/** Runs a Teams personal chat to the strategy-meeting outcome (alternating bots if given two), then sends the summary. */
async function runAndSend(bots: Bot[], serviceUrl: string, connector: ReturnType<typeof fakeConnector>, user: string, manager: string) {
  const say = (i: number, text: string) => post(bots[i % bots.length]!, activity(serviceUrl, user, { type: 'message', text }));
  await say(0, 'what do I do?');
  for (const [i, answer] of ANSWERS.entries()) await say(i + 1, answer);
  // Replies are sent from the outbox after each request is answered: the outcome card arrives a moment later.
  const outcomeRef = () => {
    const lastCard = [...connector.posted].reverse().find((p) => p.path.includes(`/conversations/a:1dm-${user}/`));
    return /"ref":"(nottingham-city\/outcome-strategy-meeting#\d+)"/.exec(JSON.stringify(lastCard?.body))?.[1];
  };
  await until('the outcome card to reach the user', () => outcomeRef() !== undefined);
  const ref = outcomeRef()!;
  const data = { verb: 'send-summary', ref, manager };
  await post(bots[0]!, activity(serviceUrl, user, { type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-1', value: { action: { type: 'Action.Execute', verb: 'send-summary', data } } }));
}

describe('manager summaries across server processes', () => {
  const bots: Bot[] = [];
  let connector: ReturnType<typeof fakeConnector>;
  let serviceUrl: string;

  beforeEach(async () => {
    connector = fakeConnector();
    serviceUrl = await connector.listen();
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map(killBot));
    await connector.close();
  });

  it('a summary whose delivery failed before a SIGKILL is delivered once after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cse-outbox-crash-'));
    const first = await startBot({ DATA_DIR: dataDir });
    bots.push(first);
    connector.setManagerDown(true);
    await runAndSend([first], serviceUrl, connector, 'alex', 'manager-1');
    // Wait until the first process has tried and recorded a failed attempt, then kill it.
    const db = new BetterSqlite3(join(dataDir, 'cse-bot.sqlite'), { readonly: true });
    const attempts = () => (db.prepare("select attempts, status from outbox where kind = 'notify-manager'").get() as { attempts: number; status: string } | undefined);
    await until('a failed delivery attempt', () => (attempts()?.attempts ?? 0) >= 1);
    await killBot(first);
    expect(attempts()).toMatchObject({ status: 'pending' });
    expect(connector.summaries()).toHaveLength(0);

    connector.setManagerDown(false);
    const second = await startBot({ DATA_DIR: dataDir });
    bots.push(second);
    await until('the summary to reach the manager', () => connector.summaries().length >= 1);
    await until('the outbox row to be marked sent', () => attempts()?.status === 'sent');
    await new Promise((r) => setTimeout(r, 1500));
    expect(connector.summaries()).toHaveLength(1);
    db.close();
  }, 90000);

  it('two replicas on one PostgreSQL send each summary exactly once', async () => {
    const schema = `outbox_replicas_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = urlWithSchema(PG_URL, schema);
      const pair = await Promise.all([startBot({ DATABASE_URL: url }), startBot({ DATABASE_URL: url })]);
      bots.push(...pair);
      const users = ['sam', 'jo', 'kit', 'ash'];
      // Each conversation alternates between the replicas; the summaries are queued on either.
      await Promise.all(users.map((u, i) => runAndSend(i % 2 ? pair : [pair[1], pair[0]], serviceUrl, connector, u, `manager-${u}`)));
      await until('every summary to reach its manager', () => connector.summaries().length >= users.length);
      await new Promise((r) => setTimeout(r, 2500));
      const perManager = users.map((u) => connector.summaries().filter((p) => p.path.includes(`a:dm-manager-${u}/`)).length);
      expect(perManager).toEqual([1, 1, 1, 1]);
      const { rows } = await admin.query<{ status: string; n: string }>(`select status, count(*) as n from ${schema}.outbox where kind = 'notify-manager' group by status`);
      expect(rows).toEqual([{ status: 'sent', n: String(users.length) }]);
    } finally {
      await Promise.all(bots.splice(0).map(killBot));
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }, 90000);
});
