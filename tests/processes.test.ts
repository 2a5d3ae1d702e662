/**
 * Real server processes: killed with SIGKILL mid-conversation and restarted on the same store, and two replicas
 * sharing one PostgreSQL. Conversations go through the web channel's JSON endpoint.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { killBot, startBot, urlWithSchema, type Bot } from './support/bot-process';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let seq = 0;
async function send(bot: Bot, session: string, body: Record<string, unknown>): Promise<{ view: { node: string; ref: string } }> {
  const res = await fetch(`${bot.base}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session, messageId: `message-${++seq}`, ...body }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as { view: { node: string; ref: string } };
}

/** Typed answers of a Nottingham City run in multi-area mode, and the node each run is at before answer k. */
const ANSWERS = ['no', '1', 'done', 'skip', '1,2', 'none', 'no', 'no', 'yes', 'done', '1'];
const NODES = [
  '@danger',
  '@area',
  ...['check-records', 'case-reference', 'toolkit-vulnerability', 'toolkit-signs', 'toolkit-previous-abuse', 'toolkit-siblings', 'open-case', 'contact-social-worker', 'strategy-discussion', 'outcome-strategy-meeting'].map((s) => `nottingham-city/${s}`),
];

describe('server processes', () => {
  const bots: Bot[] = [];
  afterEach(async () => {
    await Promise.all(bots.splice(0).map(killBot));
  });

  it('after SIGKILL in the middle of conversations, every conversation continues from its last acknowledged step', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cse-crash-'));
    const first = await startBot({ DATA_DIR: dataDir });
    bots.push(first);
    const sessions = Array.from({ length: 6 }, (_, i) => `crash-session-${i}`);
    const acknowledged = new Map<string, string>();
    // Each conversation advances a different number of steps; then more turns are in flight when the process dies.
    await Promise.all(
      sessions.map(async (s, i) => {
        acknowledged.set(s, (await send(first, s, { open: true })).view.node);
        for (const a of ANSWERS.slice(0, i + 2)) acknowledged.set(s, (await send(first, s, { text: a })).view.node);
      }),
    );
    const inFlight = sessions.map((s, i) => send(first, s, { text: ANSWERS[i + 2]! }).then((r) => r.view.node, () => null));
    await killBot(first);
    const lateAcks = await Promise.all(inFlight);

    const second = await startBot({ DATA_DIR: dataDir });
    bots.push(second);
    for (const [i, s] of sessions.entries()) {
      expect(acknowledged.get(s)).toBe(NODES[i + 2]);
      const now = (await send(second, s, { open: true })).view.node;
      // An acknowledged turn is never lost; a turn whose reply never arrived may or may not have been applied.
      if (lateAcks[i]) expect(now).toBe(lateAcks[i]);
      else expect([NODES[i + 2], NODES[i + 3]]).toContain(now);
      // And each conversation carries on from there to its outcome.
      let node = now;
      for (const answer of ANSWERS.slice(NODES.indexOf(node))) node = (await send(second, s, { text: answer })).view.node;
      expect(node).toBe('nottingham-city/outcome-strategy-meeting');
    }
  }, 90000);

  it('two replicas on one PostgreSQL share a conversation that alternates between them', async () => {
    const schema = `replicas_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = urlWithSchema(PG_URL, schema);
      const [a, b] = await Promise.all([startBot({ DATABASE_URL: url, DATA_DIR: '/nonexistent' }), startBot({ DATABASE_URL: url, DATA_DIR: '/nonexistent' })]);
      bots.push(a, b);
      const session = 'replica-session-1';
      let view = (await send(a, session, { open: true })).view;
      for (const [i, answer] of ANSWERS.entries()) view = (await send(i % 2 ? a : b, session, { text: answer })).view;
      expect(view.node).toBe('nottingham-city/outcome-strategy-meeting');
      const { rows } = await admin.query<{ n: string }>(`select count(*) as n from ${schema}.audit where kind = 'turn' and conversation_id = $1`, [`web:${session}`]);
      expect(Number(rows[0]?.n)).toBe(ANSWERS.length + 1);
    } finally {
      await Promise.all(bots.splice(0).map(killBot));
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }, 90000);
});
