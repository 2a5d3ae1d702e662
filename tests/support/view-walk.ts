/**
 * Walks every view a user can reach in both packs (one area fixed, and both enabled), trying every answer, a case
 * reference or skip, and every command at each view. The channel renderers' suites check each view it finds.
 */
import { resolve } from 'node:path';
import { createEngine, type ConversationState, type Engine, type Input, type Notice, type StepResult, type View } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';

export const catalogue = loadCatalogue(resolve(__dirname, '../../dialogs'));
export const CASE_REF = 'AB-1234';

export interface Seen {
  label: string;
  engine: Engine;
  state: ConversationState;
  view: View;
  notice?: Notice;
}

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

/** What to try at a view: answers first (all ticked and "no" first, so the expanded paths carry the most), then commands. */
function inputsAt(view: View, manager: string): Input[] {
  const answer = (value: string | string[]): Input => ({ type: 'answer', ref: view.ref, value });
  const inputs: Input[] = [];
  switch (view.kind) {
    case 'question':
    case 'risk-level':
      inputs.push(...[...view.options].sort((a, b) => Number(a.value !== 'no') - Number(b.value !== 'no')).map((o) => answer(o.value)));
      break;
    case 'checklist': {
      const ids = view.groups.flatMap((g) => g.items.map((i) => i.id));
      inputs.push(answer(ids), answer(ids.slice(0, 1)), answer([]));
      break;
    }
    case 'actions':
      inputs.push(answer('done'));
      break;
    case 'case-reference':
      inputs.push(answer(CASE_REF), answer('skip'));
      break;
    case 'outcome':
      inputs.push({ type: 'send-summary', ref: view.ref, manager: { id: manager } });
      break;
  }
  for (const command of ['emergency', 'check', 'back', 'contacts', 'help', 'guidance', 'carry-on', 'restart'] as const) inputs.push({ type: 'command', command });
  inputs.push({ type: 'text', text: 'what is MASE' }, { type: 'text', text: 'purple elephant' }, { type: 'answer', ref: 'old#0', value: 'x' });
  return inputs;
}

/** Ref and times change with every turn; without them two views look the same to a user. */
function viewKey(view: View, notice: Notice | undefined): string {
  return JSON.stringify({ view, notice }, (key, value: unknown) => (['ref', 'at', 'startedAt', 'completedAt'].includes(key) ? undefined : value));
}

function walk(engine: Engine, label: string, manager: string): Seen[] {
  let turn = 0;
  const now = () => new Date(T0 + turn++ * 60_000).toISOString();
  const seen: Seen[] = [];
  const views = new Set<string>();
  const expanded = new Set<string>();
  const record = (r: StepResult) => {
    const key = viewKey(r.view, r.notice);
    if (views.has(key)) return;
    views.add(key);
    seen.push({ label: `${label} ${r.state.node} "${r.view.position}"${r.notice ? ` + "${r.notice.title}"` : ''}`, engine, state: r.state, view: r.view, notice: r.notice });
  };
  const first = engine.start(now());
  record(first);
  const queue: StepResult[] = [first];
  while (queue.length > 0) {
    const r = queue.shift()!;
    const { node, ctx } = r.state;
    const check = ctx.selfCheck ? `${ctx.selfCheck.index}:${ctx.selfCheck.no.length > 0}` : '';
    const key = `${node}|${r.view.position}|${ctx.returnTo}|${check}|${ctx.area}`;
    if (expanded.has(key)) continue;
    expanded.add(key);
    for (const input of inputsAt(r.view, manager)) {
      const next = engine.step(r.state, input, now());
      record(next);
      queue.push(next);
    }
  }
  return seen;
}

/** The engines walked: both areas enabled, then each area fixed. */
export const engines: [string, Engine][] = [
  ['multi', createEngine({ procedures: catalogue.procedures, common: catalogue.common })],
  ...catalogue.procedures.map((p): [string, Engine] => [p.area, createEngine({ procedures: catalogue.procedures, common: catalogue.common, defaultArea: p.area })]),
];

/** Every distinct view (with its notice) of every engine; `manager` is the id the outcome's summary is sent to. */
export function allViews(manager: string): Seen[] {
  return engines.flatMap(([label, engine]) => walk(engine, label, manager));
}
