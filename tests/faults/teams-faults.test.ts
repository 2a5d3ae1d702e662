/**
 * Replies that Teams fails to take, or that a crash interrupts, against real bot processes speaking the Bot
 * Framework protocol to a fake Bot Connector on loopback. A person types each answer once, after the question
 * arrived, as in Teams; every conversation must reach its outcome with every question delivered exactly once.
 *
 * Slow (minutes), so not part of `npm test`: `npm run test:faults` runs it, and so does `.ci/run`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { killBot, startBot, urlWithSchema, type Bot } from '../support/bot-process';
import { cardIn, FakeConnector } from '../support/fake-connector';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TENANT = '0d5e2c7a-1b4f-4c3e-8d9a-7f6e5d4c3b2a';

/** Typed runs from "what do I do?" to each pack's outcome (both areas enabled), and what the outcome names. */
const RUNS = [
  { texts: ['what do I do?', 'no', '1', 'done', 'AB123', '1,2,3,4', '1,5,9,20,37', 'no', 'no', 'no', '3'], outcome: '0115 876 4800' },
  { texts: ['what do I do?', 'no', '2', '2', '1', 'done', 'SW123', 'done', '2'], outcome: 'CSE Team Manager' },
] as const;

let seq = 0;

/** A person in a Teams 1:1 chat with the bot. */
class Person {
  readonly conversationId: string;
  constructor(
    private readonly connector: FakeConnector,
    readonly user: string,
  ) {
    this.conversationId = `a:1dm-${user}`;
  }

  activity(extra: Record<string, unknown>): Record<string, unknown> {
    return {
      id: `act-${process.pid}-${++seq}`,
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.connector.url,
      from: { id: `29:${this.user}`, aadObjectId: `aad-${this.user}` },
      recipient: { id: '28:bot', name: 'CSE Guidance' },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: this.conversationId },
      channelData: { tenant: { id: TENANT } },
      ...extra,
    };
  }

  /** Posts an activity to the bot; the request is answered once the turn is stored. */
  async post(bot: Bot, activity: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${bot.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  /** Cards the bot posted into this chat so far. */
  received(): number {
    return this.connector.sentTo(this.conversationId).length;
  }

  lastCard(): string {
    return JSON.stringify(cardIn(this.connector.sentTo(this.conversationId).at(-1)));
  }

  /** Types a message and waits for the next question, as a person would. */
  async say(bot: Bot, text: string, timeoutMs = 60_000): Promise<void> {
    const before = this.received();
    await this.post(bot, this.activity({ type: 'message', text }));
    await this.connector.until(`a reply in ${this.conversationId} to "${text}"`, () => this.received() > before, timeoutMs);
  }
}

describe('Teams replies under faults (real processes)', () => {
  const bots: Bot[] = [];
  let connector: FakeConnector;

  beforeEach(async () => {
    connector = new FakeConnector();
    await connector.listen();
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map(killBot));
    await connector.close();
  });

  it('200 conversations while the connector fails 10% of calls with 429, 10% with 500 and answers 10% after 2 s: every one reaches its outcome, no reply lost or duplicated', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cse-faults-'));
    const bot = await startBot({ DATA_DIR: dataDir });
    bots.push(bot);
    connector.setFaults({ rate429: 0.1, rate500: 0.1, rateSlow: 0.1, slowMs: 2000, seed: 20261201 });
    const people = Array.from({ length: 200 }, (_, i) => new Person(connector, `faults-${i}`));
    await Promise.all(
      people.map(async (person, i) => {
        const run = RUNS[i % 2]!;
        for (const text of run.texts) await person.say(bot, text);
      }),
    );
    for (const [i, person] of people.entries()) {
      const run = RUNS[i % 2]!;
      // One card per typed message: none lost (the run could not go on without it), none twice.
      expect(person.received()).toBe(run.texts.length);
      expect(person.lastCard()).toContain(run.outcome);
    }
    expect(connector.duplicates()).toEqual([]);
    // The faults did happen, in about the shares asked for.
    expect(connector.counts.failed429).toBeGreaterThan(100);
    expect(connector.counts.failed500).toBeGreaterThan(100);
    expect(connector.counts.slow).toBeGreaterThan(100);
    // And the outbox ends with every reply sent, nothing left pending or failed.
    const db = new BetterSqlite3(join(dataDir, 'cse-bot.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select status, count(*) as n from outbox group by status').all()).toEqual([{ status: 'sent', n: people.reduce((n, _p, i) => n + RUNS[i % 2]!.texts.length, 0) }]);
    } finally {
      db.close();
    }
  }, 240_000);

  it('a connector that never answers for one conversation holds up nobody else: other people run to their outcomes meanwhile', async () => {
    const bot = await startBot({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cse-stuck-')) });
    bots.push(bot);
    const stuck = new Person(connector, 'stuck');
    await stuck.say(bot, 'what do I do?');
    connector.hold((conversationId) => conversationId === stuck.conversationId);
    // Replies for this one hang (until the bot's own time-out); its next turns are still taken and answered.
    for (const text of ['no', '1', 'done']) await stuck.post(bot, stuck.activity({ type: 'message', text }));
    await connector.until('a reply to be held', () => connector.counts.held > 0);
    const others = Array.from({ length: 40 }, (_, i) => new Person(connector, `free-${i}`));
    await Promise.all(others.map(async (p, i) => {
      for (const text of RUNS[i % 2]!.texts) await p.say(bot, text, 20_000);
    }));
    for (const [i, p] of others.entries()) expect(p.lastCard()).toContain(RUNS[i % 2]!.outcome);
    // The stuck conversation has had nothing more while the others went round; once the connector answers again
    // its questions arrive, in order, once each.
    expect(stuck.received()).toBe(1);
    connector.hold(null);
    await connector.until('the stuck conversation to catch up', () => stuck.received() === 4, 60_000);
    const refs = connector.sentTo(stuck.conversationId).map((a) => /"ref":"([^"]+)"/.exec(JSON.stringify(cardIn(a)))?.[1]);
    expect(refs.map((r) => r?.split('#')[0])).toEqual(['@danger', '@area', 'nottingham-city/check-records', 'nottingham-city/case-reference']);
    expect(connector.duplicates()).toEqual([]);
  }, 120_000);

  it('two different Action.Submit clicks on one card at once: both card updates show the answer that was recorded, and one next question follows', async () => {
    const bot = await startBot({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cse-race-')) });
    bots.push(bot);
    const alex = new Person(connector, 'race');
    await alex.say(bot, 'what do I do?');
    const ref = /"ref":"(@danger#\d+)"/.exec(alex.lastCard())?.[1];
    const submit = (value: string) => alex.post(bot, alex.activity({ type: 'message', replyToId: 'card-1', value: { verb: 'answer', ref, value } }));
    await Promise.all([submit('no'), submit('yes')]);
    const updates = () => connector.accepted.filter((a) => a.method === 'PUT' && a.conversationId === alex.conversationId && a.activityId === 'card-1');
    await connector.until('both clicks to update the card', () => updates().length === 2 && alex.received() === 2);
    const [a, b] = updates().map((u) => JSON.stringify(cardIn(u)));
    // Whichever update lands last, the card says what was recorded, never "already answered".
    expect(a).toBe(b);
    expect(a).toContain('You answered');
    expect(a).not.toContain('already answered');
    // The one next question is the recorded answer's: the area question after "no", the emergency step after "yes".
    const next = alex.lastCard();
    const recordedNo = next.includes('@area#');
    expect(a).toContain(recordedNo ? 'You answered: No' : 'You answered: Yes');
    expect(alex.received()).toBe(2);
  }, 60_000);

  describe.each([
    ['sqlite', false],
    ['postgres', true],
  ])('a SIGKILL between the commit and the reply, on %s', (_name, pg) => {
    let admin: Client | null = null;
    let schema = '';
    beforeEach(async () => {
      if (!pg) return;
      schema = `faults_${process.pid}_${Date.now()}`;
      admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
    });
    afterEach(async () => {
      await Promise.all(bots.splice(0).map(killBot));
      if (admin) {
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
        admin = null;
      }
    });
    const env = (dataDir: string): Record<string, string> => (pg ? { DATABASE_URL: urlWithSchema(PG_URL, schema), DATA_DIR: dataDir } : { DATA_DIR: dataDir });

    it('100 conversations: each gets its next question once after the restart, redelivered or not, and goes on to its outcome', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cse-crash-reply-'));
      const first = await startBot(env(dataDir));
      bots.push(first);
      const people = Array.from({ length: 100 }, (_, i) => new Person(connector, `crash-${pg ? 'pg' : 'sq'}-${i}`));
      // Each conversation goes a different way into its run.
      const reached = people.map((_p, i) => 1 + (i % (RUNS[i % 2]!.texts.length - 2)));
      await Promise.all(people.map(async (p, i) => {
        for (const text of RUNS[i % 2]!.texts.slice(0, reached[i])) await p.say(first, text);
      }));

      // The next answer of every conversation is stored (the request is answered), but no reply gets through.
      connector.hold(() => true);
      const crashTurns = await Promise.all(
        people.map(async (p, i) => {
          const activity = p.activity({ type: 'message', text: RUNS[i % 2]!.texts[reached[i]!]! });
          await p.post(first, activity);
          return activity;
        }),
      );
      await connector.until('replies being sent', () => connector.counts.held > 0);
      await killBot(first);
      expect(people.map((p, i) => p.received() - reached[i]!)).toEqual(people.map(() => 0));
      connector.hold(null);

      const second = await startBot(env(dataDir));
      bots.push(second);
      // Teams redelivers the turns of half of them (it never got an answer it trusted); the others just wait.
      await Promise.all(people.map((p, i) => (i % 2 === 0 ? p.post(second, crashTurns[i]!) : Promise.resolve())));
      await Promise.all(
        people.map((p, i) => connector.until(`the question after the crash in ${p.conversationId}`, () => p.received() === reached[i]! + 1, 60_000)),
      );
      // Then each goes on to its outcome.
      await Promise.all(people.map(async (p, i) => {
        for (const text of RUNS[i % 2]!.texts.slice(reached[i]! + 1)) await p.say(second, text);
      }));
      for (const [i, p] of people.entries()) {
        expect(p.received()).toBe(RUNS[i % 2]!.texts.length);
        expect(p.lastCard()).toContain(RUNS[i % 2]!.outcome);
      }
      expect(connector.duplicates()).toEqual([]);
    }, 240_000);

    it('a redelivered card click gets the answered card it got the first time, and the next question once', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cse-crash-click-'));
      const first = await startBot(env(dataDir));
      bots.push(first);
      const alex = new Person(connector, `click-${pg ? 'pg' : 'sq'}`);
      await alex.say(first, 'what do I do?');
      const ref = /"ref":"(@danger#\d+)"/.exec(alex.lastCard())?.[1];
      expect(ref).toBeDefined();
      connector.hold(() => true);
      const click = alex.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'activity-1', value: { action: { type: 'Action.Execute', verb: 'answer', data: { verb: 'answer', ref, value: 'no' } } } });
      const answered = await alex.post(first, click);
      expect(JSON.stringify(answered.body)).toContain('You answered');
      await connector.until('the next question being sent', () => connector.counts.held > 0);
      await killBot(first);
      connector.hold(null);

      const second = await startBot(env(dataDir));
      bots.push(second);
      const again = await alex.post(second, click);
      expect(again.body).toEqual(answered.body);
      await connector.until('the next question', () => alex.received() === 2, 60_000);
      expect(alex.lastCard()).toContain('@area#');
      // And the conversation carries on from there.
      await alex.say(second, '1');
      expect(alex.received()).toBe(3);
      expect(connector.duplicates()).toEqual([]);
    }, 120_000);
  });
});
