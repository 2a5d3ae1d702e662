/**
 * Scenario 1, the engine alone: for each pack, a turn is restore (parse the stored text, decode) → step → persist
 * (encode, serialise), exactly what a turn does around the engine, with no HTTP and no store. Also the bytes of
 * stored state after a full run of each pack, typical and worst case (every indicator of every list ticked).
 */
import { join } from 'node:path';
import { createEngine, type ConversationState, type Engine, type Input, type View } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { decodeState, encodeStateText } from '../../src/store';
import { ROOT } from '../lib/proc';
import { round, summarise, type LatencySummary } from '../lib/stats';
import { RUNS, type Pack } from '../lib/workloads';

export interface EnginePackResult {
  pack: Pack;
  turnsPerRun: number;
  turns: number;
  /** Microseconds per turn. */
  latencyUs: LatencySummary;
  turnsPerSecond: number;
  cpuUsPerTurn: number;
  peakRssMb: number;
  stateBytes: { typical: number; worst: number };
}

const NOW = '2026-11-22T10:00:00.000Z';

/** The stored text of a state, as the store writes it. */
const persist = (s: ConversationState) => encodeStateText(s);
const restore = (text: string) => decodeState(JSON.parse(text)) as ConversationState;

/** Drives a pack's typed run; with `allIndicators`, every checklist is answered with all of its indicators instead. */
function fullRun(engine: Engine, pack: Pack, allIndicators: boolean): { stored: string; turns: number } {
  let r = engine.start(NOW);
  const texts = RUNS[pack].texts.slice(1);
  let turns = 1;
  for (const text of texts) {
    const view: View = r.view;
    const input: Input =
      allIndicators && view.kind === 'checklist'
        ? { type: 'answer', ref: view.ref, value: view.groups.flatMap((g) => g.items.map((i) => i.id)) }
        : allIndicators && view.kind === 'case-reference'
          ? { type: 'text', text: 'AB1234567890CD1234567890EF123456' } // as long a case reference as a pack allows
          : { type: 'text', text };
    r = engine.step(restore(persist(r.state)), input, NOW);
    if (r.error) throw new Error(`${pack}: "${text}" refused at ${view.node}: ${r.error.code}`);
    turns++;
  }
  if (r.view.kind !== 'outcome') throw new Error(`${pack}: the run ended at ${r.view.node}, not an outcome`);
  return { stored: persist(r.state), turns };
}

export function runEngineScenario(o: { turns: number }): EnginePackResult[] {
  const catalogue = loadCatalogue(join(ROOT, 'dialogs'));
  const engine = createEngine({ procedures: catalogue.procedures, common: catalogue.common });
  const results: EnginePackResult[] = [];
  for (const pack of Object.keys(RUNS) as Pack[]) {
    const typical = fullRun(engine, pack, false);
    const worst = fullRun(engine, pack, true);
    const texts = RUNS[pack].texts;
    // Warm the JIT on this pack, then measure.
    for (let i = 0; i < 200; i++) fullRun(engine, pack, false);
    const samples: number[] = [];
    let peak = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let stored = persist(engine.start(NOW).state);
    for (let n = 0, k = 1; n < o.turns; n++, k++) {
      if (k === texts.length) {
        k = 1;
        stored = persist(engine.start(NOW).state);
      }
      const a = performance.now();
      const state = restore(stored);
      const r = engine.step(state, { type: 'text', text: texts[k]! }, NOW);
      stored = persist(r.state);
      samples.push((performance.now() - a) * 1000);
      if ((n & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage().rss);
    results.push({
      pack,
      turnsPerRun: typical.turns,
      turns: o.turns,
      latencyUs: summarise(samples),
      turnsPerSecond: round((o.turns / wall) * 1000),
      cpuUsPerTurn: round((cpu.user + cpu.system) / o.turns),
      peakRssMb: round(peak / 1048576),
      stateBytes: { typical: Buffer.byteLength(typical.stored), worst: Buffer.byteLength(worst.stored) },
    });
  }
  return results;
}
