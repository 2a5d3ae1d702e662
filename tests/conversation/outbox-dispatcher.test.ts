/**
 * The dispatcher over a real store: rows handed over at commit are sent at once, in order within a lane and side
 * by side across lanes; failures are retried with back-off, jitter and Retry-After, without a later row of the lane
 * overtaking; a reply that can never be delivered is recorded.
 */
import { Writable } from 'node:stream';
import { OutboxDispatcher, retryDelayMs, type Deliverer, type DeliveryResult } from '../../src/conversation/outbox-dispatcher';
import { createLogger } from '../../src/log';
import type { OutboxRow, OutboxWrite, Store } from '../../src/store';
import { backends, useBackend } from '../store/harness';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 9, 0, 0) + ms).toISOString();
const silent = () => createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

const WORKER = 'w-test';

const reply = (id: string, lane: string, seq: number): OutboxWrite => ({
  id,
  conversationId: lane,
  kind: 'reply',
  channel: 'web',
  recipient: 'u-1',
  payload: { text: id },
  lane,
  seq,
  lease: { worker: WORKER, until: at(20_000) },
});

/** A deliverer whose answers the test decides, one call at a time. */
function scripted() {
  const calls: { id: string; settle: (r: DeliveryResult) => void }[] = [];
  const waiters: (() => void)[] = [];
  const deliverer: Deliverer = {
    deliver: (row) =>
      new Promise<DeliveryResult>((settle) => {
        calls.push({ id: row.id, settle });
        waiters.splice(0).forEach((w) => w());
      }),
  };
  const callCount = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { deliverer, calls, callCount };
}

describe.each(backends('dispatcher'))('outbox dispatcher on %s', (_name, backend) => {
  useBackend(backend);
  let store: Store;
  let now: number;
  const clock = () => new Date(at(now));

  beforeEach(async () => {
    store = await backend.open();
    now = 0;
  });

  async function committed(rows: OutboxWrite[]): Promise<OutboxRow[]> {
    await store.enqueueOutbox(rows, at(now));
    return Promise.all(rows.map(async (r) => (await store.getOutbox(r.id))!));
  }

  it('sends a lane in order and other lanes beside it: one slow recipient holds up nobody else', async () => {
    const { deliverer, calls, callCount } = scripted();
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, silent(), { worker: WORKER, clock });
    dispatcher.deliverNow(await committed([reply('a-1', 'lane-a', 1), reply('a-2', 'lane-a', 2), reply('b-1', 'lane-b', 1)]));
    // a-1 and b-1 are in flight together; a-2 waits for a-1.
    await callCount(2);
    expect(calls.map((c) => c.id).sort()).toEqual(['a-1', 'b-1']);
    calls.find((c) => c.id === 'b-1')!.settle({ ok: true });
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(2);
    calls.find((c) => c.id === 'a-1')!.settle({ ok: true });
    await callCount(3);
    expect(calls[2]!.id).toBe('a-2');
    calls[2]!.settle({ ok: true });
    await dispatcher.idle();
    for (const id of ['a-1', 'a-2', 'b-1']) expect((await store.getOutbox(id))?.status).toBe('sent');
  });

  it('retries a reply after Retry-After, and the next reply of its lane waits for it instead of overtaking it', async () => {
    const results: Record<string, DeliveryResult[]> = { 'a-1': [{ ok: false, retryable: true, error: '429 ratelimited', retryAfterMs: 1000 }, { ok: true }], 'a-2': [{ ok: true }] };
    const order: string[] = [];
    const deliverer: Deliverer = { deliver: (row) => (order.push(row.id), Promise.resolve(results[row.id]!.shift()!)) };
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, silent(), { worker: WORKER, clock, random: () => 0 });
    dispatcher.deliverNow(await committed([reply('a-1', 'lane-a', 1)]));
    await dispatcher.idle();
    const failed = await store.getOutbox('a-1');
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lockedBy: null, lastError: '429 ratelimited' });
    // Never sooner than Retry-After (the back-off alone would be 250 ms here).
    expect(Date.parse(failed!.nextAttemptAt) - Date.parse(at(0))).toBe(1000);

    // The next turn's reply is handed over while a-1 waits: it is released, not sent ahead of a-1.
    dispatcher.deliverNow(await committed([reply('a-2', 'lane-a', 2)]));
    await dispatcher.idle();
    expect(order).toEqual(['a-1']);
    expect(await store.getOutbox('a-2')).toMatchObject({ status: 'pending', lockedBy: null });

    now = 999;
    expect(await dispatcher.runOnce()).toBe(0);
    now = 1000;
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(order).toEqual(['a-1', 'a-1', 'a-2']);
    expect((await store.getOutbox('a-2'))?.status).toBe('sent');
  });

  it('records a reply that can never be delivered, and tells no one else', async () => {
    const deliverer: Deliverer = { deliver: () => Promise.resolve({ ok: false, retryable: false, error: '403 Forbidden' }) };
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, silent(), { worker: WORKER, clock });
    dispatcher.deliverNow(await committed([reply('r-1', 'web:c-1', 1)]));
    await dispatcher.idle();
    expect(await store.getOutbox('r-1')).toMatchObject({ status: 'failed', attempts: 1 });
    const audit = await store.audit({ conversationId: 'web:c-1' });
    expect(audit.map((a) => [a.kind, a.code])).toEqual([['notification-failed', 'reply:r-1']]);
    expect(await dispatcher.runOnce()).toBe(0);
  });

  it('gives up a reply after its attempts, each retry later than the one before', async () => {
    const deliverer: Deliverer = { deliver: () => Promise.resolve({ ok: false, retryable: true, error: '500 HttpError' }) };
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, silent(), { worker: WORKER, clock, replyMaxAttempts: 4, replyBaseDelayMs: 100, random: () => 1 });
    dispatcher.deliverNow(await committed([reply('r-1', 'web:c-2', 1)]));
    await dispatcher.idle();
    const gaps: number[] = [];
    for (;;) {
      const row = (await store.getOutbox('r-1'))!;
      if (row.status !== 'pending') break;
      gaps.push(Date.parse(row.nextAttemptAt) - Date.parse(at(now)));
      now = Date.parse(row.nextAttemptAt) - Date.parse(at(0));
      expect(await dispatcher.runOnce()).toBe(1);
    }
    expect(gaps).toEqual([100, 200, 400]);
    expect(await store.getOutbox('r-1')).toMatchObject({ status: 'failed', attempts: 4 });
  });

  it('renews a lease about to run out before sending, and leaves a row another worker has taken', async () => {
    const sent: string[] = [];
    const deliverer: Deliverer = { deliver: (row) => (sent.push(row.id), Promise.resolve({ ok: true })) };
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, silent(), { worker: WORKER, clock, leaseMs: 20_000 });
    const [row] = await committed([{ ...reply('r-1', 'lane-a', 1), lease: { worker: WORKER, until: at(5_000) } }]);
    now = 4_000;
    dispatcher.deliverNow([row!]);
    await dispatcher.idle();
    expect(sent).toEqual(['r-1']);

    const [taken] = await committed([{ ...reply('r-2', 'lane-b', 1), lease: { worker: WORKER, until: at(5_000) } }]);
    now = 6_000;
    await store.claimOutbox('w-other', at(now), at(now + 20_000), 10);
    dispatcher.deliverNow([taken!]);
    await dispatcher.idle();
    expect(sent).toEqual(['r-1']);
    expect((await store.getOutbox('r-2'))?.lockedBy).toBe('w-other');
  });
});

describe('retry delays', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 30_000 };

  it('doubles with each attempt, half of it random, capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, undefined, 1))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, undefined, 0))).toEqual([250, 500, 1000, 2000]);
    expect(retryDelayMs(policy, 20, undefined, 1)).toBe(30_000);
  });

  it('is never sooner than Retry-After', () => {
    expect(retryDelayMs(policy, 1, 7000, 0.5)).toBe(7000);
    expect(retryDelayMs(policy, 8, 7000, 1)).toBe(30_000);
  });
});
