/**
 * A pack as a Mermaid flowchart, so reviewers can lay the bot's reading of a procedure beside the council's own
 * chart. Pure and deterministic: the same pack always gives the same text (steps in pack order, then edges).
 */
import type { Procedure, Step } from './schema';
import { provenance } from './provenance';

/** Words Mermaid's flowchart grammar reserves; a node id equal to one of them breaks the chart. */
const RESERVED = new Set([
  'end',
  'graph',
  'flowchart',
  'subgraph',
  'style',
  'class',
  'classdef',
  'click',
  'linkstyle',
  'default',
  'direction',
  'call',
  'href',
]);

/**
 * A step id as a Mermaid node id: hyphens (which Mermaid can read as part of an arrow) become underscores, and a
 * reserved word gets a trailing underscore. Pack ids are kebab-case, so no two step ids map to one node id, and ids
 * the chart adds itself contain "__", which no step id can produce.
 */
export function mermaidId(stepId: string): string {
  const id = stepId.replace(/[^A-Za-z0-9_]/g, '_');
  return RESERVED.has(id.toLowerCase()) ? `${id}_` : id;
}

/**
 * Text for inside a quoted Mermaid label: characters Mermaid or HTML would read are written as Mermaid entity
 * codes (#quot; and the like), and runs of white space become one space.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\|/g, '#124;');
}

const WIDTH = 42;

/** Breaks text into lines of about WIDTH characters at spaces (a long word stays whole). */
export function wrapWords(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A quoted node label: each paragraph wrapped and escaped, lines joined with <br/>. */
function label(...paragraphs: string[]): string {
  const lines = paragraphs.flatMap((p) => wrapWords(p)).map(mermaidText);
  return `"${lines.join('<br/>')}"`;
}

/** A quoted edge label; answer labels are short, so they are not wrapped. */
function edgeLabel(text: string): string {
  return `"${mermaidText(text)}"`;
}

type Shape = 'decision' | 'rounded' | 'rectangle' | 'stadium' | 'subroutine';

function node(id: string, shape: Shape, text: string): string {
  switch (shape) {
    case 'decision':
      return `${id}{${text}}`;
    case 'rounded':
      return `${id}(${text})`;
    case 'stadium':
      return `${id}([${text}])`;
    case 'subroutine':
      return `${id}[[${text}]]`;
    case 'rectangle':
      return `${id}[${text}]`;
  }
}

function shapeOf(step: Step): Shape {
  switch (step.kind) {
    case 'danger':
    case 'question':
    case 'risk-level':
      return 'decision';
    case 'outcome':
      return 'rounded';
    case 'actions':
    case 'checklist':
    case 'case-reference':
      return 'rectangle';
  }
}

const bullet = (text: string) => `• ${text}`;

function stepLabel(p: Procedure, step: Step): string {
  switch (step.kind) {
    case 'danger':
    case 'question':
    case 'risk-level':
    case 'case-reference':
      return label(step.heading);
    case 'actions':
      return label(...step.actions.map((a) => (step.actions.length > 1 ? bullet(a.text) : a.text)));
    case 'checklist': {
      const list = p.indicatorLists.find((l) => l.id === step.list);
      return label(`Checklist: ${list?.title ?? step.list}`);
    }
    case 'outcome':
      return label(`Outcome: ${step.title}`, ...step.actions.map((a) => bullet(a.text)));
  }
}

/** The Mermaid flowchart of a pack: a node per step, shaped by kind, and an edge per way on. */
export function toMermaid(p: Procedure): string {
  const nodes: string[] = [];
  const edges: string[] = [];
  const emergencies: string[] = [];
  const outcomes: string[] = [];
  const startId = 'procedure__start';

  nodes.push(node(startId, 'stadium', label(`Start: ${p.procedure}`)));
  edges.push(`${startId} --> ${mermaidId(p.start)}`);

  for (const step of p.steps) {
    const id = mermaidId(step.id);
    nodes.push(node(id, shapeOf(step), stepLabel(p, step)));
    switch (step.kind) {
      case 'danger': {
        const emergencyId = `${id}__emergency`;
        const e = step.emergency;
        nodes.push(node(emergencyId, 'rectangle', label(e.title, ...e.actions.map((a) => bullet(a.text)), `(${e.basis})`)));
        emergencies.push(emergencyId);
        edges.push(`${id} -->|${edgeLabel(step.yesLabel)}| ${emergencyId}`);
        edges.push(`${emergencyId} -->|${edgeLabel('once the immediate danger is dealt with')}| ${mermaidId(step.next)}`);
        edges.push(`${id} -->|${edgeLabel(step.noLabel)}| ${mermaidId(step.next)}`);
        break;
      }
      case 'question':
        for (const a of step.answers) {
          if (a.selfCheck && p.selfCheck) {
            const checkId = `${id}__${mermaidId(a.id)}__self_check`;
            nodes.push(node(checkId, 'subroutine', label(p.selfCheck.title, `(${p.selfCheck.questions.length} questions)`)));
            edges.push(`${id} -->|${edgeLabel(a.label)}| ${checkId}`);
            edges.push(`${checkId} --> ${mermaidId(a.next)}`);
          } else {
            edges.push(`${id} -->|${edgeLabel(a.label)}| ${mermaidId(a.next)}`);
          }
        }
        break;
      case 'risk-level':
        for (const l of step.levels) {
          const level = p.riskLevels.find((r) => r.id === l.level);
          edges.push(`${id} -->|${edgeLabel(level?.label ?? l.level)}| ${mermaidId(l.next)}`);
        }
        break;
      case 'actions':
      case 'checklist':
      case 'case-reference':
        edges.push(`${id} --> ${mermaidId(step.next)}`);
        break;
      case 'outcome':
        outcomes.push(id);
        break;
    }
  }

  const lines = [
    'flowchart TD',
    `  %% ${provenance(p)} (area ${p.area})`,
    ...nodes.map((n) => `  ${n}`),
    ...edges.map((e) => `  ${e}`),
    '  classDef emergency fill:#fde2e1,stroke:#c62828,stroke-width:2px,color:#000',
    '  classDef outcome fill:#e3f2e1,stroke:#2e7d32,color:#000',
  ];
  if (emergencies.length > 0) lines.push(`  class ${emergencies.join(',')} emergency`);
  if (outcomes.length > 0) lines.push(`  class ${outcomes.join(',')} outcome`);
  return `${lines.join('\n')}\n`;
}

/** The docs/flowcharts/<area>.md page for a pack; `packPath` is the pack's path from the repository root. */
export function flowchartMarkdown(p: Procedure, packPath: string): string {
  return [
    `# ${p.procedure}: flowchart`,
    '',
    provenance(p),
    '',
    `Generated by \`npm run generate\` from [${packPath}](../../${packPath}); do not edit by hand. This is the bot's ` +
      `reading of the procedure (source document: \`${p.source}\`): compare it with the council's own chart before ` +
      'relying on it.',
    '',
    '```mermaid',
    toMermaid(p).trimEnd(),
    '```',
    '',
  ].join('\n');
}
