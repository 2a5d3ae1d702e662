import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, ConfigError } from '../src/config';

const ROOT = resolve(__dirname, '..');
/** The built server, as `npm start` runs it (jest's global setup builds it). */
function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['dist/main.js'], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 20000 });
}

describe('start-up refuses bad input, naming it', () => {
  it('names a bad environment variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ SESSION_TTL_DAYS: '-3' })).toThrow(/SESSION_TTL_DAYS/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ENABLED_AREAS: 'nottingham-city,Not An Area' })).toThrow(/ENABLED_AREAS/);
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 3978, HOST: '127.0.0.1', SESSION_TTL_DAYS: 30, WEB_CHAT_HOSTS: [] });
    expect(() => loadConfig({ WEB_CHAT_HOSTS: 'cse-bot.local,http://evil.example' })).toThrow(/WEB_CHAT_HOSTS/);
    expect(() => loadConfig({ WEB_CHAT_HOSTS: 'cse-bot.local:3978' })).toThrow(/WEB_CHAT_HOSTS/);
    expect(loadConfig({ WEB_CHAT_HOSTS: ' CSE-Bot.Council.Local , 10.0.0.5,[fd00::5]' }).WEB_CHAT_HOSTS).toEqual(['cse-bot.council.local', '10.0.0.5', '[fd00::5]']);
  });

  it('exits 1 naming the file and line of an invalid pack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cse-packs-'));
    cpSync(join(ROOT, 'dialogs'), dir, { recursive: true });
    const file = join(dir, 'sandwell.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('next: self-check-offer'));
    lines[at] = lines[at]!.replace('self-check-offer', 'no-such-step');
    writeFileSync(file, lines.join('\n'));
    const run = start({ DIALOGS_DIR: dir, DATA_DIR: join(dir, 'data') });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}:${at + 1}:`);
    expect(run.stderr).toContain('next step "no-such-step" does not exist');
  });

  it('exits 1 naming the variable when DEFAULT_AREA is not an enabled area', () => {
    const run = start({ DEFAULT_AREA: 'leeds', DATA_DIR: mkdtempSync(join(tmpdir(), 'cse-data-')) });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DEFAULT_AREA "leeds" is not an enabled area/);
  });
});
