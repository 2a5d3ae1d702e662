/**
 * The bench's fake platforms and load generator: failed calls are never received replies, faults follow the seeded
 * rates, duplicates and updates are told apart from replies, and a reply that never comes is counted, not thrown.
 */
import { request } from 'node:http';
import { FakeConnector } from '../../bench/lib/fake-connector';
import { FakeSlackApi } from '../../bench/lib/fake-slack';
import { FaultPlan } from '../../bench/lib/faults';
import { LostReplyError, runLoad, type Workload } from '../../bench/lib/load';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

function call(method: string, url: string, body: string, contentType = 'application/json'): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(url, { method, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const FAULTS = { rateLimited: 0.1, serverError: 0.1, delayed: 0.1, delayMs: 20, retryAfterSeconds: 1, seed: 7 };

describe('FaultPlan', () => {
  it('draws the same faults from the same seed, at about the rates asked', () => {
    const a = new FaultPlan(FAULTS);
    const b = new FaultPlan(FAULTS);
    const kinds = Array.from({ length: 10000 }, () => a.next().kind);
    expect(Array.from({ length: 10000 }, () => b.next().kind)).toEqual(kinds);
    for (const kind of ['rate-limited', 'server-error', 'delayed'] as const) {
      const share = kinds.filter((k) => k === kind).length / kinds.length;
      expect(share).toBeGreaterThan(0.09);
      expect(share).toBeLessThan(0.11);
    }
    expect(new FaultPlan(null).next()).toEqual({ kind: 'none' });
  });

  it('refuses rates that add up to more than 1', () => {
    expect(() => new FaultPlan({ rateLimited: 0.5, serverError: 0.5, delayed: 0.1 })).toThrow(/add up/);
  });
});

describe('FakeConnector', () => {
  let connector: FakeConnector;
  beforeEach(async () => {
    connector = new FakeConnector();
    await connector.listen();
  });
  afterEach(() => connector.close());

  it('counts POSTs to …/activities and …/activities/{replyToId} as replies, a PUT as an update, and identical bodies as duplicates', async () => {
    const base = `${connector.url}v3/conversations/${encodeURIComponent('a:one')}/activities`;
    await call('POST', base, '{"text":"first"}');
    await call('POST', `${base}/act-1`, '{"text":"second"}');
    await call('PUT', `${base}/act-1`, '{"text":"updated"}');
    expect(connector.repliesIn('a:one')).toBe(2);
    expect(connector.last('a:one')).toBe('{"text":"second"}');
    await call('POST', `${base}/act-2`, '{"text":"second"}');
    await call('PUT', `${base}/act-1`, '{"text":"updated"}');
    await call('PUT', `${base}/act-2`, '{"text":"updated"}');
    // The same body in another conversation is not a duplicate.
    await call('POST', `${connector.url}v3/conversations/a:two/activities`, '{"text":"first"}');
    expect(connector.counts()).toMatchObject({ calls: 7, received: 7, replies: 4, updates: 3, duplicates: 2, failed429: 0, failed500: 0, delayed: 0 });
  });

  it('fails and delays calls at the seeded rates; a failed call is not a received reply', async () => {
    connector.setFaults(FAULTS);
    const answers: Answer[] = [];
    for (let i = 0; i < 200; i++) answers.push(await call('POST', `${connector.url}v3/conversations/a:faults/activities/x${i}`, `{"n":${i}}`));
    const n429 = answers.filter((a) => a.status === 429);
    const n500 = answers.filter((a) => a.status === 500);
    expect(n429.every((a) => a.retryAfter === '1')).toBe(true);
    const counts = connector.counts();
    expect(counts.failed429).toBe(n429.length);
    expect(counts.failed500).toBe(n500.length);
    expect(n429.length + n500.length).toBeGreaterThan(20);
    expect(counts.delayed).toBeGreaterThan(5);
    expect(counts.replies).toBe(200 - n429.length - n500.length);
    expect(connector.repliesIn('a:faults')).toBe(counts.replies);
    expect(counts.duplicates).toBe(0);
  });

  it('refuses a malformed request instead of throwing', async () => {
    expect((await call('POST', `${connector.url}v3/conversations/a%E0%A4%A/activities`, '{}')).status).toBe(400);
    expect((await call('POST', `${connector.url}v3/conversations`, '{not json')).status).toBe(400);
    expect(connector.counts()).toMatchObject({ calls: 2, received: 0 });
  });

  it('resolves a wait with the reply’s time, or null when none comes in time or the wait is cancelled (never a rejection)', async () => {
    const before = connector.repliesIn('a:w');
    const waiting = connector.waitReply('a:w', before, 5000);
    await call('POST', `${connector.url}v3/conversations/a:w/activities/x`, '{}');
    expect(typeof (await waiting.at)).toBe('number');
    expect(await connector.waitReply('a:w', 1, 30).at).toBeNull();
    const cancelled = connector.waitReply('a:w', 1, 5000);
    cancelled.cancel();
    expect(await cancelled.at).toBeNull();
    // A reply after the load generator gave up is late.
    connector.giveUp('a:w');
    await call('POST', `${connector.url}v3/conversations/a:w/activities/y`, '{"late":true}');
    expect(connector.counts().late).toBe(1);
  });
});

describe('FakeSlackApi', () => {
  let api: FakeSlackApi;
  beforeEach(async () => {
    api = new FakeSlackApi();
    await api.listen();
  });
  afterEach(() => api.close());

  it('refuses malformed JSON instead of throwing', async () => {
    const answer = await call('POST', `${api.url}chat.postMessage`, '{not json');
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: 'invalid_json' });
  });

  it('answers a rate limit as Slack does and counts only chat.postMessage as a reply', async () => {
    api.setFaults({ rateLimited: 1, serverError: 0, delayed: 0 });
    const limited = await call('POST', `${api.url}chat.postMessage`, JSON.stringify({ channel: 'D1', text: 'hello' }));
    expect(limited).toMatchObject({ status: 429, retryAfter: '1' });
    expect(JSON.parse(limited.body)).toEqual({ ok: false, error: 'ratelimited' });
    expect(api.repliesIn('D1')).toBe(0);
    api.setFaults(null);
    await call('POST', `${api.url}chat.postMessage`, new URLSearchParams({ channel: 'D1', text: 'hello' }).toString(), 'application/x-www-form-urlencoded');
    await call('POST', `${api.url}chat.update`, JSON.stringify({ channel: 'D1', ts: '1.1', text: 'answered' }));
    await call('POST', `${api.url}chat.postMessage`, JSON.stringify({ channel: 'D1', text: 'hello' }));
    expect(api.repliesIn('D1')).toBe(2);
    expect(api.counts()).toMatchObject({ calls: 4, replies: 2, updates: 1, failed429: 1, duplicates: 1 });
  });
});

describe('runLoad', () => {
  it('counts lost replies and failed turns, and goes on with new runs', async () => {
    let n = 0;
    const workload: Workload = {
      name: 'test',
      newRun: () => ({
        turns: 2,
        turn: async () => {
          const me = ++n;
          await Promise.resolve();
          if (me % 5 === 0) throw new LostReplyError(`no reply (${me})`);
          if (me % 7 === 0) throw new Error(`HTTP 500 (${me})`);
          return { replyMs: 1, ackMs: 1 };
        },
        check: () => true,
      }),
    };
    const result = await runLoad(workload, { concurrency: 3, maxTurns: 70, deadlineMs: 5000 });
    expect(result.lostReplies).toBe(14);
    expect(result.errors).toBe(14 + 8); // n = 7, 14, 21, 28, 42, 49, 56, 63 (35 and 70 are counted lost)
    expect(result.firstError).toBe('no reply (5)');
    expect(result.turns).toBe(70 - 22);
  });
});
