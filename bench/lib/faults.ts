/**
 * Fault injection for the fake platforms (the Bot Connector and the Slack Web API): a share of calls is refused with
 * 429 (Retry-After), a share with 500, and a share is answered normally but late. Which call gets which fault is
 * drawn per call from a seeded PRNG, so a run's sequence of faults is the same every time (the calls' order under
 * concurrency is not, so which conversation gets which fault can differ).
 */

export interface FaultRates {
  /** Share of calls answered 429 with a Retry-After header (0..1). */
  rateLimited: number;
  /** Share of calls answered 500 (0..1). */
  serverError: number;
  /** Share of calls held for `delayMs` and then answered normally (0..1). */
  delayed: number;
  /** How long a delayed call is held, ms (default 2000). */
  delayMs?: number;
  /** The Retry-After of a 429, seconds (default 1). */
  retryAfterSeconds?: number;
  /** The PRNG's seed (default 1). */
  seed?: number;
}

export type Fault = { kind: 'none' } | { kind: 'rate-limited'; retryAfterSeconds: number } | { kind: 'server-error' } | { kind: 'delayed'; ms: number };

/** mulberry32: a small, fast, seedable PRNG; plenty for choosing faults. Returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws one fault per call. With no rates (or all zero) every call is answered normally and no number is drawn. */
export class FaultPlan {
  private readonly random: () => number;
  constructor(private readonly rates: FaultRates | null) {
    if (rates) {
      const total = rates.rateLimited + rates.serverError + rates.delayed;
      if ([rates.rateLimited, rates.serverError, rates.delayed].some((r) => !(r >= 0)) || total > 1) throw new Error(`fault rates must be ≥ 0 and add up to ≤ 1: ${JSON.stringify(rates)}`);
    }
    this.random = mulberry32(rates?.seed ?? 1);
  }

  get active(): boolean {
    return this.rates !== null && this.rates.rateLimited + this.rates.serverError + this.rates.delayed > 0;
  }

  next(): Fault {
    const r = this.rates;
    if (!r || !this.active) return { kind: 'none' };
    const x = this.random();
    if (x < r.rateLimited) return { kind: 'rate-limited', retryAfterSeconds: r.retryAfterSeconds ?? 1 };
    if (x < r.rateLimited + r.serverError) return { kind: 'server-error' };
    if (x < r.rateLimited + r.serverError + r.delayed) return { kind: 'delayed', ms: r.delayMs ?? 2000 };
    return { kind: 'none' };
  }
}

/** "10% 429, 10% 500, 10% delayed 2 s": how the report names a set of rates. */
export function describeFaults(r: FaultRates): string {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return `${pct(r.rateLimited)} 429 (Retry-After ${r.retryAfterSeconds ?? 1} s), ${pct(r.serverError)} 500, ${pct(r.delayed)} delayed ${(r.delayMs ?? 2000) / 1000} s`;
}
