/** The bench's results file, its targets (judged here, by the bench itself) and the Markdown table. */
import type { EnginePackResult } from './scenarios/engine';
import type { FaultsResult } from './scenarios/faults';
import type { PhaseResult, RatioResult } from './scenarios/http';
import type { StartupSample } from './scenarios/startup';
import type { LatencySummary } from './lib/stats';
import { REPLY_DEADLINE_MS } from './lib/workloads';

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** A full run has every section; --only leaves out the scenarios it did not run. */
export interface BenchResults {
  ranAt: string;
  quick: boolean;
  /** The scenarios of an --only run; null for a run of them all. */
  only: string[] | null;
  durationSeconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; kernel: string; sqlite: string; postgres: string | null };
  budget: { levels: number[]; rounds: number; turns: Record<string, number>; scaleRecords: number; starts: number };
  engine?: EnginePackResult[];
  teams?: PhaseResult[];
  ratios?: RatioResult[];
  slack?: PhaseResult[];
  faults?: FaultsResult[];
  startup?: { fresh: StartupSample; existing: StartupSample; existingDev: StartupSample };
  scale?: {
    records: number;
    seedMs: number;
    idleRssMb: number;
    underLoad: {
      concurrency: number;
      turns: number;
      replyMs: LatencySummary;
      ackMs: LatencySummary;
      turnsPerSecond: number;
      peakRssMb: number;
      runsWrong: number;
      errors: number;
      lostReplies: number;
      firstError: string | null;
    };
    retention: { ms: number; deleted: Record<string, number> };
  };
  targets: Target[];
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** Runs that ended anywhere but their outcome, plus turns that failed for any reason but a lost reply. */
const wrongOf = (p: { runsWrong: number; errors: number; lostReplies: number }) => p.runsWrong + p.errors - p.lostReplies;

export function targetsOf(r: BenchResults): Target[] {
  const targets: Target[] = [];
  const top = Math.max(...r.budget.levels);
  if (r.ratios) {
    const ratio = r.ratios.find((x) => x.concurrency === top);
    targets.push(
      { name: `Teams turn p99 vs the floor at ${top} conversations`, target: '≤ 1.25 ×', measured: `${f(ratio?.p99VsFloor ?? NaN, 2)} ×`, met: (ratio?.p99VsFloor ?? Infinity) <= 1.25 },
      { name: `Teams throughput vs the floor at ${top}`, target: '≥ 0.85 ×', measured: `${f(ratio?.throughputVsFloor ?? NaN, 2)} ×`, met: (ratio?.throughputVsFloor ?? 0) >= 0.85 },
      { name: `Teams throughput vs the peer at ${top} (same SQLite durability)`, target: '≥ 1.3 ×', measured: `${f(ratio?.throughputVsPeer ?? NaN, 2)} ×`, met: (ratio?.throughputVsPeer ?? 0) >= 1.3 },
    );
  }
  if (r.slack) {
    const slack = r.slack.find((x) => x.concurrency === top);
    targets.push({ name: `Slack acknowledgement p99 at ${top}`, target: '≤ 50 ms', measured: `${f(slack?.ackMs?.p99 ?? NaN)} ms`, met: (slack?.ackMs?.p99 ?? Infinity) <= 50 });
  }
  if (r.engine) {
    const stateMax = Math.max(...r.engine.map((e) => e.stateBytes.worst));
    // The bench's worst case: every indicator of every list, the longest case reference. tests/engine/stored-size.test.ts
    // holds every path of both packs with detours (self-check, emergency, back) to the same bound.
    targets.push({ name: 'Stored state per conversation (full run, every indicator ticked, longest case reference)', target: '≤ 2048 B', measured: `${stateMax} B`, met: stateMax <= 2048 });
  }
  if (r.startup) {
    targets.push({ name: `Ready with an existing data folder (${r.budget.scaleRecords} records), median of ${r.budget.starts}`, target: '≤ 1500 ms', measured: `${f(r.startup.existing.median, 0)} ms`, met: r.startup.existing.median <= 1500 });
  }
  if (r.teams || r.scale) {
    const rss = Math.max(r.scale?.underLoad.peakRssMb ?? 0, ...(r.teams ?? []).filter((p) => p.system === 'ours-sqlite').map((p) => p.peakRssMb));
    targets.push({ name: 'Resident memory under load (peak)', target: '≤ 300 MB', measured: `${f(rss, 0)} MB`, met: rss <= 300 });
  }
  const loads = [...(r.teams ?? []), ...(r.slack ?? []), ...(r.scale ? [r.scale.underLoad] : [])];
  if (loads.length) {
    const lost = loads.reduce((s, p) => s + p.lostReplies, 0);
    const wrong = loads.reduce((s, p) => s + wrongOf(p), 0);
    targets.push({
      name: 'Lost replies / runs that ended anywhere but their outcome, or failed',
      target: '0 lost / 0 wrong',
      measured: `${lost} lost / ${wrong} wrong`,
      met: lost === 0 && wrong === 0,
    });
  }
  for (const x of r.faults ?? []) {
    const wrong = wrongOf(x);
    targets.push({
      name: `${x.channel === 'teams' ? 'Teams' : 'Slack'} under platform faults (${x.faultsText}), ${x.concurrency} conversations: lost replies / duplicates / wrong runs`,
      target: '0 / 0 / 0',
      measured: `${x.lostReplies} / ${x.duplicates} / ${wrong}`,
      met: x.lostReplies === 0 && x.duplicates === 0 && wrong === 0,
    });
  }
  return targets;
}

function phaseRow(p: PhaseResult): string {
  const ack = p.ackMs ? `${f(p.ackMs.p50)} / ${f(p.ackMs.p99)}` : '–';
  return `| ${p.channel} | ${p.system} | ${p.pack} | ${p.concurrency} | ${p.turns} | ${f(p.replyMs.p50)} | ${f(p.replyMs.p95)} | ${f(p.replyMs.p99)} | ${ack} | ${f(p.turnsPerSecond, 0)} | ${f(p.cpuMsPerTurn, 2)} | ${f(p.peakRssMb, 0)} | ${p.runsCompleted} / ${wrongOf(p)} | ${p.lostReplies} |`;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  const kind = r.only ? ` (**--only ${r.only.join(',')}**${r.quick ? ', --quick' : ''}: a partial run)` : r.quick ? ' (**--quick**: small budgets, a smoke check, not figures to quote)' : '';
  lines.push(`Run ${r.ranAt}${kind}, ${f(r.durationSeconds, 0)} s. Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}, SQLite ${m.sqlite}, PostgreSQL ${m.postgres ?? 'not reached'}. Rounds per level: ${r.budget.rounds}; turns per phase: ${Object.entries(r.budget.turns).map(([c, t]) => `${t} at ${c}`).join(', ')}.`);
  lines.push('', '**Targets** (embedded store)', '', '| target | wanted | measured | met |', '|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  if (r.ratios?.length) {
    lines.push('', '**Ours ÷ baselines**, medians of per-round ratios (p99: lower is better; throughput: higher is better)', '', '| conversations | p99 ÷ floor | throughput ÷ floor | p99 ÷ peer | throughput ÷ peer |', '|---|---|---|---|---|');
    for (const x of r.ratios) lines.push(`| ${x.concurrency} | ${f(x.p99VsFloor, 2)} | ${f(x.throughputVsFloor, 2)} | ${f(x.p99VsPeer, 2)} | ${f(x.throughputVsPeer, 2)} |`);
  }
  const phases = [...(r.teams ?? []), ...(r.slack ?? [])];
  if (phases.length) {
    lines.push('', `**Turns over HTTP** (latency in ms from sending a message to its reply reaching the fake Bot Connector or Slack Web API; ack: the HTTP answer to the message; wrong: runs that ended anywhere but their outcome, or failed; lost: replies not in within ${f(REPLY_DEADLINE_MS / 1000, 0)} s)`, '');
    lines.push('| channel | system | pack | conv. | turns | p50 | p95 | p99 | ack p50 / p99 | turns/s | CPU ms/turn | peak RSS MB | runs / wrong | lost |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const p of phases) lines.push(phaseRow(p));
  }
  if (r.faults?.length) {
    const x0 = r.faults[0]!;
    lines.push('', `**Replies under platform faults** (our bot, SQLite; the fake platform fails ${x0.faultsText} of its calls; latency in ms to the reply's arrival; lost: no reply within ${f(x0.replyDeadlineMs / 1000, 0)} s; duplicate: a body received twice in one conversation; late: a lost reply that came after all)`, '');
    lines.push('| channel | conv. | turns | p50 | p95 | p99 | ack p50 / p99 | turns/s | CPU ms/turn | runs / wrong | lost | duplicates | late | calls: 429 / 500 / delayed |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const x of r.faults) {
      lines.push(
        `| ${x.channel} | ${x.concurrency} | ${x.turns} | ${f(x.replyMs.p50)} | ${f(x.replyMs.p95)} | ${f(x.replyMs.p99)} | ${f(x.ackMs.p50)} / ${f(x.ackMs.p99)} | ${f(x.turnsPerSecond, 0)} | ${f(x.cpuMsPerTurn, 2)} | ${x.runsCompleted} / ${wrongOf(x)} | ${x.lostReplies} | ${x.duplicates} | ${x.lateReplies} | ${x.received.failed429} / ${x.received.failed500} / ${x.received.delayed} of ${x.received.calls} |`,
      );
    }
  }
  if (r.engine) {
    lines.push('', '**Engine alone** (restore → step → persist, in process)', '', '| pack | turns | p50 µs | p95 µs | p99 µs | turns/s | CPU µs/turn | peak RSS MB | state B typical | state B worst |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const e of r.engine) lines.push(`| ${e.pack} | ${e.turns} | ${f(e.latencyUs.p50, 0)} | ${f(e.latencyUs.p95, 0)} | ${f(e.latencyUs.p99, 0)} | ${f(e.turnsPerSecond, 0)} | ${f(e.cpuUsPerTurn, 0)} | ${f(e.peakRssMb, 0)} | ${e.stateBytes.typical} | ${e.stateBytes.worst} |`);
  }
  const s = r.startup;
  if (s) {
    lines.push('', '**Start-up** (spawn of `node dist/main.js` to the first 200 from /healthz, ms)', '', '| data folder | median | max | samples |', '|---|---|---|---|');
    lines.push(`| fresh | ${f(s.fresh.median, 0)} | ${f(s.fresh.max, 0)} | ${s.fresh.samples.map((x) => f(x, 0)).join(', ')} |`);
    lines.push(`| existing (${r.budget.scaleRecords} records) | ${f(s.existing.median, 0)} | ${f(s.existing.max, 0)} | ${s.existing.samples.map((x) => f(x, 0)).join(', ')} |`);
    lines.push(`| existing, from the sources through tsx (\`npm run dev\`, for comparison) | ${f(s.existingDev.median, 0)} | ${f(s.existingDev.max, 0)} | ${s.existingDev.samples.map((x) => f(x, 0)).join(', ')} |`);
  }
  const sc = r.scale;
  if (sc) {
    const u = sc.underLoad;
    lines.push('', `**Scale of records** (${sc.records} stored conversations and case records)`, '', '| measure | value |', '|---|---|');
    lines.push(`| written through the store's turn commit | ${f(sc.seedMs, 0)} ms |`);
    lines.push(`| RSS after start-up, idle | ${f(sc.idleRssMb, 0)} MB |`);
    lines.push(`| Teams turn at ${u.concurrency} conversations, p50 / p95 / p99 | ${f(u.replyMs.p50)} / ${f(u.replyMs.p95)} / ${f(u.replyMs.p99)} ms (${f(u.turnsPerSecond, 0)} turns/s${wrongOf(u) || u.lostReplies ? `; ${u.lostReplies} lost, ${wrongOf(u)} wrong` : ''}) |`);
    lines.push(`| peak RSS under that load | ${f(u.peakRssMb, 0)} MB |`);
    lines.push(`| retention run removing them all | ${f(sc.retention.ms, 0)} ms (${Object.entries(sc.retention.deleted).map(([k, v]) => `${v} ${k}`).join(', ')}) |`);
  }
  return `${lines.join('\n')}\n`;
}
