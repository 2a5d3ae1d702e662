import { runRetention } from '../../src/cli/retention';
import type { Store } from '../../src/store';
import { auditRow, caseRecord, days, outboxRow, turn } from './fixtures';
import { backends, useBackend } from './harness';

/** Day 0 = 2024-05-01T10:00Z. Retention runs on day 100 with a 30-day session TTL and, where set, 60-day records. */
const NOW = days(100);
const TTL = 30;
const RECORDS = 60;

/**
 * - c-old: started day 0, last touched day 10 (idle 90 days): deleted, with its inbound keys.
 * - c-recent: started day 0 (key k-r1), touched day 80 (key k-r2): kept; k-r1 is older than the TTL and goes.
 * - case records: c-old's completed day 10 (older than 60 days), c-recent's completed day 80.
 * - audit rows: days 0, 10 (c-old), 0, 80 (c-recent), days 39 and 41 (notifications; the record cut-off is day 40).
 * - outbox: sent day 10 (goes), failed day 20 (goes), sent day 75 (stays), pending since day 5 (stays).
 */
async function seed(store: Store): Promise<void> {
  await store.commitTurn(turn({ conversationId: 'c-old', inboundKey: 'k-o1', now: days(0) }));
  await store.commitTurn(
    turn({ conversationId: 'c-old', inboundKey: 'k-o2', now: days(10), expectedVersion: 1, caseRecord: caseRecord('c-old', 'CR-OLD', days(10)) }),
  );
  await store.commitTurn(turn({ conversationId: 'c-recent', inboundKey: 'k-r1', now: days(0) }));
  await store.commitTurn(
    turn({
      conversationId: 'c-recent',
      inboundKey: 'k-r2',
      now: days(80),
      expectedVersion: 1,
      caseRecord: caseRecord('c-recent', 'CR-NEW', days(80)),
    }),
  );
  await store.appendAudit([auditRow('c-recent', days(39), 'n-39', 'notification-sent'), auditRow('c-recent', days(41), 'n-41', 'notification-sent')]);

  await store.enqueueOutbox([outboxRow('o-sent-old'), outboxRow('o-failed-old'), outboxRow('o-pending-old')], days(5));
  await store.enqueueOutbox([outboxRow('o-sent-new')], days(74));
  await store.claimOutbox('w', days(5), days(5.01), 10);
  await store.markSent('o-sent-old', 'w', days(10));
  await store.markAttemptFailed('o-failed-old', 'w', 'HTTP 404', null, days(20));
  await store.markAttemptFailed('o-pending-old', 'w', 'HTTP 503', days(200), days(6));
  await store.claimOutbox('w', days(75), days(75.01), 10);
  await store.markSent('o-sent-new', 'w', days(75));
}

describe.each(backends('retention'))('retention on %s', (_name, backend) => {
  useBackend(backend);

  it('deletes idle conversations, old inbound keys, finished outbox rows, old records and audit; records the run', async () => {
    const store = await backend.open();
    await seed(store);

    const result = await store.retention(NOW, TTL, RECORDS);
    expect(result).toEqual({ conversations: 1, caseRecords: 1, auditRows: 4, inboundKeys: 3, outboxRows: 2 });

    expect(await store.getConversation('c-old')).toBeNull();
    expect(await store.getConversation('c-recent')).not.toBeNull();
    for (const key of ['k-o1', 'k-o2', 'k-r1']) expect(await store.hasInbound(key)).toBe(false);
    expect(await store.hasInbound('k-r2')).toBe(true);
    expect((await store.caseRecords({})).map((r) => r.caseRef)).toEqual(['CR-NEW']);
    expect(await store.getOutbox('o-sent-old')).toBeNull();
    expect(await store.getOutbox('o-failed-old')).toBeNull();
    expect(await store.getOutbox('o-sent-new')).not.toBeNull();
    expect(await store.getOutbox('o-pending-old')).toMatchObject({ status: 'pending' });

    const audit = await store.audit({});
    expect(audit.map((a) => [a.at, a.kind, a.code])).toEqual([
      [days(41), 'notification-sent', 'n-41'],
      [days(80), 'turn', 'k-r2'],
      [
        NOW,
        'retention',
        'conversations=1 caseRecords=1 auditRows=4 inboundKeys=3 outboxRows=2 sessionTtlDays=30 recordRetentionDays=60',
      ],
    ]);
    expect(audit[2]).toMatchObject({ conversationId: null, userId: null, area: null, packVersion: null, step: null });

    // Nothing left to delete: a second run deletes nothing and is recorded too.
    expect(await store.retention(NOW, TTL, RECORDS)).toEqual({
      conversations: 0,
      caseRecords: 0,
      auditRows: 0,
      inboundKeys: 0,
      outboxRows: 0,
    });
    expect((await store.audit({})).filter((a) => a.kind === 'retention')).toHaveLength(2);
  });

  it('without a record retention, keeps every case record and audit row', async () => {
    const store = await backend.open();
    await seed(store);
    const auditBefore = await backend.count('audit');

    const result = await store.retention(NOW, TTL, null);
    expect(result).toEqual({ conversations: 1, caseRecords: 0, auditRows: 0, inboundKeys: 3, outboxRows: 2 });
    expect((await store.caseRecords({})).map((r) => r.caseRef)).toEqual(['CR-OLD', 'CR-NEW']);
    // The audit trail of a deleted conversation stays reachable by its case reference.
    expect((await store.audit({ caseRef: 'CR-OLD' })).map((a) => a.code)).toEqual(['k-o1', 'k-o2']);
    expect(await backend.count('audit')).toBe(auditBefore + 1);
    const [run] = (await store.audit({})).filter((a) => a.kind === 'retention');
    expect(run?.code).toBe(
      'conversations=1 caseRecords=0 auditRows=0 inboundKeys=3 outboxRows=2 sessionTtlDays=30 recordRetentionDays=none',
    );
  });

  it('a conversation touched exactly at the cut-off is kept; bad settings are refused', async () => {
    const store = await backend.open();
    await store.commitTurn(turn({ conversationId: 'c-edge', inboundKey: 'k-edge', now: days(70) }));
    expect((await store.retention(NOW, TTL, null)).conversations).toBe(0);
    expect((await store.retention(days(100.001), TTL, null)).conversations).toBe(1);
    await expect(store.retention(NOW, -1, null)).rejects.toThrow(RangeError);
    await expect(store.retention(NOW, TTL, Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.retention('not a time', TTL, null)).rejects.toThrow(TypeError);
  });

  it('the retention command runs it with the configured days and prints the counts', async () => {
    const store = await backend.open();
    await seed(store);
    const capture = () => {
      const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
      return io;
    };
    const io = capture();
    const env = { ...backend.env(), SESSION_TTL_DAYS: '30', RECORD_RETENTION_DAYS: '60' };
    expect(await runRetention(env, io, () => new Date(NOW))).toBe(0);
    expect(io.stderr).toBe('');
    expect(io.stdout).toBe(
      'retention: deleted 1 idle conversations, 3 inbound keys, 2 finished outbox rows, 1 case records, 4 audit rows ' +
        '(sessions kept 30 days; records kept 60 days)\n',
    );
    expect((await store.audit({})).filter((a) => a.kind === 'retention').map((a) => a.at)).toEqual([NOW]);

    const bad = capture();
    expect(await runRetention({ ...env, SESSION_TTL_DAYS: 'soon' }, bad)).toBe(1);
    expect(bad.stderr).toContain('SESSION_TTL_DAYS');
  });
});
