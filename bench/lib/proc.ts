/**
 * Server processes under test: start one, wait until it listens, read its CPU time and resident memory from /proc
 * (so the load generator's own work is never counted), stop it.
 *
 * Every child process the bench starts is spawned here and tracked in one set, so none outlives the bench: the
 * runner stops them in its `finally`, and `installExitHandlers` stops them on SIGINT/SIGTERM, an uncaught exception
 * or an unhandled rejection, with a last synchronous SIGKILL from the 'exit' event for any still running.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  base: string;
  pid: number;
}

/** Every child process the bench started that has not exited yet. */
const children = new Set<ChildProcess>();

/** Children still running (for the runner's log and for tests of the clean-up). */
export function runningChildren(): { pid: number; args: string }[] {
  return [...children].map((c) => ({ pid: c.pid ?? -1, args: c.spawnargs.slice(1).join(' ') }));
}

/** `node <args>` as a tracked child: it is in `children` from its spawn until its exit. */
export function spawnNode(args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  // A spawn failure is reported through 'error' (and 'exit' may never come).
  child.once('error', () => children.delete(child));
  return child;
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((ok) => {
    if (!running(child) || child.pid === undefined) return ok();
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      ok();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every tracked child (SIGTERM, SIGKILL after `graceMs`). */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)));
}

/** SIGKILLs every tracked child at once; synchronous, so it also works inside an 'exit' handler. */
export function killAllChildrenNow(): void {
  for (const c of children) {
    if (!running(c)) continue;
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

let installed = false;
let leavingFor: string | null = null;

/** Why the bench is leaving early (a signal, an uncaught error), or null while it runs normally. */
export function leaving(): string | null {
  return leavingFor;
}

/**
 * Stops every child on each way out of the bench: SIGINT and SIGTERM (exit 130 / 143), an uncaught exception or an
 * unhandled rejection (exit 1), and the 'exit' event itself. `cleanUp` (the runner's own: data folders, the
 * PostgreSQL schema) runs first, bounded by `graceMs`; whatever child is still running after it is killed.
 */
export function installExitHandlers(cleanUp: () => Promise<void>, log: (line: string) => void, graceMs = 8000): void {
  if (installed) return;
  installed = true;
  const leave = (why: string, code: number) => {
    if (leavingFor !== null) {
      // A second signal while cleaning up: stop waiting.
      killAllChildrenNow();
      process.exit(code);
    }
    leavingFor = why;
    log(`${why}: stopping ${children.size} server process(es) and cleaning up`);
    const timer = setTimeout(() => {
      log(`clean-up took over ${graceMs} ms: killing what is left`);
      killAllChildrenNow();
      process.exit(code);
    }, graceMs);
    void Promise.allSettled([cleanUp(), stopAllChildren(Math.min(3000, graceMs / 2))]).then(() => {
      clearTimeout(timer);
      killAllChildrenNow();
      process.exit(code);
    });
  };
  process.on('SIGINT', () => leave('SIGINT', 130));
  process.on('SIGTERM', () => leave('SIGTERM', 143));
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench: uncaught exception: ${e.stack ?? e.message}\n`);
    leave('uncaught exception', 1);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`bench: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    leave('unhandled rejection', 1);
  });
  // The last resort, whatever the way out (process.exit included): nothing may outlive the bench.
  process.on('exit', () => killAllChildrenNow());
}

/** Node's arguments for an entry: a built .js file runs as is, a .ts source through tsx. */
export function entryArgs(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
}

/** Starts `node <entry>` with this environment; resolves when it prints "listening on http://…". */
export function startServer(name: string, entry: string, env: Record<string, string>, o: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const timeoutMs = o.timeoutMs ?? 30000;
  const child = spawnNode([...(o.nodeArgs ?? []), ...entryArgs(entry)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MicrosoftAppId: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    let settled = false;
    const failed = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A server that did not start is not left behind.
      void stopChild(child, 1000).then(() => fail(e));
    };
    const timer = setTimeout(() => failed(new Error(`${name} did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^ \n]+)/.exec(out);
      if (m?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        ok({ name, child, base: m[1], pid: child.pid! });
      }
    });
    child.once('error', (e) => failed(e));
    child.on('exit', (code, signal) => failed(new Error(`${name} exited with ${code ?? signal}: ${err.slice(-2000)}`)));
  });
}

export function stopServer(p: ServerProcess): Promise<void> {
  return stopChild(p.child);
}

/** User + system CPU time of a process so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ": utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Resident memory now, in MB. */
export function rssMb(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

/**
 * Peak resident memory since the last resetPeak, in MB. The kernel keeps the high-water mark (VmHWM); writing 5 to
 * clear_refs resets it, so each phase gets its own peak. Where that is refused, a 20 ms sampler stands in.
 */
export class PeakRss {
  private sampled = 0;
  private timer: NodeJS.Timeout | null = null;
  private canReset = true;
  constructor(private readonly pid: number) {}

  start(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.canReset = false;
    }
    this.sampled = rssMb(this.pid);
    this.timer = setInterval(() => {
      try {
        this.sampled = Math.max(this.sampled, rssMb(this.pid));
      } catch {
        /* the process has gone; keep the last reading */
      }
    }, 20);
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let hwm = NaN;
    try {
      hwm = statusKb(this.pid, 'VmHWM') / 1024;
    } catch {
      /* gone */
    }
    return this.canReset && Number.isFinite(hwm) ? Math.max(hwm, this.sampled) : this.sampled;
  }
}
