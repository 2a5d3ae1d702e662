/**
 * Scenario 5, start-up: from spawning the server process to the first 200 from GET /healthz, with a fresh data
 * folder and with one that already holds data. The server is started as `npm start` runs it once built
 * (node dist/main.js); the sources through tsx (`npm run dev`) are measured too, for comparison.
 */
import { createServer } from 'node:net';
import { request } from 'node:http';
import { entryArgs, ROOT, spawnNode, stopChild } from '../lib/proc';
import { median, round } from '../lib/stats';

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', method: 'GET', agent: false }, (res) => {
      res.resume();
      ok(res.statusCode === 200);
    });
    req.on('error', () => ok(false));
    req.setTimeout(1000, () => req.destroy());
    req.end();
  });
}

/** Milliseconds from spawn to a healthy /healthz; the process is stopped again afterwards. */
export async function timeToReady(entry: string, nodeArgs: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnNode([...nodeArgs, ...entryArgs(entry)], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'silent', MicrosoftAppId: '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`the bot exited before it was ready: ${err.slice(-1000)}`);
      if (performance.now() - t0 > 30000) throw new Error('the bot was not ready in 30 s');
      if (await healthy(port)) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    if (!exited) await stopChild(child);
  }
}

export interface StartupSample {
  samples: number[];
  median: number;
  max: number;
}

export async function startupSamples(entry: string, nodeArgs: string[], env: () => Record<string, string>, n: number): Promise<StartupSample> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(round(await timeToReady(entry, nodeArgs, env())));
  return { samples, median: round(median(samples)), max: Math.max(...samples) };
}
