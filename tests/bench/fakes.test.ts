/**
 * The bench's fake platforms and load generator: duplicates and updates are told apart from replies, and a reply
 * that never comes is counted, not thrown.
 */
import { request } from 'node:http';
import { FakeConnector } from '../../bench/lib/fake-connector';
import { FakeSlackApi } from '../../bench/lib/fake-slack';
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
    expect(connector.counts()).toMatchObject({ calls: 7, received: 7, replies: 4, updates: 3, duplicates: 2 });
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

  it('counts only chat.postMessage as a reply, and an identical message as a duplicate', async () => {
    await call('POST', `${api.url}chat.postMessage`, new URLSearchParams({ channel: 'D1', text: 'hello' }).toString(), 'application/x-www-form-urlencoded');
    await call('POST', `${api.url}chat.update`, JSON.stringify({ channel: 'D1', ts: '1.1', text: 'answered' }));
    await call('POST', `${api.url}chat.postMessage`, JSON.stringify({ channel: 'D1', text: 'hello' }));
    expect(api.repliesIn('D1')).toBe(2);
    expect(api.counts()).toMatchObject({ calls: 3, replies: 2, updates: 1, duplicates: 1 });
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
