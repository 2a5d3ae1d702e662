import { TurnGate } from '../../src/conversation/turn-gate';

const tick = () => new Promise((r) => setImmediate(r));

describe('TurnGate', () => {
  it('lets `limit` turns work at once and the rest in arrival order', async () => {
    const gate = new TurnGate(2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    const turns = [0, 1, 2, 3, 4].map((n) =>
      gate.run(async () => {
        started.push(n);
        await new Promise<void>((r) => release.push(r));
        return n;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(gate.load).toEqual({ active: 2, waiting: 3 });
    release[1]!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    release[0]!();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    release[2]!();
    release[3]!();
    await tick();
    release[4]!();
    expect(await Promise.all(turns)).toEqual([0, 1, 2, 3, 4]);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot of a turn that fails', async () => {
    const gate = new TurnGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(() => Promise.resolve('next'))).toBe('next');
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new TurnGate(0)).toThrow(RangeError);
    expect(() => new TurnGate(1.5)).toThrow(RangeError);
  });
});
