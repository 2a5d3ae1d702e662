/**
 * What a fake platform has received, per conversation (Teams) or channel (Slack): how many replies, the last one's
 * body (to check a run's outcome), updates, duplicates, and the load generator's waits for "the next reply".
 *
 * A reply counts when the fake answered it with success; a call the fake failed on purpose never counts. A reply (or
 * update) whose body is identical to one already received in the same conversation is a duplicate: the scripted runs
 * never show the same view twice, so an identical body is a message delivered twice (a retry of a send that had in
 * fact arrived, say). A reply arriving in a conversation the load generator gave up waiting on is late.
 */
import { createHash } from 'node:crypto';

export interface ReplyCounts {
  /** Every call the fake was asked (any method or path). */
  calls: number;
  /** Replies and updates received (answered with success). */
  received: number;
  /** Of those, replies (Teams: POST …/activities[/{replyToId}]; Slack: chat.postMessage). */
  replies: number;
  /** Of those, updates (Teams: PUT …/activities/{id}; Slack: chat.update). */
  updates: number;
  /** Calls failed on purpose: 429 with Retry-After. */
  failed429: number;
  /** Calls failed on purpose: 500. */
  failed500: number;
  /** Calls held back on purpose, then answered normally. */
  delayed: number;
  /** Replies or updates identical to one already received in the same conversation. */
  duplicates: number;
  /** Replies that came after the load generator gave up waiting on them (already counted lost). */
  late: number;
}

export const zeroCounts = (): ReplyCounts => ({ calls: 0, received: 0, replies: 0, updates: 0, failed429: 0, failed500: 0, delayed: 0, duplicates: 0, late: 0 });

/** The difference of two readings of a fake's counts (what happened during one measurement). */
export function countsSince(before: ReplyCounts, now: ReplyCounts): ReplyCounts {
  const d = zeroCounts();
  for (const k of Object.keys(d) as (keyof ReplyCounts)[]) d[k] = now[k] - before[k];
  return d;
}

export interface ReplyWait {
  /** The time (performance.now) the awaited reply arrived, or null if none came in time (or the wait was cancelled). */
  at: Promise<number | null>;
  /** Stops waiting (the turn failed otherwise); `at` resolves null. */
  cancel(): void;
}

interface Waiter {
  after: number;
  done: (at: number | null) => void;
}

/** How many finished conversations keep their bodies' hashes, to catch a duplicate that comes after the run ended. */
const RETIRED_KEPT = 5000;

export class ReplyBook {
  readonly counts = zeroCounts();
  private readonly replyCount = new Map<string, number>();
  private readonly lastBody = new Map<string, string>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly retired = new Map<string, Set<string>>();
  private readonly gaveUp = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();

  /** Notes one received reply or update; returns whether it was a duplicate. */
  received(conversation: string, kind: 'reply' | 'update', key: string, body: string): boolean {
    this.counts.received++;
    if (kind === 'reply') this.counts.replies++;
    else this.counts.updates++;
    const duplicate = this.isDuplicate(conversation, `${kind}\n${key}\n${body}`);
    if (duplicate) this.counts.duplicates++;
    if (kind !== 'reply') return duplicate;
    if (this.gaveUp.has(conversation)) {
      this.counts.late++;
      return duplicate;
    }
    const count = (this.replyCount.get(conversation) ?? 0) + 1;
    this.replyCount.set(conversation, count);
    this.lastBody.set(conversation, body);
    const waiting = this.waiters.get(conversation);
    if (waiting) {
      const at = performance.now();
      const still = waiting.filter((w) => {
        if (count > w.after) w.done(at);
        return count <= w.after;
      });
      if (still.length) this.waiters.set(conversation, still);
      else this.waiters.delete(conversation);
    }
    return duplicate;
  }

  private isDuplicate(conversation: string, content: string): boolean {
    const hash = createHash('sha1').update(content).digest('base64');
    let set = this.seen.get(conversation) ?? this.retired.get(conversation);
    if (!set) this.seen.set(conversation, (set = new Set()));
    if (set.has(hash)) return true;
    set.add(hash);
    return false;
  }

  /** Replies received in a conversation so far. */
  repliesIn(conversation: string): number {
    return this.replyCount.get(conversation) ?? 0;
  }

  /** The body of the last reply in a conversation ('' if none). */
  last(conversation: string): string {
    return this.lastBody.get(conversation) ?? '';
  }

  /** Waits for the first reply in the conversation after `after` replies; resolves null after `timeoutMs`. Never rejects. */
  waitReply(conversation: string, after: number, timeoutMs: number): ReplyWait {
    if (this.repliesIn(conversation) > after) return { at: Promise.resolve(performance.now()), cancel: () => undefined };
    let waiter: Waiter | null = null;
    const at = new Promise<number | null>((ok) => {
      const timer = setTimeout(() => finish(null), timeoutMs);
      const finish = (t: number | null) => {
        clearTimeout(timer);
        if (waiter) this.drop(conversation, waiter);
        waiter = null;
        ok(t);
      };
      waiter = { after, done: finish };
      const list = this.waiters.get(conversation) ?? [];
      list.push(waiter);
      this.waiters.set(conversation, list);
    });
    return { at, cancel: () => waiter?.done(null) };
  }

  private drop(conversation: string, waiter: Waiter): void {
    const list = this.waiters.get(conversation)?.filter((w) => w !== waiter);
    if (list?.length) this.waiters.set(conversation, list);
    else this.waiters.delete(conversation);
  }

  /** Starts a conversation afresh (a new run). */
  open(conversation: string): void {
    this.gaveUp.delete(conversation);
    this.replyCount.delete(conversation);
    this.lastBody.delete(conversation);
  }

  /** The run is over; its hashes are kept a while so a duplicate arriving later is still caught. */
  forget(conversation: string): void {
    this.replyCount.delete(conversation);
    this.lastBody.delete(conversation);
    const set = this.seen.get(conversation);
    this.seen.delete(conversation);
    if (set) {
      this.retired.set(conversation, set);
      if (this.retired.size > RETIRED_KEPT) this.retired.delete(this.retired.keys().next().value as string);
    }
  }

  /** The load generator stopped waiting in this conversation (a lost reply): replies still coming are late. */
  giveUp(conversation: string): void {
    this.gaveUp.add(conversation);
    this.forget(conversation);
  }

  /** Resolves every wait with null (the fake is closing). */
  cancelAll(): void {
    for (const list of [...this.waiters.values()]) for (const w of [...list]) w.done(null);
    this.waiters.clear();
  }
}
