/**
 * Admission of turns: at most `limit` turns do their work at once in this process; the rest wait their turn in
 * arrival order. Node runs every started turn's next piece of work before it reads the next request off a socket,
 * so with hundreds of turns in flight a newly arrived request (a Slack event that must be acknowledged within 3 s,
 * a health check) waits behind all of them. Bounding the turns in flight bounds that wait, and the memory the
 * in-flight turns hold, without lowering throughput: the work is the same, only its order changes.
 */
export class TurnGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('TurnGate: limit must be a positive integer');
  }

  /** Resolves when the caller may start; it must call `leave()` exactly once afterwards. */
  enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next in line
    else this.active--;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  /** Turns working and turns waiting (for tests and health). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
