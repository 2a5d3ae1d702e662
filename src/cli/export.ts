/**
 * Prints the chronology of a case or a conversation from the store: each case record's summary (area, pack version,
 * outcome, risk level, indicators per list, actions and contacts) and the audit rows in time order.
 *
 *   npm run export -- --case <ref> [--format markdown|json]
 *   npm run export -- --conversation <id> [--format markdown|json]
 *
 * Reads DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data) from the environment. Exits 1 when nothing
 * is found (or the store cannot be opened), 64 on bad arguments.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStore, SQLITE_FILE, type AuditEntry, type CaseRecordWrite, type Store } from '../store';
import { immediateDangerText } from '../engine';

export const EXPORT_EXIT = { ok: 0, notFound: 1, usage: 64 } as const;

export interface ExportQuery {
  caseRef?: string;
  conversationId?: string;
}

export interface Chronology {
  query: ExportQuery;
  caseRecords: (CaseRecordWrite & { id: string })[];
  audit: (AuditEntry & { id: number })[];
}

export type ExportFormat = 'markdown' | 'json';

const USAGE = `Usage: npm run export -- (--case <ref> | --conversation <id>) [--format markdown|json]

Prints a case's or a conversation's chronology: case records and audit rows in time order.
Environment: DATABASE_URL (postgres://…) or DATA_DIR (SQLite folder, default ./data).
`;

export async function loadChronology(store: Store, query: ExportQuery): Promise<Chronology> {
  const [caseRecords, audit] = await Promise.all([store.caseRecords(query), store.audit(query)]);
  return { query, caseRecords, audit };
}

export function isEmpty(c: Chronology): boolean {
  return c.caseRecords.length === 0 && c.audit.length === 0;
}

function describeQuery(q: ExportQuery): string {
  const parts: string[] = [];
  if (q.caseRef !== undefined) parts.push(`case reference ${q.caseRef}`);
  if (q.conversationId !== undefined) parts.push(`conversation ${q.conversationId}`);
  return parts.join(', ');
}

/** Markdown table cells: no pipes or line breaks from the data may break the table. */
function cell(value: string | number | null): string {
  if (value === null || value === '') return '';
  return String(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function line(value: string): string {
  return value.replace(/\r?\n/g, ' ');
}

function renderRecord(r: Chronology['caseRecords'][number], n: number): string[] {
  const s = r.summary;
  const out: string[] = [];
  out.push(`### ${n}. ${line(s.outcome.title)} — completed ${r.completedAt}`, '');
  out.push(`- Case reference: ${r.caseRef ?? '(none given)'}`);
  out.push(`- Conversation: \`${r.conversationId}\``);
  out.push(`- Area: ${line(s.areaName)} (\`${r.area}\`)`);
  // Records written before packs said "checked against the source" carry the same date as `reviewed`.
  const checked = s.checked ?? (s as { reviewed?: string }).reviewed ?? 'unknown';
  out.push(`- Procedure: ${line(s.procedure)}; pack version ${r.packVersion}, checked against its source ${checked}`);
  out.push(`- Outcome: ${line(s.outcome.title)} (\`${r.outcome}\`)`);
  out.push(`- Immediate danger: ${line(immediateDangerText(s))}`);
  out.push(`- Risk level: ${s.riskLevel ? `${line(s.riskLevel.label)} (\`${s.riskLevel.id}\`)` : 'not assessed'}`);
  out.push(`- Started ${s.startedAt}, completed ${s.completedAt}`);
  out.push(`- Source: ${line(s.provenance)}`, '');

  if (s.answers.length > 0) {
    out.push('#### Answers', '');
    for (const a of s.answers) out.push(`- ${a.at} — ${line(a.heading)}: ${line(a.label)} (\`${a.answer}\`)`);
    out.push('');
  }

  out.push('#### Indicators', '');
  if (s.indicators.length === 0) out.push('None ticked.', '');
  for (const list of s.indicators) {
    out.push(`**${line(list.title)}** (\`${list.list}\`)`, '');
    const ticked = list.groups.filter((g) => g.items.length > 0);
    if (ticked.length === 0) out.push('- none ticked');
    for (const g of ticked) {
      out.push(`- ${line(g.title)}:`);
      for (const item of g.items) out.push(`  - ${line(item)}`);
    }
    out.push('');
  }

  out.push('#### Actions and contacts', '');
  if (s.actions.length === 0) out.push('None.', '');
  s.actions.forEach((a, i) => {
    out.push(`${i + 1}. ${line(a.text)}`);
    for (const c of a.contacts) {
      const details = [c.purpose, c.phone, c.email].filter((d): d is string => Boolean(d)).map(line);
      out.push(`   - ${line(c.name)}${details.length > 0 ? ` — ${details.join(' — ')}` : ''}`);
    }
  });
  if (s.actions.length > 0) out.push('');
  return out;
}

export function renderMarkdown(c: Chronology): string {
  const out: string[] = [`# Chronology: ${describeQuery(c.query)}`, '', 'Times are UTC.', ''];
  out.push(`## Case records (${c.caseRecords.length})`, '');
  if (c.caseRecords.length === 0) out.push('No case record.', '');
  c.caseRecords.forEach((r, i) => out.push(...renderRecord(r, i + 1)));

  out.push(`## Audit trail (${c.audit.length} rows)`, '');
  if (c.audit.length === 0) {
    out.push('No audit rows.', '');
  } else {
    out.push('| Time | Kind | Conversation | User | Area | Pack version | Step | Code |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const a of c.audit) {
      const cells = [a.at, a.kind, a.conversationId, a.userId, a.area, a.packVersion, a.step, a.code].map(cell);
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function renderJson(c: Chronology): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

export function render(c: Chronology, format: ExportFormat): string {
  return format === 'json' ? renderJson(c) : renderMarkdown(c);
}

export interface ExportIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: ExportIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The command: parses `argv` (without node and the script), prints, returns the exit code. */
export async function runExport(argv: string[], env: NodeJS.ProcessEnv, io: ExportIo = processIo): Promise<number> {
  let query: ExportQuery;
  let format: ExportFormat;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        case: { type: 'string' },
        conversation: { type: 'string' },
        format: { type: 'string', default: 'markdown' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return EXPORT_EXIT.ok;
    }
    if (values.format !== 'markdown' && values.format !== 'json') {
      throw new Error(`--format must be markdown or json, not "${values.format}"`);
    }
    format = values.format;
    query = {
      ...(values.case !== undefined ? { caseRef: values.case } : {}),
      ...(values.conversation !== undefined ? { conversationId: values.conversation } : {}),
    };
    if (query.caseRef === undefined && query.conversationId === undefined) {
      throw new Error('give --case <ref> or --conversation <id>');
    }
    if (query.caseRef === '' || query.conversationId === '') throw new Error('--case and --conversation need a value');
  } catch (e) {
    io.err(`export: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return EXPORT_EXIT.usage;
  }

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  const dataDir = env.DATA_DIR?.trim() || './data';
  if (!databaseUrl && !existsSync(join(dataDir, SQLITE_FILE))) {
    io.err(`export: no store found: ${join(dataDir, SQLITE_FILE)} does not exist (set DATA_DIR, or DATABASE_URL for PostgreSQL)\n`);
    return EXPORT_EXIT.notFound;
  }

  let store: Store;
  try {
    store = await createStore({ databaseUrl, dataDir });
  } catch (e) {
    io.err(`export: cannot open the store: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXPORT_EXIT.notFound;
  }
  try {
    const chronology = await loadChronology(store, query);
    if (isEmpty(chronology)) {
      io.err(`export: nothing found for ${describeQuery(query)} (no case record, no audit row)\n`);
      return EXPORT_EXIT.notFound;
    }
    io.out(render(chronology, format));
    return EXPORT_EXIT.ok;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  runExport(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`export: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
