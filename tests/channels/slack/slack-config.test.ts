/**
 * Slack configuration: both variables or neither, named when one is missing; and a real start-up (src/main.ts) with
 * Slack configured but unreachable, which must serve requests and not crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config';
import { slackSignature } from '../../../src/channels/slack/slack-signature';
import { dmMessage, offline } from './harness';

offline();

const ROOT = resolve(__dirname, '../../..');
const TOKEN = 'xoxb-1111-2222-test-token';
const SECRET = 'test-signing-secret-8f14e45fceea167a';

describe('Slack configuration', () => {
  it('is off with neither variable, on with both', () => {
    const off = loadConfig({});
    expect(off.SLACK_BOT_TOKEN).toBeUndefined();
    expect(off.SLACK_SIGNING_SECRET).toBeUndefined();
    expect(off.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(loadConfig({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' }).SLACK_BOT_TOKEN).toBeUndefined();
    const on = loadConfig({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(on).toMatchObject({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
  });

  it('refuses one without the other, naming the missing variable', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: TOKEN })).toThrow(ConfigError);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: TOKEN })).toThrow(/SLACK_SIGNING_SECRET: is required when SLACK_BOT_TOKEN is set/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: SECRET })).toThrow(/SLACK_BOT_TOKEN: is required when SLACK_SIGNING_SECRET is set/);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: '' })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('refuses a value that is not a bot token or a URL, without echoing it', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'not-a-token', SLACK_SIGNING_SECRET: SECRET })).toThrow(/SLACK_BOT_TOKEN: must be a Slack bot token/);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'not-a-token', SLACK_SIGNING_SECRET: SECRET })).not.toThrow(/not-a-token/);
    expect(() => loadConfig({ SLACK_API_URL: 'slack.com/api' })).toThrow(/SLACK_API_URL/);
  });
});

describe('start-up with Slack configured but unreachable', () => {
  let child: ChildProcess | null = null;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('listens, shows Slack on /healthz, acks a signed event and keeps running', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cse-slack-start-'));
    const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DATA_DIR: dataDir,
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        // Nothing listens on port 9: every Web API call fails with a connection error.
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up line; stderr: ${err}`)), 20_000);
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    expect(out).toContain('Slack: POST /slack/events');
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ status: 'ok', slack: true });

    const body = JSON.stringify(dmMessage('hello'));
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
      body,
    });
    expect(res.status).toBe(200);
    // The reply cannot be delivered (Slack is unreachable); the process logs it and carries on.
    await new Promise((r) => setTimeout(r, 1500));
    expect(proc.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  });
});
