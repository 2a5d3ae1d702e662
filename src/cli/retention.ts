/**
 * Runs the retention once (e.g. from cron or a scheduled job) and prints what it deleted:
 *
 *   npm run retention
 *
 * Idle conversations go after SESSION_TTL_DAYS (default 30); case records and audit rows only when
 * RECORD_RETENTION_DAYS is set. Reads DATABASE_URL / DATA_DIR like the bot (src/config.ts). The run is recorded in
 * the audit trail (kind "retention"). Exits 1 if the store cannot be opened or the environment is wrong.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { createStore, SQLITE_FILE, type RetentionResult } from '../store';

export interface RetentionIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: RetentionIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export function describeRun(r: RetentionResult, sessionTtlDays: number, recordRetentionDays: number | null): string {
  const records =
    recordRetentionDays === null ? 'case records and audit kept (RECORD_RETENTION_DAYS unset)' : `records kept ${recordRetentionDays} days`;
  return (
    `retention: deleted ${r.conversations} idle conversations, ${r.inboundKeys} inbound keys, ${r.outboxRows} finished ` +
    `outbox rows, ${r.caseRecords} case records, ${r.auditRows} audit rows (sessions kept ${sessionTtlDays} days; ${records})\n`
  );
}

/** `clock` only so tests can fix the time; the store itself never reads it. */
export async function runRetention(
  env: NodeJS.ProcessEnv,
  io: RetentionIo = processIo,
  clock: () => Date = () => new Date(),
): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (!config.DATABASE_URL && !existsSync(join(config.DATA_DIR, SQLITE_FILE))) {
    io.err(`retention: no store found: ${join(config.DATA_DIR, SQLITE_FILE)} does not exist (set DATA_DIR or DATABASE_URL)\n`);
    return 1;
  }
  const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const recordDays = config.RECORD_RETENTION_DAYS ?? null;
    const result = await store.retention(clock().toISOString(), config.SESSION_TTL_DAYS, recordDays);
    io.out(describeRun(result, config.SESSION_TTL_DAYS, recordDays));
    return 0;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  runRetention(process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`retention: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
