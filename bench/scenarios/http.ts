/**
 * Scenarios 2–4: Teams over POST /api/messages and Slack over POST /slack/events, against our bot on the embedded
 * store and on PostgreSQL, the floor (a bare CloudAdapter echo bot) and the peer (the Nottingham City flow in
 * botbuilder-dialogs over the same SQLite durability). Every server is its own process; the load generator runs here.
 *
 * Interleaving: at each concurrency level the systems take turns, round after round, in a rotating order, so drift
 * of the machine (thermal, other work) lands on all of them alike; ratios are taken round by round.
 */
import { cpuMs, PeakRss, type ServerProcess } from '../lib/proc';
import type { FakeConnector } from '../lib/fake-connector';
import type { FakeSlackApi } from '../lib/fake-slack';
import { LoopbackClient } from '../lib/http';
import { runLoad, type LoadResult, type Workload } from '../lib/load';
import { countsSince, type ReplyCounts } from '../lib/reply-book';
import { median, round, summarise, type LatencySummary } from '../lib/stats';
import { RUNS, slackWorkload, teamsWorkload, type Pack } from '../lib/workloads';

export type SystemName = 'floor' | 'ours-sqlite' | 'ours-postgres' | 'peer';

export interface PhaseResult {
  system: string;
  channel: 'teams' | 'slack';
  pack: Pack | 'echo' | 'both';
  concurrency: number;
  rounds: number;
  turns: number;
  /** Time from sending a message to its reply's arrival at the fake platform, ms. */
  replyMs: LatencySummary;
  /** Time to the HTTP answer (Teams: the POST's 200; Slack: the acknowledgement), ms. */
  ackMs?: LatencySummary;
  turnsPerSecond: number;
  cpuMsPerTurn: number;
  peakRssMb: number;
  runsCompleted: number;
  runsWrong: number;
  /** Failed turns, lost replies included (each abandons its run). */
  errors: number;
  /** Turns whose reply did not reach the fake platform within the reply deadline. */
  lostReplies: number;
  /** Replies or updates the fake received twice with the same body in the same conversation. */
  duplicates: number;
  firstError: string | null;
}

/** Something that counts what it received: the fake Bot Connector or the fake Slack Web API. */
export interface Counting {
  counts(): ReplyCounts;
}

export interface RatioResult {
  concurrency: number;
  /** Medians over rounds of ours-sqlite ÷ the baseline (p99: lower is better; throughput: higher is better). */
  p99VsFloor: number;
  throughputVsFloor: number;
  throughputVsPeer: number;
  p99VsPeer: number;
  perRound: { p99VsFloor: number; throughputVsFloor: number; throughputVsPeer: number }[];
}

export interface Budget {
  levels: number[];
  rounds: number;
  turns: (concurrency: number) => number;
  warmup: (concurrency: number) => number;
  deadlineMs: number;
}

interface Measured {
  load: LoadResult;
  cpuMs: number;
  peakRssMb: number;
  /** What the fake platform received during the measurement. */
  received: ReplyCounts;
}

async function measure(proc: ServerProcess, workload: Workload, concurrency: number, budget: Budget, fake: Counting): Promise<Measured> {
  // Warm-up: opens the keep-alive connections and warms the JIT; not counted.
  await runLoad(workload, { concurrency, maxTurns: budget.warmup(concurrency), deadlineMs: budget.deadlineMs });
  const peak = new PeakRss(proc.pid);
  const cpu0 = cpuMs(proc.pid);
  const before = fake.counts();
  peak.start();
  const load = await runLoad(workload, { concurrency, maxTurns: budget.turns(concurrency), deadlineMs: budget.deadlineMs });
  return { load, cpuMs: cpuMs(proc.pid) - cpu0, peakRssMb: peak.stop(), received: countsSince(before, fake.counts()) };
}

/** " (2 errors, 1 lost, 0 wrong: <first error>)" when anything went wrong in a measurement, else "". */
function troubles(m: Measured): string {
  const { errors, lostReplies, runsWrong, firstError } = m.load;
  const dup = m.received.duplicates;
  if (!errors && !runsWrong && !dup) return '';
  return `, ${errors} errors (${lostReplies} lost replies), ${runsWrong} wrong, ${dup} duplicates${firstError ? `; first: ${firstError}` : ''}`;
}

function pooled(system: string, channel: 'teams' | 'slack', pack: PhaseResult['pack'], concurrency: number, ms: Measured[]): PhaseResult {
  const reply = ms.flatMap((m) => m.load.replyMs);
  const ack = ms.flatMap((m) => m.load.ackMs);
  const turns = ms.reduce((s, m) => s + m.load.turns, 0);
  const wall = ms.reduce((s, m) => s + m.load.wallMs, 0);
  return {
    system,
    channel,
    pack,
    concurrency,
    rounds: ms.length,
    turns,
    replyMs: summarise(reply),
    ...(ack.length > 0 && { ackMs: summarise(ack) }),
    turnsPerSecond: round((turns / wall) * 1000),
    cpuMsPerTurn: round(ms.reduce((s, m) => s + m.cpuMs, 0) / Math.max(1, turns)),
    peakRssMb: round(Math.max(...ms.map((m) => m.peakRssMb))),
    runsCompleted: ms.reduce((s, m) => s + m.load.runsCompleted, 0),
    runsWrong: ms.reduce((s, m) => s + m.load.runsWrong, 0),
    errors: ms.reduce((s, m) => s + m.load.errors, 0),
    lostReplies: ms.reduce((s, m) => s + m.load.lostReplies, 0),
    duplicates: ms.reduce((s, m) => s + m.received.duplicates, 0),
    firstError: ms.map((m) => m.load.firstError).find((e) => e !== null) ?? null,
  };
}

const tps = (m: Measured) => (m.load.turns / m.load.wallMs) * 1000;
const p99 = (m: Measured) => summarise(m.load.replyMs).p99;

/**
 * A server under test that can be started afresh. Each measurement runs on a new process (same data folder): one
 * process can run 20-30% faster or slower than the next for its whole life (JIT and memory layout), and a fresh
 * process per round spreads that over the rounds instead of pinning it on one system.
 */
export interface Restartable {
  /** Stops the running process, if any, and starts a new one. */
  restart(): Promise<ServerProcess>;
  /** The running process, started if there is none. */
  ensure(): Promise<ServerProcess>;
}

export interface TeamsSystems {
  floor: Restartable;
  peer: Restartable;
  oursSqlite: Restartable;
  oursPostgres: Restartable | null;
}

export async function runTeamsScenario(systems: TeamsSystems, connector: FakeConnector, budget: Budget, progress: (line: string) => void) {
  const phases: PhaseResult[] = [];
  const ratios: RatioResult[] = [];
  const maxC = Math.max(...budget.levels);
  const clients = new Map<string, LoopbackClient>();
  const clientOf = (name: string) => {
    let c = clients.get(name);
    if (!c) clients.set(name, (c = new LoopbackClient(maxC + 8)));
    return c;
  };
  const nottingham = RUNS['nottingham-city'];
  const ours = (name: string, pack: Pack) => (proc: ServerProcess) =>
    teamsWorkload(name, { client: clientOf(name), bot: proc.base, connector, texts: () => RUNS[pack].texts, outcome: () => RUNS[pack].outcome });
  // The floor gets as many messages per conversation as a Nottingham City run, and must echo the last one.
  const floorWorkload = (proc: ServerProcess) =>
    teamsWorkload('floor', { client: clientOf('floor'), bot: proc.base, connector, texts: () => nottingham.texts, outcome: (_i, texts) => `echo: ${texts.at(-1)}` });
  const peerWorkload = (proc: ServerProcess) =>
    teamsWorkload('peer', { client: clientOf('peer'), bot: proc.base, connector, texts: () => nottingham.texts, outcome: () => nottingham.outcome });

  const entries: { name: SystemName; system: Restartable; workload: (proc: ServerProcess) => Workload }[] = [
    { name: 'floor', system: systems.floor, workload: floorWorkload },
    { name: 'ours-sqlite', system: systems.oursSqlite, workload: ours('ours-sqlite', 'nottingham-city') },
    { name: 'peer', system: systems.peer, workload: peerWorkload },
    ...(systems.oursPostgres ? [{ name: 'ours-postgres' as const, system: systems.oursPostgres, workload: ours('ours-postgres', 'nottingham-city') }] : []),
  ];

  const levels = async () => {
    for (const c of budget.levels) {
      const byName = new Map<SystemName, Measured[]>();
      for (let r = 0; r < budget.rounds; r++) {
        const order = entries.map((_, i) => entries[(i + r) % entries.length]!);
        for (const e of order) {
          // A new process for every round after the first (the first keeps the one from the level before).
          const proc = r === 0 ? await e.system.ensure() : await e.system.restart();
          const m = await measure(proc, e.workload(proc), c, budget, connector);
          byName.set(e.name, [...(byName.get(e.name) ?? []), m]);
          progress(`teams ${e.name} c=${c} round ${r + 1}: ${Math.round(tps(m))} turns/s, reply p99 ${p99(m).toFixed(1)} ms${troubles(m)}`);
        }
      }
      for (const e of entries) phases.push(pooled(e.name, 'teams', e.name === 'floor' ? 'echo' : 'nottingham-city', c, byName.get(e.name)!));
      const perRound = Array.from({ length: budget.rounds }, (_, r) => {
        const o = byName.get('ours-sqlite')![r]!;
        const f = byName.get('floor')![r]!;
        const p = byName.get('peer')![r]!;
        return { p99VsFloor: p99(o) / p99(f), throughputVsFloor: tps(o) / tps(f), throughputVsPeer: tps(o) / tps(p), p99VsPeer: p99(o) / p99(p) };
      });
      ratios.push({
        concurrency: c,
        p99VsFloor: round(median(perRound.map((x) => x.p99VsFloor))),
        throughputVsFloor: round(median(perRound.map((x) => x.throughputVsFloor))),
        throughputVsPeer: round(median(perRound.map((x) => x.throughputVsPeer))),
        p99VsPeer: round(median(perRound.map((x) => x.p99VsPeer))),
        perRound: perRound.map((x) => ({ p99VsFloor: round(x.p99VsFloor), throughputVsFloor: round(x.throughputVsFloor), throughputVsPeer: round(x.throughputVsPeer) })),
      });

      // Sandwell runs on both stores, once per level (the peer only has Nottingham City, so no ratio).
      for (const [name, system] of [['ours-sqlite', systems.oursSqlite], ['ours-postgres', systems.oursPostgres]] as const) {
        if (!system) continue;
        const proc = await system.ensure();
        const m = await measure(proc, ours(name, 'sandwell')(proc), c, budget, connector);
        phases.push(pooled(name, 'teams', 'sandwell', c, [m]));
        progress(`teams ${name} sandwell c=${c}: ${Math.round(tps(m))} turns/s, reply p99 ${p99(m).toFixed(1)} ms${troubles(m)}`);
      }
    }
  };

  try {
    await levels();
  } finally {
    for (const c of clients.values()) c.close();
  }
  return { phases, ratios };
}

export async function runSlackScenario(bot: Restartable, api: FakeSlackApi, signingSecret: string, budget: Budget, progress: (line: string) => void): Promise<PhaseResult[]> {
  const client = new LoopbackClient(Math.max(...budget.levels) + 8);
  const workload = (proc: ServerProcess) => slackWorkload('ours-sqlite', { client, bot: proc.base, api, signingSecret, pack: (i) => (i % 2 === 0 ? 'nottingham-city' : 'sandwell') });
  const phases: PhaseResult[] = [];
  try {
    for (const c of budget.levels) {
      const ms: Measured[] = [];
      for (let r = 0; r < budget.rounds; r++) {
        const proc = r === 0 ? await bot.ensure() : await bot.restart();
        const m = await measure(proc, workload(proc), c, budget, api);
        ms.push(m);
        progress(`slack c=${c} round ${r + 1}: ${Math.round(tps(m))} turns/s, reply p99 ${p99(m).toFixed(1)} ms${troubles(m)}`);
      }
      const p = pooled('ours-sqlite', 'slack', 'both', c, ms);
      phases.push(p);
      progress(`slack c=${c}: ${Math.round(p.turnsPerSecond)} turns/s, ack p99 ${p.ackMs?.p99.toFixed(1)} ms, reply p99 ${p.replyMs.p99.toFixed(1)} ms`);
    }
  } finally {
    client.close();
  }
  return phases;
}
