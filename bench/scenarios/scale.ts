/**
 * Scenario 6, scale of records: a data folder holding 10,000 finished conversations and their case records (written
 * through the store's own turn commit, from real engine runs of both packs). Measured on it: the bot's start-up and
 * resident memory, a turn under load, and a retention run that removes them all.
 */
import { join } from 'node:path';
import { createEngine, type Engine, type StepResult } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { createStore, type TurnWrite } from '../../src/store';
import { ROOT } from '../lib/proc';
import { round } from '../lib/stats';
import { RUNS, type Pack } from '../lib/workloads';

const SEEDED_AT = '2026-11-22T09:00:00.000Z';

function finishedRun(engine: Engine, pack: Pack): StepResult {
  let r = engine.start(SEEDED_AT);
  for (const text of RUNS[pack].texts.slice(1)) r = engine.step(r.state, { type: 'text', text }, SEEDED_AT);
  if (r.view.kind !== 'outcome') throw new Error(`${pack} seed run ended at ${r.view.node}`);
  return r;
}

/** Writes `n` finished conversations with a case record each; returns the time it took. */
export async function seedRecords(dataDir: string, n: number): Promise<{ ms: number }> {
  const catalogue = loadCatalogue(join(ROOT, 'dialogs'));
  const engine = createEngine({ procedures: catalogue.procedures, common: catalogue.common });
  const done = { 'nottingham-city': finishedRun(engine, 'nottingham-city'), sandwell: finishedRun(engine, 'sandwell') };
  const store = await createStore({ dataDir });
  const t0 = performance.now();
  const write = (i: number): TurnWrite => {
    const pack: Pack = i % 2 === 0 ? 'nottingham-city' : 'sandwell';
    const r = done[pack];
    const completed = r.effects.find((e) => e.type === 'case-completed');
    if (!completed) throw new Error('no case record');
    const caseRef = `SEED${String(i).padStart(6, '0')}`;
    const id = `a:seed-${i}`;
    return {
      conversationId: id,
      channel: 'teams',
      userId: `29:seed-${i % 500}`,
      address: { serviceUrl: 'http://127.0.0.1:9/', conversation: { id } },
      expectedVersion: null,
      state: { ...r.state, ctx: { ...r.state.ctx, caseRef } },
      inboundKey: `seed-${i}`,
      audit: [],
      caseRecord: {
        conversationId: id,
        caseRef,
        area: completed.summary.area,
        packVersion: completed.summary.packVersion,
        outcome: completed.summary.outcome.step,
        summary: { ...completed.summary, caseRef },
        completedAt: completed.summary.completedAt,
      },
      outbox: [],
      now: SEEDED_AT,
    };
  };
  // Many turns in flight at once, as under load; the store commits them as it would live traffic.
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, k) => store.commitTurn(write(i + k))));
  }
  await store.close();
  return { ms: round(performance.now() - t0) };
}

/** One retention run as the bot's timer makes it, at a time when every seeded conversation and record is due. */
export async function timeRetention(dataDir: string): Promise<{ ms: number; deleted: Record<string, number> }> {
  const store = await createStore({ dataDir });
  const now = new Date(Date.parse(SEEDED_AT) + 400 * 24 * 3600 * 1000).toISOString();
  const t0 = performance.now();
  const deleted = await store.retention(now, 30, 365);
  const ms = performance.now() - t0;
  await store.close();
  return { ms: round(ms), deleted: { ...deleted } };
}
