import type { OutboxRow, Store } from '../../src/store';
import { at, outboxRow } from './fixtures';
import { backends, useBackend } from './harness';

describe.each(backends('outbox'))('outbox on %s', (_name, backend) => {
  useBackend(backend);

  async function twoStores(): Promise<[Store, Store]> {
    const a = await backend.open();
    return [a, backend.name === 'postgres' ? await backend.open() : a];
  }

  it('claims due rows oldest first, up to the limit, for the lease', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([outboxRow('o-2')], at(2));
    await store.enqueueOutbox([outboxRow('o-1')], at(1));
    await store.enqueueOutbox([outboxRow('o-3')], at(3));
    await store.enqueueOutbox([outboxRow('o-later')], at(100));

    const claimed = await store.claimOutbox('w-1', at(10), at(70), 2);
    expect(claimed.map((r) => r.id)).toEqual(['o-1', 'o-2']);
    expect(claimed[0]).toMatchObject({ lockedBy: 'w-1', lockedUntil: at(70), attempts: 0, status: 'pending' });
    // Not due yet (created at 100 s), and the leased ones are taken: only o-3 is left.
    expect((await store.claimOutbox('w-2', at(10), at(70), 10)).map((r) => r.id)).toEqual(['o-3']);
    expect(await store.claimOutbox('w-2', at(10), at(70), 10)).toEqual([]);
    expect(await store.claimOutbox('w-2', at(10), at(70), 0)).toEqual([]);
  });

  it('two workers claiming 50 rows concurrently: every row is claimed exactly once', async () => {
    const [a, b] = await twoStores();
    await a.enqueueOutbox(
      Array.from({ length: 50 }, (_, i) => outboxRow(`o-${String(i).padStart(2, '0')}`)),
      at(0),
    );
    const claimAll = async (store: Store, worker: string): Promise<OutboxRow[]> => {
      const got: OutboxRow[] = [];
      for (;;) {
        const rows = await store.claimOutbox(worker, at(10), at(70), 3);
        if (rows.length === 0) return got;
        got.push(...rows);
      }
    };
    const [byA, byB] = await Promise.all([claimAll(a, 'w-a'), claimAll(b, 'w-b')]);
    const ids = [...byA, ...byB].map((r) => r.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    for (const row of byA) expect((await a.getOutbox(row.id))?.lockedBy).toBe('w-a');
    for (const row of byB) expect((await a.getOutbox(row.id))?.lockedBy).toBe('w-b');
  });

  it('a lease that expires lets another worker claim the row; the first worker then holds nothing', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([outboxRow('o-1')], at(0));
    expect(await store.claimOutbox('w-1', at(0), at(60), 10)).toHaveLength(1);
    expect(await store.claimOutbox('w-2', at(59), at(119), 10)).toEqual([]);

    const reclaimed = await store.claimOutbox('w-2', at(60), at(120), 10);
    expect(reclaimed.map((r) => [r.id, r.lockedBy, r.lockedUntil])).toEqual([['o-1', 'w-2', at(120)]]);

    expect(await store.markSent('o-1', 'w-1', at(61))).toBe(false);
    expect(await store.markAttemptFailed('o-1', 'w-1', 'late', null, at(61))).toBe(false);
    expect(await store.markSent('o-1', 'w-2', at(62))).toBe(true);
    expect(await store.getOutbox('o-1')).toMatchObject({
      status: 'sent',
      sentAt: at(62),
      attempts: 1,
      lockedBy: null,
      lockedUntil: null,
    });
    // Sent is final: no second report, no new claim.
    expect(await store.markSent('o-1', 'w-2', at(63))).toBe(false);
    expect(await store.claimOutbox('w-3', at(500), at(560), 10)).toEqual([]);
  });

  it('an expired lease nobody re-claimed still lets its worker report the result', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([outboxRow('o-1')], at(0));
    await store.claimOutbox('w-1', at(0), at(60), 10);
    expect(await store.markSent('o-1', 'w-1', at(300))).toBe(true);
  });

  it('a failed attempt with a retry time, then a final failure', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([outboxRow('o-1')], at(0));
    await store.claimOutbox('w-1', at(0), at(60), 10);
    expect(await store.markAttemptFailed('o-1', 'w-other', 'not mine', at(300), at(1))).toBe(false);

    expect(await store.markAttemptFailed('o-1', 'w-1', 'HTTP 503', at(300), at(5))).toBe(true);
    expect(await store.getOutbox('o-1')).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: at(300),
      lastError: 'HTTP 503',
      lockedBy: null,
    });
    expect(await store.claimOutbox('w-1', at(299), at(359), 10)).toEqual([]);

    const again = await store.claimOutbox('w-2', at(300), at(360), 10);
    expect(again.map((r) => [r.id, r.attempts])).toEqual([['o-1', 1]]);
    expect(await store.markAttemptFailed('o-1', 'w-2', 'HTTP 403 Forbidden', null, at(301))).toBe(true);
    expect(await store.getOutbox('o-1')).toMatchObject({ status: 'failed', attempts: 2, lastError: 'HTTP 403 Forbidden', sentAt: null });

    expect(await store.claimOutbox('w-3', at(10_000), at(10_060), 10)).toEqual([]);
    expect(await store.markSent('o-1', 'w-2', at(302))).toBe(false);
  });

  it('keeps only the head of a long error and reports unknown rows as absent', async () => {
    const store = await backend.open();
    await store.enqueueOutbox([outboxRow('o-1')], at(0));
    await store.claimOutbox('w-1', at(0), at(60), 10);
    await store.markAttemptFailed('o-1', 'w-1', 'x'.repeat(5000), at(100), at(1));
    expect((await store.getOutbox('o-1'))?.lastError).toHaveLength(1000);
    expect(await store.getOutbox('nope')).toBeNull();
    expect(await store.markSent('nope', 'w-1', at(2))).toBe(false);
  });
});
