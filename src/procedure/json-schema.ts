/**
 * The JSON Schema of a procedure pack, generated from the zod schema so the two cannot drift apart. Editors that
 * read the `# yaml-language-server: $schema=./procedure.schema.json` comment at the top of a pack use it to
 * complete and check keys while the pack is written; `npm run validate` remains the full check (references,
 * reachability and the other rules a JSON Schema cannot express).
 */
import { z } from 'zod';
import { Procedure } from './schema';

export const PROCEDURE_SCHEMA_FILE = 'procedure.schema.json';

/** The schema of what a pack's author writes (zod's input side: fields with defaults are optional). */
export function procedureJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Procedure, {
    target: 'draft-2020-12',
    io: 'input',
    // Every part of the schema is representable; anything that is not should fail generation, not vanish.
    unrepresentable: 'throw',
    // Inline shared parts (ids, texts) so each property reads on its own in an editor's tooltip.
    reused: 'inline',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'CSE guidance procedure pack',
    description:
      "One council's Child Sexual Exploitation procedure, as the guidance bot walks it. Generated from src/procedure/schema.ts by `npm run generate`; do not edit by hand. `npm run validate` checks what this schema cannot (step references, reachability, duplicate ids).",
    ...rest,
  };
}

/** The schema file's exact text: pretty JSON and a trailing newline. */
export function procedureJsonSchemaText(): string {
  return `${JSON.stringify(procedureJsonSchema(), null, 2)}\n`;
}
