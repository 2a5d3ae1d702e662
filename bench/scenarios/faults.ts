/**
 * Scenario 7, replies under platform faults: our bot on the embedded store, 200 conversations at once (Nottingham
 * City and Sandwell runs alternating), while the fake platform fails 10% of calls with 429 (Retry-After 1 s), 10%
 * with 500, and holds 10% for 2 s before answering normally. Teams always; Slack as well in a full run.
 *
 * Every turn waits for its reply at the fake platform up to a generous reply deadline (60 s in a full run). A turn
 * whose reply has not arrived by then is a lost reply. A reply whose body is identical to one the fake already
 * received in the same conversation is a duplicate. Runs that complete are checked against their pack's outcome, as
 * everywhere. The warm-up runs without faults; after the load the fake is watched a few seconds more, so a late or
 * duplicate reply still in flight is counted.
 *
 * What is wanted: 0 lost replies, 0 duplicates, 0 wrong runs. A bot that sends each reply once, inside the turn, and
 * drops it when the send fails loses about every reply the platform refused; a bot that retries after a timeout it
 * gave up on can deliver a reply twice.
 */
import { FakeConnector } from '../lib/fake-connector';
import { FakeSlackApi } from '../lib/fake-slack';
import { describeFaults, type FaultRates } from '../lib/faults';
import { LoopbackClient } from '../lib/http';
import { runLoad, type LoadResult } from '../lib/load';
import { cpuMs, type ServerProcess } from '../lib/proc';
import { countsSince, type ReplyCounts } from '../lib/reply-book';
import { round, summarise, type LatencySummary } from '../lib/stats';
import { RUNS, slackWorkload, teamsWorkload } from '../lib/workloads';

/** The faults of the scenario: 10% 429 (Retry-After 1 s), 10% 500, 10% held 2 s. */
export const PLATFORM_FAULTS: FaultRates = { rateLimited: 0.1, serverError: 0.1, delayed: 0.1, delayMs: 2000, retryAfterSeconds: 1, seed: 20261123 };

export interface FaultsBudget {
  concurrency: number;
  warmupTurns: number;
  turns: number;
  /** The load stops starting turns after this (turns in flight still wait for their replies). */
  deadlineMs: number;
  /** A reply not in by then is lost. */
  replyDeadlineMs: number;
  /** How long the fake is watched after the load, for late and duplicate replies. */
  settleMs: number;
}

export interface FaultsResult {
  channel: 'teams' | 'slack';
  system: 'ours-sqlite';
  faults: FaultRates;
  /** "10% 429 (Retry-After 1 s), 10% 500, 10% delayed 2 s" */
  faultsText: string;
  concurrency: number;
  replyDeadlineMs: number;
  turns: number;
  replyMs: LatencySummary;
  ackMs: LatencySummary;
  turnsPerSecond: number;
  cpuMsPerTurn: number;
  runsCompleted: number;
  runsWrong: number;
  errors: number;
  lostReplies: number;
  duplicates: number;
  /** Replies that came after their turn was counted lost. */
  lateReplies: number;
  /** What the fake platform saw during the measurement (and the settling after it). */
  received: ReplyCounts;
  firstError: string | null;
}

/** Starts the bot under test with the fake platform's URL (Teams: the connector is the activity's serviceUrl, so none is needed). */
export type StartBot = (platformUrl: string) => Promise<{ proc: ServerProcess; stop(): Promise<void> }>;

const PACKS = ['nottingham-city', 'sandwell'] as const;

export async function runFaultsScenario(
  channel: 'teams' | 'slack',
  start: StartBot,
  o: { budget: FaultsBudget; faults?: FaultRates; signingSecret: string; progress: (line: string) => void },
): Promise<FaultsResult> {
  const faults = o.faults ?? PLATFORM_FAULTS;
  const b = o.budget;
  const fake = channel === 'teams' ? new FakeConnector() : new FakeSlackApi();
  const url = await fake.listen();
  const client = new LoopbackClient(b.concurrency + 8);
  let bot: Awaited<ReturnType<StartBot>> | null = null;
  try {
    bot = await start(url);
    const base = bot.proc.base;
    const pack = (i: number) => PACKS[i % 2]!;
    const workload =
      fake instanceof FakeConnector
        ? teamsWorkload('faults', { client, bot: base, connector: fake, texts: (i) => RUNS[pack(i)].texts, outcome: (i) => RUNS[pack(i)].outcome, replyDeadlineMs: b.replyDeadlineMs })
        : slackWorkload('faults', { client, bot: base, api: fake, signingSecret: o.signingSecret, pack, replyDeadlineMs: b.replyDeadlineMs });

    // Warm-up without faults: keep-alive connections, JIT.
    const warm = await runLoad(workload, { concurrency: b.concurrency, maxTurns: b.warmupTurns, deadlineMs: b.deadlineMs });
    if (warm.errors || warm.runsWrong) o.progress(`faults ${channel}: warm-up had ${warm.errors} errors, ${warm.runsWrong} wrong (first: ${warm.firstError})`);

    fake.setFaults(faults);
    const before = fake.counts();
    const cpu0 = cpuMs(bot.proc.pid);
    const load: LoadResult = await runLoad(workload, { concurrency: b.concurrency, maxTurns: b.turns, deadlineMs: b.deadlineMs });
    const cpu = cpuMs(bot.proc.pid) - cpu0;
    // Late or repeated replies may still be on their way.
    await new Promise((r) => setTimeout(r, b.settleMs));
    const received = countsSince(before, fake.counts());
    fake.setFaults(null);

    const result: FaultsResult = {
      channel,
      system: 'ours-sqlite',
      faults,
      faultsText: describeFaults(faults),
      concurrency: b.concurrency,
      replyDeadlineMs: b.replyDeadlineMs,
      turns: load.turns,
      replyMs: summarise(load.replyMs),
      ackMs: summarise(load.ackMs),
      turnsPerSecond: round((load.turns / load.wallMs) * 1000),
      cpuMsPerTurn: round(cpu / Math.max(1, load.turns)),
      runsCompleted: load.runsCompleted,
      runsWrong: load.runsWrong,
      errors: load.errors,
      lostReplies: load.lostReplies,
      duplicates: received.duplicates,
      lateReplies: received.late,
      received,
      firstError: load.firstError,
    };
    o.progress(
      `faults ${channel} c=${b.concurrency}: ${load.turns} turns in ${(load.wallMs / 1000).toFixed(1)} s, reply p50/p99 ${result.replyMs.p50.toFixed(0)}/${result.replyMs.p99.toFixed(0)} ms; ` +
        `${load.lostReplies} lost, ${received.duplicates} duplicates, ${received.late} late, ${load.runsWrong} wrong, ${load.errors - load.lostReplies} other errors; ` +
        `fake: ${received.calls} calls, ${received.failed429} × 429, ${received.failed500} × 500, ${received.delayed} delayed, ${received.replies} replies${load.firstError ? `; first error: ${load.firstError}` : ''}`,
    );
    return result;
  } finally {
    client.close();
    await bot?.stop();
    await fake.close();
  }
}
