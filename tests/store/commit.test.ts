import type { Store, TurnCommit } from '../../src/store';
import { at, auditRow, caseRecord, outboxRow, state, turn } from './fixtures';
import { backends, useBackend, type Backend } from './harness';

async function counts(backend: Backend) {
  return {
    conversations: await backend.count('conversations'),
    inbound: await backend.count('inbound'),
    audit: await backend.count('audit'),
    caseRecords: await backend.count('case_records'),
    outbox: await backend.count('outbox'),
  };
}

describe.each(backends('commit'))('commitTurn on %s', (_name, backend) => {
  useBackend(backend);

  /** Two store instances where the backend allows two writers in one process (PostgreSQL: two pools). */
  async function twoStores(): Promise<[Store, Store]> {
    const a = await backend.open();
    return [a, backend.name === 'postgres' ? await backend.open() : a];
  }

  it('creates a conversation at version 1, then updates it to 2, with audit, case record and outbox rows', async () => {
    const store = await backend.open();
    const first = await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
    expect(first).toEqual({ status: 'committed', version: 1 });
    const created = await store.getConversation('c-1');
    expect(created).toEqual({
      id: 'c-1',
      channel: 'teams',
      userId: 'u-1',
      state: state('nottingham-city/danger', 1),
      version: 1,
      address: { serviceUrl: 'https://smba.example/', conversation: { id: 'a:c-1' } },
      createdAt: at(0),
      updatedAt: at(0),
    });

    const next = state('nottingham-city/outcome', 2);
    const second = await store.commitTurn(
      turn({
        conversationId: 'c-1',
        inboundKey: 'k-2',
        now: at(60),
        expectedVersion: 1,
        state: next,
        address: { updated: true },
        caseRecord: caseRecord('c-1', 'CR-1', at(60)),
        outbox: [outboxRow('o-1')],
      }),
    );
    expect(second).toEqual({ status: 'committed', version: 2 });
    const updated = await store.getConversation('c-1');
    expect(updated).toMatchObject({ version: 2, state: next, address: { updated: true }, createdAt: at(0), updatedAt: at(60) });
    // The column holds the compact form of the state (src/store/state-codec.ts), which reads back as the state above.
    const [row] = await backend.query(`select state from conversations where id = 'c-1'`);
    expect(JSON.parse(String(row?.state))).toEqual({
      v: 2,
      node: 'outcome',
      seq: 2,
      area: 'nottingham-city',
      startedAt: at(0),
      trail: [['danger', 'no', 0]],
      indicators: { 'cse-indicators': 'gifts' },
    });

    expect(await store.hasInbound('k-1')).toBe(true);
    expect(await store.hasInbound('k-2')).toBe(true);
    expect(await store.hasInbound('k-3')).toBe(false);
    expect((await store.audit({ conversationId: 'c-1' })).map((a) => a.code)).toEqual(['k-1', 'k-2']);
    const records = await store.caseRecords({ conversationId: 'c-1' });
    expect(records).toEqual([{ id: expect.any(String) as string, ...caseRecord('c-1', 'CR-1', at(60)) }]);
    expect(await store.getOutbox('o-1')).toEqual({
      ...outboxRow('o-1'),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at(60),
      lastError: null,
      createdAt: at(60),
      lockedBy: null,
      lockedUntil: null,
      sentAt: null,
      lane: 'o-1',
      seq: 0,
    });
    expect(await counts(backend)).toEqual({ conversations: 1, inbound: 2, audit: 2, caseRecords: 1, outbox: 1 });
  });

  it('normalises times to UTC ISO form and rejects a time that is not one', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: '2024-05-01T12:00:00+02:00' }));
    expect((await store.getConversation('c-1'))?.updatedAt).toBe('2024-05-01T10:00:00.000Z');
    await expect(store.commitTurn(turn({ conversationId: 'c-2', inboundKey: 'k-2', now: 'yesterday' }))).rejects.toThrow(
      /not an ISO-8601 time/,
    );
  });

  it('a stale expectedVersion is a conflict and writes nothing (no inbound key, audit, case record or outbox row)', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-2', now: at(10), expectedVersion: 1 }));
    const before = await counts(backend);
    const conversation = await store.getConversation('c-1');

    const stale = await store.commitTurn(
      turn({
        conversationId: 'c-1',
        inboundKey: 'k-3',
        now: at(20),
        expectedVersion: 1,
        state: state('nottingham-city/outcome', 9),
        audit: [auditRow('c-1', at(20), 'stale'), auditRow('c-1', at(20), 'stale-2')],
        caseRecord: caseRecord('c-1', 'CR-1', at(20)),
        outbox: [outboxRow('o-stale')],
      }),
    );
    expect(stale).toEqual({ status: 'conflict' });
    expect(await counts(backend)).toEqual(before);
    expect(await store.hasInbound('k-3')).toBe(false);
    expect(await store.getOutbox('o-stale')).toBeNull();
    expect(await store.caseRecords({ conversationId: 'c-1' })).toEqual([]);
    expect(await store.getConversation('c-1')).toEqual(conversation);

    // The same delivery, judged again against the current version, then commits.
    const retried = await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-3', now: at(21), expectedVersion: 2 }));
    expect(retried).toEqual({ status: 'committed', version: 3 });
  });

  it('creating a conversation that exists, or updating one that does not, is a conflict', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
    const before = await counts(backend);
    expect(await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-2', now: at(1) }))).toEqual({ status: 'conflict' });
    expect(
      await store.commitTurn(turn({ conversationId: 'c-missing', inboundKey: 'k-3', now: at(1), expectedVersion: 1 })),
    ).toEqual({ status: 'conflict' });
    expect(await counts(backend)).toEqual(before);
  });

  it('a duplicate inbound key returns duplicate and writes nothing', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
    const before = await counts(backend);
    const conversation = await store.getConversation('c-1');
    const again = await store.commitTurn(
      turn({
        conversationId: 'c-1',
        inboundKey: 'k-1',
        now: at(5),
        expectedVersion: 1,
        state: state('nottingham-city/outcome', 2),
        caseRecord: caseRecord('c-1', 'CR-1', at(5)),
        outbox: [outboxRow('o-dup')],
      }),
    );
    expect(again).toEqual({ status: 'duplicate', response: null });
    expect(await counts(backend)).toEqual(before);
    expect(await store.getConversation('c-1')).toEqual(conversation);
    expect(await store.getOutbox('o-dup')).toBeNull();
  });

  it('two concurrent turns on the same conversation and version: exactly one commits', async () => {
    const [a, b] = await twoStores();
    await a.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-0', now: at(0) }));
    const results = await Promise.all([
      a.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-a', now: at(1), expectedVersion: 1, outbox: [outboxRow('o-a')] })),
      b.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-b', now: at(1), expectedVersion: 1, outbox: [outboxRow('o-b')] })),
    ]);
    expect(results.filter((r) => r.status === 'committed')).toEqual([{ status: 'committed', version: 2 }]);
    expect(results.filter((r) => r.status === 'conflict')).toHaveLength(1);
    const winner = results[0]?.status === 'committed' ? 'a' : 'b';
    const loser = winner === 'a' ? 'b' : 'a';
    expect(await a.hasInbound(`k-${winner}`)).toBe(true);
    expect(await a.hasInbound(`k-${loser}`)).toBe(false);
    expect(await a.getOutbox(`o-${loser}`)).toBeNull();
    expect(await counts(backend)).toEqual({ conversations: 1, inbound: 2, audit: 2, caseRecords: 0, outbox: 1 });
    expect((await a.getConversation('c-1'))?.version).toBe(2);
  });

  it('eight concurrent turns (creating, then updating) on one conversation: exactly one commits each time', async () => {
    const [a, b] = await twoStores();
    const race = (expectedVersion: number | null, round: string) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? a : b).commitTurn(
            turn({ conversationId: 'c-1', inboundKey: `k-${round}-${i}`, now: at(i), expectedVersion }),
          ),
        ),
      );
    const committed = (rs: TurnCommit[]) => rs.filter((r) => r.status === 'committed');
    const created = await race(null, 'create');
    expect(committed(created)).toEqual([{ status: 'committed', version: 1 }]);
    const updated = await race(1, 'update');
    expect(committed(updated)).toEqual([{ status: 'committed', version: 2 }]);
    expect(updated.filter((r) => r.status === 'conflict')).toHaveLength(7);
    expect(await counts(backend)).toEqual({ conversations: 1, inbound: 2, audit: 2, caseRecords: 0, outbox: 0 });
  });

  it('the same delivery arriving twice at once: one commits, the other is a duplicate or a conflict', async () => {
    const [a, b] = await twoStores();
    await a.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-0', now: at(0) }));
    const results = await Promise.all([
      a.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(1), expectedVersion: 1 })),
      b.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(1), expectedVersion: 1 })),
    ]);
    expect(results.filter((r) => r.status === 'committed')).toHaveLength(1);
    expect(await counts(backend)).toEqual({ conversations: 1, inbound: 2, audit: 2, caseRecords: 0, outbox: 0 });
  });

  it('one case record per run: the same run completed again replaces it, a new run adds another', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0), caseRecord: caseRecord('c-1', null, at(0)) }));
    const [first] = await store.caseRecords({ conversationId: 'c-1' });
    // The case reference is given after the outcome: the same completion, now with a reference.
    await store.commitTurn(
      turn({ conversationId: 'c-1', inboundKey: 'k-2', now: at(30), expectedVersion: 1, caseRecord: caseRecord('c-1', 'CR-1', at(0)) }),
    );
    const records = await store.caseRecords({ conversationId: 'c-1' });
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual({ ...caseRecord('c-1', 'CR-1', at(0)), id: first?.id });

    expect((await store.audit({ conversationId: 'c-1' })).filter((a) => a.kind === 'record-superseded')).toEqual([]);

    // Back from the outcome and another answer: the same run, another outcome. Its record is replaced (same id), and
    // the earlier one is in the audit trail as superseded.
    await store.commitTurn(
      turn({ conversationId: 'c-1', inboundKey: 'k-2b', now: at(90), expectedVersion: 2, caseRecord: caseRecord('c-1', 'CR-1', at(90), { outcome: `nottingham-city/monitor` }) }),
    );
    const replaced = await store.caseRecords({ conversationId: 'c-1' });
    expect(replaced).toEqual([{ ...caseRecord('c-1', 'CR-1', at(90), { outcome: 'nottingham-city/monitor' }), id: first?.id }]);
    const superseded = (await store.audit({ conversationId: 'c-1' })).filter((a) => a.kind === 'record-superseded');
    expect(superseded.map((a) => a.code)).toEqual([`record=${first?.id} outcome=nottingham-city/open-case completedAt=${at(0)}`]);

    // Restarted and completed again later: a new run, a record of its own.
    await store.commitTurn(
      turn({ conversationId: 'c-1', inboundKey: 'k-3', now: at(600), expectedVersion: 3, caseRecord: caseRecord('c-1', 'CR-2', at(600), { startedAt: at(500) }) }),
    );
    expect((await store.caseRecords({ conversationId: 'c-1' })).map((r) => r.caseRef)).toEqual(['CR-1', 'CR-2']);
    expect((await store.caseRecords({ caseRef: 'CR-2' })).map((r) => r.completedAt)).toEqual([at(600)]);
    expect(await store.caseRecords({ caseRef: 'CR-1', conversationId: 'c-other' })).toEqual([]);
  });

  it('audit by case reference: the rows of the conversations with a record of that reference, in time order', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-1', inboundKey: 'k-1', now: at(0) }));
    await store.commitTurn(turn({ conversationId: 'c-2', inboundKey: 'k-2', now: at(1), caseRecord: caseRecord('c-2', 'CR-9', at(1)) }));
    await store.commitTurn(
      turn({ conversationId: 'c-1', inboundKey: 'k-3', now: at(2), expectedVersion: 1, caseRecord: caseRecord('c-1', 'CR-1', at(2)) }),
    );
    // Written later but dated earlier (a notification outcome): time order, not insertion order.
    await store.appendAudit([auditRow('c-1', at(1), 'late-but-earlier', 'notification-sent'), auditRow('c-1', at(3), 'ack', 'acknowledged')]);

    const rows = await store.audit({ caseRef: 'CR-1' });
    expect(rows.map((r) => [r.at, r.code])).toEqual([
      [at(0), 'k-1'],
      [at(1), 'late-but-earlier'],
      [at(2), 'k-3'],
      [at(3), 'ack'],
    ]);
    expect(rows.every((r) => typeof r.id === 'number')).toBe(true);
    expect(rows[3]).toMatchObject({ kind: 'acknowledged', conversationId: 'c-1', userId: 'u-1', area: 'nottingham-city' });
    expect(await store.audit({ caseRef: 'CR-none' })).toEqual([]);
    expect((await store.audit({ conversationId: 'c-2' })).map((r) => r.code)).toEqual(['k-2']);
    expect(await store.audit({})).toHaveLength(5);
  });

  it('appendAudit of nothing writes nothing; enqueueOutbox queues once per id', async () => {
    const store = await backend.open();
    await store.appendAudit([]);
    expect(await backend.count('audit')).toBe(0);
    await store.enqueueOutbox([outboxRow('o-1'), outboxRow('o-2')], at(0));
    await store.enqueueOutbox([outboxRow('o-1')], at(50));
    expect(await backend.count('outbox')).toBe(2);
    expect(await store.getOutbox('o-1')).toMatchObject({ status: 'pending', createdAt: at(0), nextAttemptAt: at(0) });
  });
});

describe('SQLite shared by two processes', () => {
  // One writer per file at a time: BEGIN IMMEDIATE plus the busy timeout make a second process wait, not fail.
  const script = `
    const { createStore } = require('./src/store');
    (async () => {
      const store = await createStore({ dataDir: process.env.DIR });
      const who = process.env.WHO;
      const results = [];
      for (let i = 0; i < 30; i++) {
        const conversationId = i % 2 ? 'shared-' + i : who + '-' + i;
        const state = { v: 1, node: 'x', seq: i, ctx: { area: 'a' } };
        const r = await store.commitTurn({ conversationId, channel: 'web', userId: who, address: null, expectedVersion: null,
          state, inboundKey: who + '-' + i, audit: [], outbox: [], now: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() });
        results.push(r.status);
      }
      await store.close();
      process.stdout.write(JSON.stringify({ applied: store.appliedMigrations, results }));
    })().catch((e) => { console.error(e); process.exit(1); });`;

  it('two processes starting and writing at once: migrated once, each shared conversation created once', async () => {
    const { execFile } = await import('node:child_process');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const root = path.resolve(__dirname, '../..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-2proc-'));
    const run = (who: string) =>
      new Promise<{ applied: string[]; results: string[] }>((resolve, reject) => {
        execFile(path.join(root, 'node_modules/.bin/tsx'), ['-e', script], { cwd: root, env: { ...process.env, DIR: dir, WHO: who } }, (e, out, err) =>
          e ? reject(new Error(`${e.message}\n${err}`)) : resolve(JSON.parse(out) as { applied: string[]; results: string[] }),
        );
      });
    try {
      const [a, b] = await Promise.all([run('a'), run('b')]);
      expect([...a.applied, ...b.applied]).toEqual(['0001_initial', '0002_durable_replies', '0003_record_per_run']);
      const all = [...a.results, ...b.results];
      expect(all.filter((s) => s === 'committed')).toHaveLength(45); // 15 own each + 15 shared once
      expect(all.filter((s) => s === 'conflict')).toHaveLength(15);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Two tsx processes compile the store from source before they race: seconds each on a loaded 2-core machine.
  }, 90_000);
});
