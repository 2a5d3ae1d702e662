/**
 * Durable replies in the store: a turn's replies written leased with the turn, the answer a delivery got kept for
 * its redeliveries, lanes delivered in order, leases released, renewed and (on start) taken back from a process that
 * is gone, and finished replies not kept for longer than redeliveries need.
 */
import type { OutboxWrite, Store } from '../../src/store';
import { REPLY_KEEP_MS } from '../../src/store/store';
import { at, outboxRow, turn } from './fixtures';
import { backends, useBackend } from './harness';

const reply = (id: string, lane: string, seq: number, lease?: OutboxWrite['lease']): OutboxWrite => ({
  id,
  conversationId: lane,
  kind: 'reply',
  channel: 'teams',
  recipient: 'u-1',
  payload: { card: id },
  lane,
  seq,
  ...(lease && { lease }),
});

describe.each(backends('replies'))('durable replies on %s', (_name, backend) => {
  useBackend(backend);

  it("writes a turn's replies leased to the worker that will send them, and keeps the delivery's answer for its redeliveries", async () => {
    const store = await backend.open();
    const lease = { worker: 'w-1', until: at(20) };
    const response = { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } };
    const first = await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0), outbox: [reply('r-1', 'c-1', 100, lease), reply('r-2', 'c-1', 101, lease)], response }));
    expect(first).toEqual({ status: 'committed', version: 1 });
    expect(await store.getOutbox('r-1')).toMatchObject({ kind: 'reply', lane: 'c-1', seq: 100, lockedBy: 'w-1', lockedUntil: at(20), status: 'pending' });
    // Leased rows are not claimed by anyone while the lease holds.
    expect(await store.claimOutbox('w-2', at(1), at(21), 10)).toEqual([]);

    // The redelivery writes nothing and gets the first delivery's answer back.
    const again = await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(1), expectedVersion: 1, outbox: [reply('r-3', 'c-1', 200)], response: { other: true } }));
    expect(again).toEqual({ status: 'duplicate', response });
    expect(await store.getOutbox('r-3')).toBeNull();
    // A delivery that had no answer to keep: null.
    await store.commitTurn(turn({ conversationId: 'c-2', inboundKey: 'k-2', now: at(0) }));
    expect(await store.commitTurn(turn({ conversationId: 'c-2', inboundKey: 'k-2', now: at(1), expectedVersion: 1 }))).toEqual({ status: 'duplicate', response: null });
  });

  it('claims only the head of each lane: a row waits while an earlier one of its lane is pending', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([reply('a-2', 'lane-a', 2), reply('a-1', 'lane-a', 1), reply('b-1', 'lane-b', 1)], at(0));
    await store.enqueueOutbox([reply('a-3', 'lane-a', 0)], at(1));
    expect((await store.claimOutbox('w-1', at(5), at(30), 10)).map((r) => r.id).sort()).toEqual(['a-1', 'b-1']);
    // Both heads are leased: nothing more until one of them is done.
    expect(await store.claimOutbox('w-1', at(5), at(30), 10)).toEqual([]);
    expect(await store.markSent('a-1', 'w-1', at(6))).toBe(true);
    expect(await store.markSent('b-1', 'w-1', at(6))).toBe(true);
    expect((await store.claimOutbox('w-1', at(6), at(30), 10)).map((r) => r.id)).toEqual(['a-2']);
    // A head waiting for its retry holds its lane back too (order over speed).
    expect(await store.markAttemptFailed('a-2', 'w-1', '500 HttpError', at(60), at(7))).toBe(true);
    expect(await store.claimOutbox('w-1', at(8), at(30), 10)).toEqual([]);
    expect((await store.claimOutbox('w-1', at(61), at(90), 10)).map((r) => r.id)).toEqual(['a-2']);
    expect(await store.markSent('a-2', 'w-1', at(62))).toBe(true);
    // Written a second later, a-3 comes after a-2 although its seq is lower.
    expect((await store.claimOutbox('w-1', at(62), at(90), 10)).map((r) => r.id)).toEqual(['a-3']);
    // A failed row does not hold its lane.
    await store.enqueueOutbox([reply('c-1', 'lane-c', 1), reply('c-2', 'lane-c', 2)], at(100));
    await store.claimOutbox('w-1', at(100), at(130), 10);
    await store.markAttemptFailed('c-1', 'w-1', '404 NotFound', null, at(101));
    expect((await store.claimOutbox('w-1', at(101), at(130), 10)).map((r) => r.id)).toEqual(['c-2']);
  });

  it('tells whether an earlier row of the lane is pending', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([reply('a-1', 'lane-a', 1), reply('a-2', 'lane-a', 2)], at(0));
    const [a1, a2] = await Promise.all([store.getOutbox('a-1'), store.getOutbox('a-2')]);
    expect(await store.pendingBefore(a1!)).toBe(false);
    expect(await store.pendingBefore(a2!)).toBe(true);
    await store.claimOutbox('w-1', at(0), at(30), 1);
    await store.markSent('a-1', 'w-1', at(1));
    expect(await store.pendingBefore(a2!)).toBe(false);
  });

  it('releases, renews and takes back leases', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([reply('r-1', 'lane-a', 1, { worker: 'w-old', until: at(30) }), reply('r-2', 'lane-b', 1, { worker: 'w-1', until: at(30) })], at(0));
    // Renewed only by the worker that holds it.
    expect(await store.renewLease('r-2', 'w-1', at(60), at(1))).toBe(true);
    expect(await store.renewLease('r-2', 'w-other', at(90), at(1))).toBe(false);
    expect((await store.getOutbox('r-2'))?.lockedUntil).toBe(at(60));
    // Released by its worker, it can be claimed at once.
    await store.releaseLeases(['r-2'], 'w-other', at(2));
    expect((await store.getOutbox('r-2'))?.lockedBy).toBe('w-1');
    await store.releaseLeases(['r-2'], 'w-1', at(2));
    expect((await store.claimOutbox('w-2', at(3), at(33), 10)).map((r) => r.id)).toEqual(['r-2']);
    // At start, every other worker's lease is taken back (one process per SQLite file): r-1 goes out now, not at 30 s.
    expect(await store.releaseForeignLeases('w-2', at(4))).toBe(1);
    expect((await store.getOutbox('r-2'))?.lockedBy).toBe('w-2');
    expect((await store.claimOutbox('w-2', at(4), at(34), 10)).map((r) => r.id)).toEqual(['r-1']);
  });

  it('keeps finished replies and kept answers for a day, other messages for the session TTL', async () => {
    const store: Store = await backend.open();
    const response = { kept: true };
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0), outbox: [reply('r-1', 'c-1', 100), { ...outboxRow('n-1'), lane: 'n-1' }], response }));
    await store.claimOutbox('w-1', at(0), at(30), 10);
    await store.markSent('r-1', 'w-1', at(1));
    await store.markSent('n-1', 'w-1', at(1));
    const later = new Date(Date.parse(at(2)) + REPLY_KEEP_MS).toISOString();
    await store.retention(later, 30, null);
    expect(await store.getOutbox('r-1')).toBeNull();
    expect(await store.getOutbox('n-1')).not.toBeNull();
    // The inbound key stays (a redelivery is still a duplicate), without the answer it carried.
    expect(await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: later, expectedVersion: 1 }))).toEqual({ status: 'duplicate', response: null });
  });
});
