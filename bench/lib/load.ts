/**
 * A bounded closed-loop load generator: `concurrency` virtual users, each running whole conversations one turn at a
 * time (the next turn is sent when the last one is answered, as a person clicking through would). It stops by itself
 * when the turn budget is spent or the deadline passes, whichever is first.
 */
export interface TurnTiming {
  /** Time to the reply (Teams: the POST's answer, after the reply reached the connector; Slack: the posted reply). */
  replyMs: number;
  /** Slack only: time to the HTTP acknowledgement. */
  ackMs?: number;
}

/** One conversation from its first message to its outcome. */
export interface Run {
  readonly turns: number;
  turn(k: number): Promise<TurnTiming>;
  /** Whether the run ended where the procedure says it must (checked only when every turn was made). */
  check(): boolean;
}

export interface Workload {
  name: string;
  newRun(vu: number, i: number): Run;
}

export interface LoadOptions {
  concurrency: number;
  maxTurns: number;
  deadlineMs: number;
}

export interface LoadResult {
  replyMs: number[];
  ackMs: number[];
  turns: number;
  runsCompleted: number;
  runsWrong: number;
  errors: number;
  firstError: string | null;
  wallMs: number;
}

export async function runLoad(workload: Workload, o: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { replyMs: [], ackMs: [], turns: 0, runsCompleted: 0, runsWrong: 0, errors: 0, firstError: null, wallMs: 0 };
  const t0 = performance.now();
  const deadline = t0 + o.deadlineMs;
  let started = 0;
  const more = () => started < o.maxTurns && performance.now() < deadline;

  const user = async (vu: number) => {
    for (let i = 0; more(); i++) {
      const run = workload.newRun(vu, i);
      let k = 0;
      for (; k < run.turns && more(); k++) {
        started++;
        try {
          const t = await run.turn(k);
          result.replyMs.push(t.replyMs);
          if (t.ackMs !== undefined) result.ackMs.push(t.ackMs);
          result.turns++;
        } catch (e) {
          result.errors++;
          result.firstError ??= e instanceof Error ? e.message : String(e);
          break;
        }
      }
      if (k === run.turns) {
        result.runsCompleted++;
        if (!run.check()) result.runsWrong++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, vu) => user(vu)));
  result.wallMs = performance.now() - t0;
  return result;
}
