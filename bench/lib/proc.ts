/**
 * Server processes under test: start one, wait until it listens, read its CPU time and resident memory from /proc
 * (so the load generator's own work is never counted), stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

/** Node's arguments for an entry: a built .js file runs as is, a .ts source through tsx. */
export function entryArgs(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
}

/** Starts `node <entry>` with this environment; resolves when it prints "listening on http://…". */
export function startServer(name: string, entry: string, env: Record<string, string>, o: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const timeoutMs = o.timeoutMs ?? 30000;
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...entryArgs(entry)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MicrosoftAppId: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^ \n]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok({ name, child, base: m[1], pid: child.pid! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

export function stopServer(p: ServerProcess): Promise<void> {
  return new Promise((ok) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return ok();
    const force = setTimeout(() => p.child.kill('SIGKILL'), 5000);
    p.child.once('exit', () => {
      clearTimeout(force);
      ok();
    });
    p.child.kill('SIGTERM');
  });
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
