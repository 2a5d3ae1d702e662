/**
 * A bounded closed-loop load generator: `concurrency` virtual users, each running whole conversations one turn at a
 * time (the next turn is sent when the last one's reply has arrived, as a person clicking through would). It stops
 * by itself when the turn budget is spent or the deadline passes, whichever is first; a turn in flight then still
 * waits for its reply, at most for the workload's reply deadline.
 *
 * Nothing a turn does ends the load: a failed request, a reply that never came (a lost reply) or a run that ended
 * anywhere but its outcome is counted (errors, firstError, lostReplies, runsWrong) and the virtual user goes on with
 * a new run.
 */
export interface TurnTiming {
  /** Time from sending the message to its reply's arrival at the fake platform (Teams: the connector; Slack: the Web API). */
  replyMs: number;
  /** Time to the HTTP answer of the message's request (Teams: the POST's 200; Slack: the acknowledgement). */
  ackMs?: number;
}

/** A turn whose reply did not reach the fake platform within the workload's reply deadline. */
export class LostReplyError extends Error {
  override readonly name = 'LostReplyError';
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
  /** Turns that failed (a request that failed, or a lost reply); the run they were in is abandoned. */
  errors: number;
  /** Of the errors: turns whose reply never came within the reply deadline. */
  lostReplies: number;
  firstError: string | null;
  wallMs: number;
}

export async function runLoad(workload: Workload, o: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { replyMs: [], ackMs: [], turns: 0, runsCompleted: 0, runsWrong: 0, errors: 0, lostReplies: 0, firstError: null, wallMs: 0 };
  const t0 = performance.now();
  const deadline = t0 + o.deadlineMs;
  let started = 0;
  const more = () => started < o.maxTurns && performance.now() < deadline;

  const failed = (e: unknown) => {
    result.errors++;
    if (e instanceof LostReplyError) result.lostReplies++;
    result.firstError ??= e instanceof Error ? e.message : String(e);
  };
  const user = async (vu: number) => {
    for (let i = 0; more(); i++) {
      try {
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
            failed(e);
            break;
          }
        }
        if (k === run.turns) {
          result.runsCompleted++;
          if (!run.check()) result.runsWrong++;
        }
      } catch (e) {
        // A run that could not even start or be checked: counted (against the budget too), and the user goes on.
        started++;
        failed(e);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, vu) => user(vu)));
  result.wallMs = performance.now() - t0;
  return result;
}
