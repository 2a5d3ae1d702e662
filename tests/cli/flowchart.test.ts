import { join } from 'node:path';
import { loadCatalogue } from '../../src/procedure/load';
import { mermaidId, mermaidText, toMermaid, wrapWords } from '../../src/procedure/flowchart';
import type { Procedure } from '../../src/procedure/schema';

const { procedures } = loadCatalogue(join(__dirname, '..', '..', 'dialogs'));
const pack = (area: string): Procedure => {
  const p = procedures.find((x) => x.area === area);
  if (!p) throw new Error(`no pack ${area}`);
  return p;
};

describe.each(['nottingham-city', 'sandwell'])('toMermaid(%s)', (area) => {
  const p = pack(area);
  const chart = toMermaid(p);
  const lines = chart.split('\n').map((l) => l.trim());

  it('is a top-down flowchart, and the same every time', () => {
    expect(lines[0]).toBe('flowchart TD');
    expect(toMermaid(pack(area))).toBe(chart);
  });

  it('has a node for every step, shaped by its kind', () => {
    for (const step of p.steps) {
      const id = mermaidId(step.id);
      const open = { danger: '{', question: '{', 'risk-level': '{', outcome: '(', actions: '[', checklist: '[', 'case-reference': '[' }[step.kind];
      expect(lines.some((l) => l.startsWith(`${id}${open}"`))).toBe(true);
    }
  });

  it('has an edge for every answer and every risk level, labelled as the user sees it', () => {
    for (const step of p.steps) {
      const from = mermaidId(step.id);
      if (step.kind === 'question') {
        for (const a of step.answers) {
          const target = a.selfCheck ? `${from}__${mermaidId(a.id)}__self_check` : mermaidId(a.next);
          expect(lines).toContain(`${from} -->|"${mermaidText(a.label)}"| ${target}`);
        }
      }
      if (step.kind === 'risk-level') {
        for (const l of step.levels) {
          const label = p.riskLevels.find((r) => r.id === l.level)!.label;
          expect(lines).toContain(`${from} -->|"${mermaidText(label)}"| ${mermaidId(l.next)}`);
        }
      }
      if (step.kind === 'actions' || step.kind === 'checklist' || step.kind === 'case-reference') {
        expect(lines).toContain(`${from} --> ${mermaidId(step.next)}`);
      }
    }
  });

  it('sends the danger step\'s yes to an emergency node, then on to the rest of the procedure', () => {
    const danger = p.steps.find((s) => s.id === p.start);
    if (danger?.kind !== 'danger') throw new Error('the start is not the danger step');
    const id = mermaidId(danger.id);
    expect(lines).toContain(`${id} -->|"${mermaidText(danger.yesLabel)}"| ${id}__emergency`);
    expect(lines).toContain(`${id} -->|"${mermaidText(danger.noLabel)}"| ${mermaidId(danger.next)}`);
    expect(lines.some((l) => l.startsWith(`${id}__emergency -->`) && l.endsWith(` ${mermaidId(danger.next)}`))).toBe(true);
    expect(lines.find((l) => l.startsWith(`${id}__emergency[`))).toContain(mermaidText(danger.emergency.title));
  });

  it('has no raw double quote inside a label, and no hyphenated node id', () => {
    for (const l of lines.filter((x) => x.includes('"'))) {
      // Every label is one quoted string: the quotes are its two ends, nothing in between.
      expect(l.match(/"/g)).toHaveLength(2);
    }
    for (const step of p.steps) expect(mermaidId(step.id)).toMatch(/^[A-Za-z0-9_]+$/);
  });
});

describe('Mermaid escaping', () => {
  it('writes quotes and other special characters as entity codes', () => {
    expect(mermaidText('Box "Call Emergency Service"')).toBe('Box #quot;Call Emergency Service#quot;');
    expect(mermaidText('Children & Families Direct')).toBe('Children #amp; Families Direct');
    expect(mermaidText('a <b> | #1 `x`')).toBe('a #lt;b#gt; #124; #35;1 #96;x#96;');
    expect(mermaidText('two\n  lines')).toBe('two lines');
  });

  it('keeps ids apart from Mermaid keywords', () => {
    expect(mermaidId('open-case')).toBe('open_case');
    expect(mermaidId('end')).toBe('end_');
  });

  it('wraps long text at spaces, never inside a word', () => {
    const lines = wrapWords('If concerns are related to Police intelligence send to: cnm@nottinghamshire.pnn.police.uk', 20);
    expect(lines.every((l) => l.length <= 20 || !l.includes(' '))).toBe(true);
    expect(lines).toContain('cnm@nottinghamshire.pnn.police.uk');
  });

  it('escapes a pack\'s text that holds quotes (the emergency basis)', () => {
    const chart = toMermaid(pack('nottingham-city'));
    expect(chart).toContain('pathway: #quot;Call');
  });
});
