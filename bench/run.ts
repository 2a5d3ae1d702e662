/**
 * npm run bench [-- --quick] [-- --only <scenario>[,<scenario>…]]: every scenario of docs/benchmarks.md in one run
 * on this machine, then bench/results/latest.json, bench/results/latest.md and the table in docs/benchmarks.md
 * (--quick: quick.json and quick.md only; --only: partial.json and partial.md only; both git-ignored).
 *
 * Scenarios: engine, teams, slack, faults, scale, startup (see SCENARIOS).
 *
 * Everything talks over loopback only: the bots, a fake Bot Connector and a fake Slack Web API run here. The load is
 * bounded in turns and in time. Nothing a bot does or fails to do ends the run: a failed turn or a lost reply is
 * counted in its scenario's results. Every process started is stopped at the end, on failure, and on SIGINT/SIGTERM
 * (bench/lib/proc.ts keeps them all).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { FakeConnector } from './lib/fake-connector';
import { FakeSlackApi } from './lib/fake-slack';
import { LoopbackClient } from './lib/http';
import { installExitHandlers, leaving, PeakRss, ROOT, rssMb, runningChildren, startServer, stopAllChildren, stopServer, type ServerProcess } from './lib/proc';
import { round, summarise } from './lib/stats';
import { teamsWorkload, RUNS } from './lib/workloads';
import { runLoad } from './lib/load';
import { runEngineScenario } from './scenarios/engine';
import { runFaultsScenario, type FaultsBudget } from './scenarios/faults';
import { runSlackScenario, runTeamsScenario, type Budget, type Restartable } from './scenarios/http';
import { startupSamples } from './scenarios/startup';
import { seedRecords, timeRetention } from './scenarios/scale';
import { renderMarkdown, targetsOf, type BenchResults } from './report';
import { build } from '../src/cli/build';

const OURS = 'dist/main.js';
/** Node's flags for our bot, read from `npm start` so the bench runs it exactly as started there. */
const OURS_NODE_ARGS = ((): string[] => {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const m = /\bnode((?:\s+--\S+)*)\s+dist\/main\.js/.exec(start);
  if (!m) throw new Error(`package.json's start script does not run dist/main.js with node: ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
})();

const SCENARIOS = ['engine', 'teams', 'slack', 'faults', 'scale', 'startup'] as const;
type Scenario = (typeof SCENARIOS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** --only a,b or --only=a,b: just these scenarios (results go to partial.{json,md}). */
const only = ((): Set<Scenario> | null => {
  const i = args.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return null;
  const value = args[i]!.includes('=') ? args[i]!.slice('--only='.length) : (args[i + 1] ?? '');
  const names = value.split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length) {
    process.stderr.write(`bench: --only takes scenarios from ${SCENARIOS.join(', ')} (got "${value}")\n`);
    process.exit(2);
  }
  return new Set(names as Scenario[]);
})();
const want = (s: Scenario) => only === null || only.has(s);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIGNING_SECRET = 'bench-signing-secret-5a1c0f2e9d';
const BOT_TOKEN = 'xoxb-0000-bench-token';

const budget: Budget = quick
  ? { levels: [1, 50, 200], rounds: 1, turns: (c) => (c === 1 ? 60 : c * 3), warmup: (c) => (c === 1 ? 20 : c), deadlineMs: 6000 }
  : { levels: [1, 50, 200], rounds: 3, turns: (c) => (c === 1 ? 400 : Math.max(3000, c * 25)), warmup: (c) => (c === 1 ? 100 : c * 4), deadlineMs: 60000 };
const SCALE_RECORDS = quick ? 1000 : 10000;
const STARTS = quick ? 2 : 5;
/**
 * The faults scenario: 200 conversations (50 in --quick); a reply not in within 60 s is lost (20 s in --quick). The
 * load stops starting turns after `deadlineMs`, so against a bot that loses replies the scenario ends about a reply
 * deadline after that.
 */
const FAULTS_BUDGET: FaultsBudget = quick
  ? { concurrency: 50, warmupTurns: 50, turns: 1000, deadlineMs: 10000, replyDeadlineMs: 20000, settleMs: 2000 }
  : { concurrency: 200, warmupTurns: 400, turns: 3000, deadlineMs: 60000, replyDeadlineMs: 60000, settleMs: 5000 };
/** Slack under faults too: in a full run, or when asked for (--only faults); --quick alone runs Teams only. */
const FAULTS_SLACK = !quick || only !== null;

const folders: string[] = [];
let pgSchema: string | null = null;

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const folder = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `cse-bench-${name}-`));
  folders.push(dir);
  return dir;
};

function start(name: string, entry: string, env: Record<string, string>): Promise<ServerProcess> {
  return startServer(name, entry, env, { nodeArgs: entry === OURS ? OURS_NODE_ARGS : [] });
}

const stop = stopServer;

/** A system the HTTP scenarios restart before each measurement (same entry, environment and data folder). */
function restartable(name: string, entry: string, env: Record<string, string>): Restartable & { stop(): Promise<void> } {
  let current: ServerProcess | null = null;
  return {
    async restart() {
      if (current) await stop(current);
      current = await start(name, entry, env);
      return current;
    },
    async ensure() {
      current ??= await start(name, entry, env);
      return current;
    },
    async stop() {
      if (current) await stop(current);
      current = null;
    },
  };
}

async function postgres(): Promise<{ url: string; version: string } | null> {
  const client = new Client({ connectionString: PG_URL });
  try {
    await client.connect();
    const version = (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?';
    pgSchema = `bench_${process.pid}`;
    await client.query(`create schema ${pgSchema}`);
    return { url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pgSchema}`)}`, version };
  } catch (e) {
    log(`PostgreSQL not reachable at ${PG_URL} (${e instanceof Error ? e.message : String(e)}): its rows are skipped`);
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let cleaned: Promise<void> | null = null;
/** Stops every server process, drops the PostgreSQL schema, removes the data folders; once, whoever asks first. */
function cleanUp(): Promise<void> {
  cleaned ??= (async () => {
    const left = runningChildren();
    if (left.length) log(`stopping ${left.length} server process(es): ${left.map((c) => c.pid).join(', ')}`);
    await stopAllChildren();
    await dropSchema();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaned;
}

async function dropSchema(): Promise<void> {
  if (pgSchema) {
    const client = new Client({ connectionString: PG_URL });
    await client.connect().then(() => client.query(`drop schema if exists ${pgSchema} cascade`)).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

function machine(pgVersion: string | null) {
  const db = new BetterSqlite3(':memory:');
  const sqlite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    sqlite,
    postgres: pgVersion,
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  log(`bench ${quick ? '--quick ' : ''}${only ? `--only ${[...only].join(',')} ` : ''}starting`);
  // Our bot runs as `npm start` runs it: the bundle, built from the sources now.
  const built = build();
  log(`built ${built.file}; our bot runs as: node ${[...OURS_NODE_ARGS, OURS].join(' ')}`);
  const pg = want('teams') ? await postgres() : null;
  const results: BenchResults = {
    ranAt: new Date().toISOString(),
    quick,
    only: only ? [...only] : null,
    durationSeconds: 0,
    machine: machine(pg?.version ?? null),
    budget: { levels: budget.levels, rounds: budget.rounds, turns: Object.fromEntries(budget.levels.map((c) => [c, budget.turns(c)])), scaleRecords: SCALE_RECORDS, starts: STARTS },
    targets: [],
  };

  // 1. Engine alone.
  if (want('engine')) {
    results.engine = runEngineScenario({ turns: quick ? 3000 : 30000 });
    for (const e of results.engine) log(`engine ${e.pack}: p50 ${e.latencyUs.p50.toFixed(0)} µs, state ${e.stateBytes.typical} B (worst ${e.stateBytes.worst} B)`);
  }

  const connector = new FakeConnector();
  await connector.listen();
  const slackApi = new FakeSlackApi();
  await slackApi.listen();
  try {
    // 2–4. Teams and Slack over HTTP, with the baselines.
    if (want('teams') || want('slack')) {
      const floor = restartable('floor', 'bench/baselines/floor-bot.ts', {});
      const peer = restartable('peer', 'bench/baselines/peer-bot.ts', { DATA_DIR: folder('peer') });
      const oursSqlite = restartable('ours-sqlite', OURS, { DATA_DIR: folder('ours'), SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slackApi.url });
      const oursPostgres = pg ? restartable('ours-postgres', OURS, { DATA_DIR: folder('ours-pg'), DATABASE_URL: pg.url }) : null;
      try {
        if (want('teams')) {
          const teams = await runTeamsScenario({ floor, peer, oursSqlite, oursPostgres }, connector, budget, log);
          results.teams = teams.phases;
          results.ratios = teams.ratios;
        }
        if (want('slack')) results.slack = await runSlackScenario(oursSqlite, slackApi, SIGNING_SECRET, budget, log);
      } finally {
        for (const s of [floor, peer, oursSqlite, oursPostgres]) await s?.stop();
      }
    }

    // 7. Replies under platform faults: our bot on SQLite, a fake platform of its own that fails and delays calls.
    if (want('faults')) {
      results.faults = [];
      const channels: ('teams' | 'slack')[] = FAULTS_SLACK ? ['teams', 'slack'] : ['teams'];
      for (const channel of channels) {
        const env = (url: string): Record<string, string> =>
          channel === 'teams' ? { DATA_DIR: folder(`faults-${channel}`) } : { DATA_DIR: folder(`faults-${channel}`), SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: url };
        const startBot = async (url: string) => {
          const proc = await start(`ours-faults-${channel}`, OURS, env(url));
          return { proc, stop: () => stop(proc) };
        };
        results.faults.push(await runFaultsScenario(channel, startBot, { budget: FAULTS_BUDGET, signingSecret: SIGNING_SECRET, progress: log }));
      }
    }

    // 6 (first, as 5 starts on its data). Scale of records.
    if (want('scale') || want('startup')) {
      const scaleDir = folder('scale');
      const seeded = await seedRecords(scaleDir, SCALE_RECORDS);
      log(`scale: ${SCALE_RECORDS} conversations and case records written in ${seeded.ms} ms`);

      // 5. Start-up, fresh and on the data folder just filled.
      if (want('startup')) {
        const fresh = await startupSamples(OURS, OURS_NODE_ARGS, () => ({ DATA_DIR: folder('fresh') }), STARTS);
        const existing = await startupSamples(OURS, OURS_NODE_ARGS, () => ({ DATA_DIR: scaleDir }), STARTS);
        const existingDev = await startupSamples('src/main.ts', [], () => ({ DATA_DIR: scaleDir }), STARTS);
        results.startup = { fresh, existing, existingDev };
        log(`start-up: fresh median ${fresh.median} ms, existing median ${existing.median} ms (tsx: ${existingDev.median} ms)`);
      }

      if (want('scale')) results.scale = await scaleUnderLoad(scaleDir, seeded.ms, connector);
    }
  } finally {
    await connector.close();
    await slackApi.close();
  }

  results.targets = targetsOf(results);
  results.durationSeconds = round((performance.now() - t0) / 1000);
  const outDir = join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  // A smoke check or a partial run does not replace the figures of the last full run.
  const name = only ? 'partial' : quick ? 'quick' : 'latest';
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const md = renderMarkdown(results);
  writeFileSync(join(outDir, `${name}.md`), md);
  if (name === 'latest') {
    const docs = join(ROOT, 'docs/benchmarks.md');
    const text = readFileSync(docs, 'utf8');
    const begin = '<!-- bench:begin -->';
    const end = '<!-- bench:end -->';
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i >= 0 && j > i) writeFileSync(docs, `${text.slice(0, i + begin.length)}\n${md}\n${text.slice(j)}`);
  }
  process.stdout.write(`\n${md}\n`);
  for (const t of results.targets) if (!t.met) log(`target missed: ${t.name}: ${t.measured} (target ${t.target})`);
  log(`done in ${results.durationSeconds} s; results in bench/results/${name}.{json,md}`);
}

/** Scenario 6's load: the bot on the folder of seeded records, its memory idle and under the top Teams load; then retention. */
async function scaleUnderLoad(scaleDir: string, seedMs: number, connector: FakeConnector): Promise<NonNullable<BenchResults['scale']>> {
  const bot = await start('ours-scale', OURS, { DATA_DIR: scaleDir });
  const idleRssMb = round(rssMb(bot.pid));
  const c = Math.max(...budget.levels);
  const client = new LoopbackClient(c + 8);
  let load: Awaited<ReturnType<typeof runLoad>>;
  let peakRssMb: number;
  try {
    const pack = (i: number) => RUNS[i % 2 ? 'sandwell' : 'nottingham-city'];
    const workload = teamsWorkload('scale', { client, bot: bot.base, connector, texts: (i) => pack(i).texts, outcome: (i) => pack(i).outcome });
    await runLoad(workload, { concurrency: c, maxTurns: budget.warmup(c), deadlineMs: budget.deadlineMs });
    const peak = new PeakRss(bot.pid);
    peak.start();
    load = await runLoad(workload, { concurrency: c, maxTurns: budget.turns(c), deadlineMs: budget.deadlineMs });
    peakRssMb = round(peak.stop());
  } finally {
    client.close();
    await stop(bot);
  }
  const retention = await timeRetention(scaleDir);
  log(`scale: idle RSS ${idleRssMb} MB, peak under load ${peakRssMb} MB, retention ${retention.ms} ms${load.errors || load.runsWrong ? `; ${load.errors} errors (${load.lostReplies} lost replies), ${load.runsWrong} wrong; first: ${load.firstError}` : ''}`);
  return {
    records: SCALE_RECORDS,
    seedMs,
    idleRssMb,
    underLoad: {
      concurrency: c,
      turns: load.turns,
      replyMs: summarise(load.replyMs),
      ackMs: summarise(load.ackMs),
      turnsPerSecond: round((load.turns / load.wallMs) * 1000),
      peakRssMb,
      runsWrong: load.runsWrong,
      errors: load.errors,
      lostReplies: load.lostReplies,
      firstError: load.firstError,
    },
    retention,
  };
}

installExitHandlers(cleanUp, log);
main()
  .catch((e: unknown) => {
    // Once a signal is being handled, what fails in the scenarios is its echo (servers stopped under them).
    if (leaving() !== null) return;
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (leaving() !== null) return; // the exit handler cleans up and exits with its own code
    await cleanUp();
    // Nothing may keep the bench alive once it is done (a socket or timer left by a failed scenario).
    process.exit();
  });
