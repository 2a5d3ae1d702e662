/** Starts and kills real bot server processes for the crash and replica tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface Bot {
  child: ChildProcess;
  /** http://127.0.0.1:<port> as the bot printed it. */
  base: string;
}

/**
 * Starts the built server (dist/main.js, what `npm start` runs; jest's global setup builds it) on a free port with
 * this environment and resolves once it says it is listening. One process, so SIGKILL reaches the server itself.
 */
export function startBot(env: Record<string, string>): Promise<Bot> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', MicrosoftAppId: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`bot did not start: ${err}`)), 20000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^ ]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok({ child, base: m[1] });
      }
    });
    child.on('exit', (code) => fail(new Error(`bot exited ${code}: ${err}`)));
  });
}

/** Kills a bot with SIGKILL (no shutdown handler runs) and waits for it to be gone. */
export function killBot(bot: Bot): Promise<void> {
  return new Promise((ok) => {
    if (bot.child.exitCode !== null || bot.child.signalCode !== null) return ok();
    bot.child.once('exit', () => ok());
    bot.child.kill('SIGKILL');
  });
}

/** A PostgreSQL URL whose connections use their own schema, so each test's tables are its own. */
export function urlWithSchema(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}
