/**
 * Turns committed at the same moment: on SQLite they share one transaction (group commit, one fsync), each in its
 * own savepoint; on PostgreSQL each has its own. Either way every turn gets its own verdict, and a duplicate or a
 * lost version check in the middle of a group changes nothing of its own and nothing of the others.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { join } from 'node:path';
import { SQLITE_FILE } from '../../src/store';
import { at, caseRecord, outboxRow, state, turn } from './fixtures';
import { backends, useBackend } from './harness';

describe.each(backends('group'))('turns committed together on %s', (_name, backend) => {
  useBackend(backend);

  it('gives each of many concurrent turns its own verdict, and keeps only the committed ones', async () => {
    const store = await backend.open();
    // Existing conversation at version 1 for the version checks below.
    expect(await store.commitTurn(turn({ conversationId: 'old', inboundKey: 'old-1', now: at(0) }))).toEqual({ status: 'committed', version: 1 });

    const fresh = Array.from({ length: 40 }, (_, i) =>
      turn({ conversationId: `c-${i}`, inboundKey: `k-${i}`, now: at(10), caseRecord: caseRecord(`c-${i}`, `CR-${i}`, at(10)), outbox: [outboxRow(`o-${i}`)] }),
    );
    const verdicts = await Promise.all([
      ...fresh.map((t) => store.commitTurn(t)),
      // A redelivery of an inbound key already stored: nothing of it may be written.
      store.commitTurn(turn({ conversationId: 'old', inboundKey: 'old-1', now: at(11), expectedVersion: 1, state: state('nottingham-city/outcome', 9) })),
      // Two turns racing on one conversation at the same version: exactly one wins.
      store.commitTurn(turn({ conversationId: 'old', inboundKey: 'race-a', now: at(12), expectedVersion: 1, state: state('nottingham-city/outcome', 2) })),
      store.commitTurn(turn({ conversationId: 'old', inboundKey: 'race-b', now: at(12), expectedVersion: 1, state: state('nottingham-city/outcome', 3) })),
      // A write that is wrong in itself (an audit time that is not a time) fails alone.
      store.commitTurn({ ...turn({ conversationId: 'bad', inboundKey: 'bad-1', now: at(13) }), audit: [{ ...turn({ conversationId: 'bad', inboundKey: 'x', now: at(13) }).audit[0]!, at: 'not a time' }] }).then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? 'rejected' : 'odd'),
      ),
    ]);
    expect(verdicts.slice(0, 40)).toEqual(fresh.map(() => ({ status: 'committed', version: 1 })));
    expect(verdicts[40]).toEqual({ status: 'duplicate', response: null });
    expect([verdicts[41], verdicts[42]]).toEqual(expect.arrayContaining([{ status: 'committed', version: 2 }, { status: 'conflict' }]));
    expect(verdicts[43]).toBe('rejected');

    expect(await backend.count('conversations')).toBe(41);
    expect(await backend.count('case_records')).toBe(40);
    expect(await backend.count('outbox')).toBe(40);
    // old-1, the 40 fresh keys and the race winner's; not the loser's, not the duplicate's, not the bad one's.
    expect(await backend.count('inbound')).toBe(42);
    expect(await store.getConversation('bad')).toBeNull();
    const old = await store.getConversation('old');
    expect(old?.version).toBe(2);
    const raceAWon = (verdicts[41] as { status: string }).status === 'committed';
    expect(old?.state.seq).toBe(raceAWon ? 2 : 3);
  });
});

describe.each(backends('group-wal').filter(([name]) => name === 'sqlite'))('group commit on %s', (_name, backend) => {
  useBackend(backend);

  it('writes turns that arrive together in one transaction (one COMMIT, not one per turn)', async () => {
    const store = await backend.open();
    // Every better-sqlite3 statement shares one prototype: count the COMMITs run through it.
    const probe = new Database(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('select 1')) as { run: (this: { source: string }, ...args: unknown[]) => unknown };
    probe.close();
    const run = proto.run;
    let commits = 0;
    proto.run = function (this: { source: string }, ...args: unknown[]) {
      if (/^\s*commit\s*$/i.test(this.source)) commits++;
      return run.apply(this, args);
    };
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.commitTurn(turn({ conversationId: `g-${i}`, inboundKey: `g-${i}`, now: at(1) }))));
      expect(commits).toBe(1);
      // One at a time, each is a commit of its own.
      await store.commitTurn(turn({ conversationId: 'h-1', inboundKey: 'h-1', now: at(2) }));
      await store.commitTurn(turn({ conversationId: 'h-2', inboundKey: 'h-2', now: at(2) }));
      expect(commits).toBe(3);
    } finally {
      proto.run = run;
    }
    expect(await backend.count('conversations')).toBe(32);
  });

  it('answers no turn of a batch before the WAL is fsynced, and fsyncs once per batch, off the event loop', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'warm', inboundKey: 'warm', now: at(0) }));
    // FileHandle's prototype, from a handle of our own.
    const probe = await fs.promises.open(__filename, 'r');
    const proto = Object.getPrototypeOf(probe) as { datasync: (this: unknown) => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    const events: string[] = [];
    proto.datasync = async function (this: unknown) {
      events.push('datasync started');
      await new Promise((r) => setTimeout(r, 50));
      await datasync.call(this);
      events.push('datasync done');
    };
    try {
      const commits = Array.from({ length: 20 }, (_, i) => store.commitTurn(turn({ conversationId: `d-${i}`, inboundKey: `d-${i}`, now: at(1) })).then(() => events.push('answered')));
      await Promise.all(commits);
    } finally {
      proto.datasync = datasync;
    }
    expect(events[0]).toBe('datasync started');
    expect(events[1]).toBe('datasync done');
    expect(events.slice(2)).toEqual(Array.from({ length: 20 }, () => 'answered'));
  });

  it('keeps checkpointing the WAL into the database file (from its worker thread)', async () => {
    const store = await backend.open();
    const file = join(backend.env().DATA_DIR!, SQLITE_FILE);
    const mainFileSize = () => fs.statSync(file).size;
    // Enough turns to pass SQLite's own 1000-page checkpoint threshold several times over.
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.commitTurn(turn({ conversationId: `w-${round}-${i}`, inboundKey: `w-${round}-${i}`, now: at(1) }))));
    }
    const walPages = fs.statSync(`${file}-wal`).size / 4096;
    expect(walPages).toBeGreaterThan(100);
    // The worker's PASSIVE checkpoints copy the pages into the main file within a few of its 200 ms ticks.
    const before = mainFileSize();
    let after = before;
    for (let i = 0; i < 50 && after <= 4096 * 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = mainFileSize();
    }
    expect(after).toBeGreaterThan(4096 * 50);
    expect(await backend.count('conversations')).toBe(1000);
  });

  it('has committed every turn it answered when the store is closed at once', async () => {
    const store = await backend.open();
    const commits = Array.from({ length: 20 }, (_, i) => store.commitTurn(turn({ conversationId: `z-${i}`, inboundKey: `z-${i}`, now: at(1) })));
    const closed = store.close();
    expect(await Promise.all(commits)).toEqual(Array.from({ length: 20 }, () => ({ status: 'committed', version: 1 })));
    await closed;
    expect(await backend.count('conversations')).toBe(20);
  });
});
