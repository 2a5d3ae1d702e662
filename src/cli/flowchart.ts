/**
 * Prints an area's pack as a Mermaid flowchart.
 *
 *   npm run flowchart -- nottingham-city            the ```mermaid body (paste into mermaid.live or a Markdown file)
 *   npm run flowchart -- sandwell --markdown        the whole docs/flowcharts/<area>.md page
 *   npm run flowchart -- sandwell --packs <dir>     from another dialogs folder
 *
 * Exit 1: the packs are invalid. Exit 64: no area, an unknown area or a bad argument.
 */
import { basename } from 'node:path';
import { flowchartMarkdown, toMermaid } from '../procedure/flowchart';
import { procedureFiles, loadProcedureFile } from '../procedure/load';
import { defaultPacksDir, loadPacks, userPath } from './chat';

export const FLOWCHART_EXIT = { ok: 0, invalidPacks: 1, usage: 64 } as const;

const USAGE = 'Usage: npm run flowchart -- <area> [--markdown] [--packs <dir>]';

export function runFlowchart(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let area: string | undefined;
  let packs: string | undefined;
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out(USAGE);
      return FLOWCHART_EXIT.ok;
    } else if (arg === '--markdown' || arg === '--md') {
      markdown = true;
    } else if (arg === '--packs') {
      packs = argv[++i];
      if (!packs) {
        err(`--packs needs a folder\n${USAGE}`);
        return FLOWCHART_EXIT.usage;
      }
    } else if (arg.startsWith('-') || area !== undefined) {
      err(`unexpected argument "${arg}"\n${USAGE}`);
      return FLOWCHART_EXIT.usage;
    } else {
      area = arg;
    }
  }
  const dir = packs ? userPath(packs) : defaultPacksDir();
  const catalogue = loadPacks(dir);
  if (typeof catalogue === 'string') {
    err(catalogue);
    return FLOWCHART_EXIT.invalidPacks;
  }
  const valid = catalogue.procedures.map((p) => p.area).join(', ');
  if (area === undefined) {
    err(`Which area? Valid areas: ${valid}.\n${USAGE}`);
    return FLOWCHART_EXIT.usage;
  }
  const p = catalogue.procedures.find((x) => x.area === area);
  if (!p) {
    err(`Unknown area "${area}". Valid areas: ${valid}.`);
    return FLOWCHART_EXIT.usage;
  }
  if (!markdown) {
    out(toMermaid(p).trimEnd());
    return FLOWCHART_EXIT.ok;
  }
  // The pack's own file name, which need not be <area>.yaml.
  const file = procedureFiles(dir).find((f) => loadProcedureFile(f).area === area);
  out(flowchartMarkdown(p, `dialogs/${basename(file ?? `${area}.yaml`)}`).trimEnd());
  return FLOWCHART_EXIT.ok;
}

if (require.main === module) {
  process.exitCode = runFlowchart(
    process.argv.slice(2),
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
}
