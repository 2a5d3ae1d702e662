/** The generated files (JSON Schema, flowcharts) must match what `npm run generate` would write now. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provenance } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { procedureJsonSchema, procedureJsonSchemaText } from '../../src/procedure/json-schema';
import { FLOWCHART_DIR, GENERATED_MARK, generatedFiles, orphanFlowcharts, repoRoot } from '../../src/cli/generate';

const root = repoRoot();
const files = generatedFiles(root);
const onDisk = (path: string): string | null => {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return null;
  }
};
const STALE = (path: string) => `${path} is stale or missing: run \`npm run generate\` and commit the result.`;

describe('dialogs/procedure.schema.json', () => {
  it('is what `npm run generate` writes from the zod schema', () => {
    const current = onDisk('dialogs/procedure.schema.json');
    if (current !== procedureJsonSchemaText()) throw new Error(STALE('dialogs/procedure.schema.json'));
  });

  it('is pretty JSON with a trailing newline, titled, and describes the pack input (defaults optional)', () => {
    const text = procedureJsonSchemaText();
    expect(text.endsWith('}\n')).toBe(true);
    const schema = procedureJsonSchema() as { title?: string; $schema?: string; required?: string[]; properties?: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBeTruthy();
    expect(schema.required).toEqual(expect.arrayContaining(['area', 'steps', 'contacts', 'riskLevels']));
    // io: 'input': fields with a default (guidance, glossary) are not required of the pack's author.
    expect(schema.required).not.toContain('guidance');
    expect(schema.required).not.toContain('glossary');
  });

  it('is referenced by every pack through the yaml-language-server comment', () => {
    for (const area of ['nottingham-city', 'sandwell']) {
      const text = readFileSync(join(root, 'dialogs', `${area}.yaml`), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./procedure.schema.json');
    }
  });
});

describe('docs/flowcharts', () => {
  const charts = files.filter((f) => f.path.startsWith(`${FLOWCHART_DIR}/`));

  it('has one chart per pack', () => {
    const { procedures } = loadCatalogue(join(root, 'dialogs'));
    expect(charts.map((f) => f.path).sort()).toEqual(procedures.map((p) => `${FLOWCHART_DIR}/${p.area}.md`).sort());
  });

  it.each(charts.map((f) => [f.path, f] as const))('%s is what `npm run generate` writes', (path, f) => {
    if (onDisk(path) !== f.content) throw new Error(STALE(path));
  });

  it('holds no chart of a pack that no longer exists', () => {
    const orphans = orphanFlowcharts(files, root);
    if (orphans.length > 0) throw new Error(`${orphans.join(', ')} has no pack: run \`npm run generate\` to remove it.`);
  });

  it('shows the provenance line the bot shows, and says how it is generated', () => {
    const { procedures } = loadCatalogue(join(root, 'dialogs'));
    for (const p of procedures) {
      const md = files.find((f) => f.path === `${FLOWCHART_DIR}/${p.area}.md`)!.content;
      expect(md).toMatch(/^# /);
      expect(md.split('\n')).toContain(provenance(p));
      expect(md).toContain('`npm run generate`');
      expect(md).toContain(`dialogs/${p.area}.yaml`);
      expect(md).toContain('```mermaid\nflowchart TD\n');
    }
    expect(files.find((f) => f.path === `${FLOWCHART_DIR}/nottingham-city.md`)!.content).toContain(
      'Nottingham City CSE pathway (source: 000_d20a7b7ff364f6d9.txt); pack 1.1.0, checked against the source on 2026-12-01',
    );
  });
});

describe('the generated-page mark', () => {
  it('is in every flowchart page, so only generated pages are ever removed', () => {
    for (const f of files.filter((x) => x.path.startsWith(`${FLOWCHART_DIR}/`))) expect(f.content).toContain(GENERATED_MARK);
  });
});
