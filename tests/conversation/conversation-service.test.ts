import { Writable } from 'node:stream';
import { createEngine, type ConversationState } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { ConversationService, type JudgedTurn, type TurnRequest } from '../../src/conversation/conversation-service';
import { OutboxDispatcher, type Deliverer } from '../../src/conversation/outbox-dispatcher';
import { createLogger } from '../../src/log';
import type { OutboxRow, Store } from '../../src/store';
import { backends, useBackend } from '../store/harness';

const catalogue = loadCatalogue(`${__dirname}/../../dialogs`);
const engine = createEngine(catalogue);
const at = (i: number) => new Date(Date.UTC(2026, 10, 22, 9, 0, 0) + i * 1000).toISOString();

/** Captures every log line, so a test can prove that no answer or indicator text reaches the logs. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('trace', sink), lines };
}

let n = 0;
const request = (conversationId: string, input: TurnRequest['input'], i: number, key?: string): TurnRequest => ({
  conversationId,
  channel: 'web',
  userId: `user-${conversationId}`,
  address: null,
  inboundKey: key ?? `k-${++n}`,
  input,
  now: at(i),
});
const text = (t: string) => ({ type: 'text' as const, text: t });

/** Typed answers that take a Nottingham City run to the refer-to-Children-&-Families-Direct outcome, ticking indicators. */
const NOTTINGHAM_REFER = ['no', '1', 'done', 'AB123', '1,2,3,4', '1,5,9,20,37', 'no', 'no', 'no', '3'];
const SANDWELL_NEXT = ['no', '2', 'no', 'yes', 'done', 'SW-42', 'done', '2'];

/**
 * A `state` column as the store wrote it before the compact (v2) form: the engine's v1 shape, verbatim. A Nottingham
 * City run at its risk-level question, after NOTTINGHAM_REFER's first nine answers at at(1) … at(9).
 */
const STORED_V1 =
  '{"v":1,"node":"nottingham-city/risk-level","seq":9,"ctx":{"area":"nottingham-city","trail":["@danger","@area","nottingham-city/check-records","nottingham-city/case-reference","nottingham-city/toolkit-vulnerability","nottingham-city/toolkit-signs","nottingham-city/toolkit-previous-abuse","nottingham-city/toolkit-siblings","nottingham-city/open-case"],' +
  '"answers":{"@danger":{"v":"no","at":"2026-11-22T09:00:01.000Z"},"@area":{"v":"nottingham-city","at":"2026-11-22T09:00:02.000Z"},"nottingham-city/check-records":{"v":"done","at":"2026-11-22T09:00:03.000Z"},"nottingham-city/case-reference":{"v":"given","at":"2026-11-22T09:00:04.000Z"},"nottingham-city/toolkit-vulnerability":{"v":"ticked","at":"2026-11-22T09:00:05.000Z"},"nottingham-city/toolkit-signs":{"v":"ticked","at":"2026-11-22T09:00:06.000Z"},"nottingham-city/toolkit-previous-abuse":{"v":"no","at":"2026-11-22T09:00:07.000Z"},"nottingham-city/toolkit-siblings":{"v":"no","at":"2026-11-22T09:00:08.000Z"},"nottingham-city/open-case":{"v":"not-open-case","at":"2026-11-22T09:00:09.000Z"}},' +
  '"indicators":{"vulnerability":["chaotic-family","domestic-abuse","parents-mental-health-substance","no-protective-factors"],"signs":["drugs-alcohol","self-harm-suicide","estranged-family","recruiting-others","hotspot-areas"]},' +
  '"riskLevel":null,"caseRef":"AB123","returnTo":null,"selfCheck":null,"startedAt":"2026-11-22T09:00:00.000Z","completedAt":null}}';

describe.each(backends('conversation'))('conversation service on %s', (_name, backend) => {
  useBackend(backend);

  async function run(service: ConversationService, id: string, answers: string[]) {
    let last = await service.handle(request(id, text('what do I do?'), 0));
    for (const [i, a] of answers.entries()) last = await service.handle(request(id, text(a), i + 1));
    return last;
  }

  it('runs a whole procedure, storing state, audit rows and one case record', async () => {
    const store = await backend.open();
    const { log } = capturedLogger();
    const service = new ConversationService(engine, store, log);
    const last = await run(service, 'web:c1', NOTTINGHAM_REFER);
    expect(last.status).toBe('reply');
    if (last.status !== 'reply') return;
    expect(last.result.view.kind).toBe('outcome');
    const records = await store.caseRecords({ caseRef: 'AB123' });
    expect(records).toHaveLength(1);
    expect(records[0]?.outcome).toBe('outcome-refer-children-and-families-direct');
    expect(records[0]?.summary.riskLevel).toEqual({ id: 'medium', label: 'Medium' });
    const audit = await store.audit({ conversationId: 'web:c1' });
    expect(audit.filter((a) => a.kind === 'turn')).toHaveLength(NOTTINGHAM_REFER.length + 1);
    expect(audit.map((a) => a.code)).toContain('answer:not-open-case');
    // Audit rows hold codes, never the words of an indicator.
    expect(JSON.stringify(audit)).not.toMatch(/Chaotic|dysfunctional|drugs/i);
  });

  it('resumes a conversation stored in the v1 shape, as the engine would, and writes it back in the compact form', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    await service.handle(request('web:v1', text('hi'), 0));
    await backend.query(`update conversations set state = '${STORED_V1}' where id = 'web:v1'`);
    const v1 = JSON.parse(STORED_V1) as ConversationState;
    expect((await store.getConversation('web:v1'))?.state).toEqual(v1);
    expect((await service.peek('web:v1', at(10)))?.view).toEqual(engine.view(v1, at(10)));

    const last = await service.handle(request('web:v1', text('3'), 10));
    if (last.status !== 'reply') throw new Error('no reply');
    expect(last.result).toEqual(engine.step(v1, text('3'), at(10)));
    expect(last.result.view.kind).toBe('outcome');
    // The case record keeps every answer's time from the old row.
    const [record] = await store.caseRecords({ conversationId: 'web:v1' });
    expect(record?.outcome).toBe('outcome-refer-children-and-families-direct');
    expect(record?.summary.answers.map((a) => a.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(at));
    expect(record?.summary.startedAt).toBe(at(0));

    const [row] = await backend.query(`select state from conversations where id = 'web:v1'`);
    expect(JSON.parse(String(row?.state))).toMatchObject({ v: 2, node: 'outcome-refer-children-and-families-direct', seq: 10 });
    expect((await store.getConversation('web:v1'))?.state).toEqual(last.result.state);
    // And it carries on from the compact form: back to the risk level.
    const back = await service.handle(request('web:v1', text('back'), 11));
    if (back.status !== 'reply') throw new Error('no reply');
    expect(back.result).toEqual(engine.step(last.result.state, text('back'), at(11)));
    expect(back.result.state.node).toBe('nottingham-city/risk-level');
  });

  it('drops a redelivered message: no second reply, audit row or state change', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    await service.handle(request('web:c2', text('hi'), 0, 'first'));
    const once = await service.handle(request('web:c2', text('no'), 1, 'same-key'));
    const twice = await service.handle(request('web:c2', text('no'), 2, 'same-key'));
    expect(once.status).toBe('reply');
    expect(twice).toEqual({ status: 'duplicate', response: null });
    const stored = await store.getConversation('web:c2');
    expect(stored?.state.node).toBe('@area');
    expect(stored?.version).toBe(2);
    expect((await store.audit({ conversationId: 'web:c2' })).length).toBe(2);
  });

  it('applies two racing clicks on one question once; the loser is told it was already answered', async () => {
    const [a, b] = [await backend.open(), backend.name === 'postgres' ? await backend.open() : undefined];
    const one = new ConversationService(engine, a, capturedLogger().log);
    // A second service over a second store instance stands for a second replica (on SQLite: the same file).
    const two = new ConversationService(engine, b ?? a, capturedLogger().log);
    const first = await one.handle(request('web:c3', text('hi'), 0));
    if (first.status !== 'reply') throw new Error('no reply');
    const ref = first.result.view.ref;
    const click = (s: ConversationService, key: string) => s.handle(request('web:c3', { type: 'answer', ref, value: 'no' }, 1, key));
    const results = await Promise.all([click(one, 'click-1'), click(two, 'click-2'), click(one, 'click-3')]);
    const replies = results.flatMap((r) => (r.status === 'reply' ? [r.result] : []));
    expect(replies.filter((r) => !r.error)).toHaveLength(1);
    expect(replies.filter((r) => r.error?.code === 'stale_answer')).toHaveLength(2);
    const stored = await a.getConversation('web:c3');
    expect(stored?.state.node).toBe('@area');
    expect(stored?.state.ctx.trail).toEqual(['@danger']);
  });

  it('keeps turns of one conversation in order and runs different conversations side by side', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    const ids = ['web:p1', 'web:p2', 'web:p3'];
    await Promise.all(ids.map((id) => Promise.all(['hi', 'no', '2', 'no'].map((t, i) => service.handle(request(id, text(t), i))))));
    for (const id of ids) {
      const stored = await store.getConversation(id);
      expect(stored?.state.node).toBe('sandwell/specific-concerns');
      expect(stored?.version).toBe(4);
    }
  });

  it('queues the manager summary in the outbox with the turn, and the dispatcher delivers it once', async () => {
    const store: Store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    const last = await run(service, 'web:c4', SANDWELL_NEXT);
    if (last.status !== 'reply') throw new Error('no reply');
    const sent = await service.handle(request('web:c4', { type: 'send-summary', ref: last.result.view.ref, manager: { id: 'manager-1' } }, 20, 'send-1'));
    expect(sent.status).toBe('reply');
    const again = await service.handle(request('web:c4', { type: 'send-summary', ref: last.result.view.ref, manager: { id: 'manager-1' } }, 21, 'send-1'));
    expect(again).toEqual({ status: 'duplicate', response: null });

    const delivered: OutboxRow[] = [];
    const deliverer: Deliverer = { deliver: (row) => (delivered.push(row), Promise.resolve({ ok: true })) };
    const clock = () => new Date(at(30));
    const workers = [1, 2].map((w) => new OutboxDispatcher(store, { web: deliverer }, capturedLogger().log, { worker: `w${w}`, clock }));
    await Promise.all(workers.map((w) => w.runOnce()));
    await Promise.all(workers.map((w) => w.runOnce()));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.recipient).toBe('manager-1');
    const payload = delivered[0]?.payload as { summary: { area: string; caseRef: string; riskLevel: { label: string } } };
    expect(payload.summary).toMatchObject({ area: 'sandwell', caseRef: 'SW-42', riskLevel: { label: 'Medium/Serious' } });
    const audit = await store.audit({ conversationId: 'web:c4' });
    expect(audit.filter((a) => a.kind === 'notification-sent')).toHaveLength(1);
  });

  it('retries a failing delivery with back-off, then marks it failed and tells the sender', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    const last = await run(service, 'web:c5', SANDWELL_NEXT);
    if (last.status !== 'reply') throw new Error('no reply');
    await service.handle(request('web:c5', { type: 'send-summary', ref: last.result.view.ref, manager: { id: 'gone' } }, 20));
    let now = new Date(at(30));
    let calls = 0;
    const deliverer: Deliverer = {
      deliver: (row) => {
        calls++;
        if (row.kind === 'notify-sender') return Promise.resolve({ ok: true });
        return Promise.resolve({ ok: false, retryable: true, error: 'HTTP 503' });
      },
    };
    const dispatcher = new OutboxDispatcher(store, { web: deliverer }, capturedLogger().log, {
      worker: 'w',
      clock: () => now,
      maxAttempts: 3,
      baseDelayMs: 1000,
    });
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(0); // not due yet: back-off
    now = new Date(now.getTime() + 1000);
    expect(await dispatcher.runOnce()).toBe(1);
    now = new Date(now.getTime() + 2000);
    expect(await dispatcher.runOnce()).toBe(1); // third attempt fails for good
    now = new Date(now.getTime() + 1);
    expect(await dispatcher.runOnce()).toBe(1); // the sender is told
    expect(calls).toBe(4);
    const audit = await store.audit({ conversationId: 'web:c5' });
    expect(audit.filter((a) => a.kind === 'notification-failed')).toHaveLength(1);
    expect(audit.filter((a) => a.kind === 'notification-sent')).toHaveLength(1);
  });

  it("stores a turn's replies with it, in its conversation's order, and hands them to the dispatcher leased at commit", async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    const handed: OutboxRow[][] = [];
    let nudges = 0;
    service.attach({ worker: 'w-this', leaseMs: 20_000, deliverNow: (rows) => void handed.push(rows), nudge: () => void nudges++ });
    const reply = (t: JudgedTurn) => ({ response: { node: t.result.state.node }, messages: [{ payload: { view: t.result.view.ref } }, { payload: { pointer: true }, lane: 'web:elsewhere' }] });
    const first = await service.handle({ ...request('web:r1', text('hi'), 0, 'r1-a'), reply });
    const second = await service.handle({ ...request('web:r1', text('no'), 0, 'r1-b'), reply });
    expect(first).toMatchObject({ status: 'reply', response: { node: '@danger' } });
    expect(second).toMatchObject({ status: 'reply', response: { node: '@area' } });
    expect(handed).toHaveLength(2);
    const [one, two] = handed as [OutboxRow[], OutboxRow[]];
    expect(one.map((r) => [r.lane, r.lockedBy, r.lockedUntil])).toEqual([
      ['web:r1', 'w-this', at(20)],
      ['web:elsewhere', 'w-this', at(20)],
    ]);
    // Written in the same millisecond, the second turn's replies still sort after the first's.
    expect(two[0]!.createdAt).toBe(one[0]!.createdAt);
    expect(two[0]!.seq).toBeGreaterThan(one[0]!.seq);
    for (const row of [...one, ...two]) expect(await store.getOutbox(row.id)).toMatchObject({ kind: 'reply', status: 'pending', payload: row.payload, lane: row.lane, seq: row.seq });

    // A redelivery writes no reply, gets the first answer back, and asks the dispatcher to send anything left unsent.
    const again = await service.handle({ ...request('web:r1', text('no'), 1, 'r1-b'), reply });
    expect(again).toEqual({ status: 'duplicate', response: { node: '@area' } });
    expect(handed).toHaveLength(2);
    expect(nudges).toBe(1);
  });

  it('decides the reply of a turn that lost a race from the state it is judged against at last', async () => {
    const [a, b] = [await backend.open(), backend.name === 'postgres' ? await backend.open() : undefined];
    const one = new ConversationService(engine, a, capturedLogger().log);
    const two = new ConversationService(engine, b ?? a, capturedLogger().log);
    const first = await one.handle(request('web:r2', text('hi'), 0));
    if (first.status !== 'reply') throw new Error('no reply');
    const ref = first.result.view.ref;
    const judged: JudgedTurn[] = [];
    const click = (s: ConversationService, key: string, value: string) =>
      s.handle({ ...request('web:r2', { type: 'answer', ref, value }, 1, key), reply: (t) => (judged.push(t), { response: t.result.error?.code ?? 'ok', messages: [] }) });
    const results = await Promise.all([click(one, 'race-1', 'no'), click(two, 'race-2', 'yes')]);
    const answers = results.map((r) => (r.status === 'reply' ? r.response : null));
    expect(answers.sort()).toEqual(['ok', 'stale_answer']);
    // The loser's reply knows what was recorded, so its card can show it.
    const loser = judged.filter((t) => t.result.error?.code === 'stale_answer').at(-1)!;
    const stored = await a.getConversation('web:r2');
    expect(loser.recorded).toMatchObject({ view: { ref }, value: stored!.state.ctx.answers['@danger']!.v });
  });

  it('records an acknowledgement once, also for a summary with no sender to tell', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    await store.enqueueOutbox([{ id: 'n-1', conversationId: 'web:ack', kind: 'notify-manager', channel: 'web', recipient: 'manager-1', payload: { summary: { area: 'sandwell' } } }], at(0));
    expect(await service.acknowledge('n-1', 'someone-else', at(1))).toBe('unknown');
    expect(await service.acknowledge('n-1', 'manager-1', at(2))).toBe('acknowledged');
    expect(await service.acknowledge('n-1', 'manager-1', at(3))).toBe('already');
    const audit = await store.audit({ conversationId: 'web:ack' });
    expect(audit.filter((a) => a.kind === 'acknowledged')).toHaveLength(1);
  });

  it('keeps one case record per run: back from the outcome and another answer replaces it, the first shown as superseded', async () => {
    const store = await backend.open();
    const service = new ConversationService(engine, store, capturedLogger().log);
    await run(service, 'web:one-run', NOTTINGHAM_REFER);
    const [first] = await store.caseRecords({ conversationId: 'web:one-run' });
    expect(first?.outcome).toBe('outcome-refer-children-and-families-direct');
    await service.handle(request('web:one-run', text('back'), 20));
    await service.handle(request('web:one-run', text('2'), 21));
    const records = await store.caseRecords({ conversationId: 'web:one-run' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: first?.id, outcome: 'outcome-monitor-not-open-case', caseRef: 'AB123' });
    const superseded = (await store.audit({ conversationId: 'web:one-run' })).filter((a) => a.kind === 'record-superseded');
    expect(superseded.map((a) => a.code)).toEqual([`record=${first?.id} outcome=outcome-refer-children-and-families-direct completedAt=${first?.completedAt}`]);
    // A new run after "restart" is a record of its own.
    await run(service, 'web:one-run', ['restart', ...NOTTINGHAM_REFER]);
    expect(await store.caseRecords({ conversationId: 'web:one-run' })).toHaveLength(2);
  });

  it('stores and logs nothing of a case reference it refused (a name typed in its place)', async () => {
    const store = await backend.open();
    const { log, lines } = capturedLogger();
    const service = new ConversationService(engine, store, log);
    const refused = await run(service, 'web:refused', ['no', '1', 'done', 'Jayden2011']);
    if (refused.status !== 'reply') throw new Error('no reply');
    expect(refused.result.error?.code).toBe('invalid_answer');
    expect(lines.join('\n')).not.toContain('Jayden');
    expect(JSON.stringify(await store.getConversation('web:refused'))).not.toContain('Jayden');
    expect(JSON.stringify(await store.audit({ conversationId: 'web:refused' }))).not.toContain('Jayden');
  });

  it('never writes an answer, indicator text or case reference to the logs', async () => {
    const store = await backend.open();
    const { log, lines } = capturedLogger();
    const service = new ConversationService(engine, store, log);
    await run(service, 'web:log-n', NOTTINGHAM_REFER);
    await run(service, 'web:log-s', SANDWELL_NEXT);
    const logged = lines.join('\n');
    expect(lines.length).toBeGreaterThan(10);
    const forbidden = [
      ...catalogue.procedures.flatMap((p) => p.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators.map((i) => i.text)))),
      ...catalogue.procedures.flatMap((p) => p.riskLevels.flatMap((r) => (r.description ? [r.description] : []))),
      'AB123',
      'SW-42',
    ];
    for (const phrase of forbidden) expect(logged).not.toContain(phrase);
  });
});
