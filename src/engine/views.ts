import type { Action, Common, Procedure, Step } from '../procedure/schema';
import { provenance } from '../procedure/provenance';
import { caseReferenceRule } from '../procedure/case-reference';
import { nodeKey, parseNodeKey } from './machine';
import {
  SPECIAL,
  type ActionView,
  type CaseSummary,
  type ContactView,
  type ConversationState,
  type GuidanceView,
  type Notice,
  type TickedList,
  type View,
} from './types';

const COMMANDS_HINT = 'or type: back, restart, contacts, emergency, help';


export function contactView(p: Procedure, id: string): ContactView {
  const c = p.contacts.find((x) => x.id === id);
  // The pack checks guarantee every referenced contact exists; a miss here is a programming error.
  if (!c) throw new Error(`contact ${id} missing from ${p.area}`);
  return { id: c.id, name: c.name, purpose: c.purpose, phone: c.phone, email: c.email };
}

export function actionViews(p: Procedure, actions: Action[]): ActionView[] {
  return actions.map((a) => ({ text: a.text, contacts: a.contacts.map((id) => contactView(p, id)) }));
}

/** Every contact the actions name, once each, in order of first mention, then the extra ones. */
function contactsOf(p: Procedure, actions: Action[], extra: string[]): ContactView[] {
  const ids = [...new Set([...actions.flatMap((a) => a.contacts), ...extra])];
  return ids.map((id) => contactView(p, id));
}

export function guidanceViews(p: Procedure, ids: string[]): GuidanceView[] {
  return ids.flatMap((id) => {
    const g = p.guidance.find((x) => x.id === id);
    return g ? [{ title: g.title, text: g.text, points: g.points }] : [];
  });
}

/** The toolkit's own questions answered so far, shown with the indicators: "To include siblings: Yes". */
export const TOOLKIT_QUESTIONS_LIST = '@toolkit-questions';

/** The indicators ticked so far, grouped as the pack groups them, then the toolkit's questions answered so far. */
export function tickedLists(p: Procedure, state: ConversationState): TickedList[] {
  const answered = p.steps.flatMap((s) => {
    if (s.kind !== 'question' || s.recordWithIndicators === undefined) return [];
    const rec = state.ctx.answers[nodeKey(p.area, s.id)];
    const label = rec ? s.answers.find((a) => a.id === rec.v)?.label : undefined;
    return label === undefined ? [] : [`${s.recordWithIndicators}: ${label}`];
  });
  const questions: TickedList[] = answered.length === 0 ? [] : [{ list: TOOLKIT_QUESTIONS_LIST, title: 'Also recorded in the toolkit', groups: [{ title: 'Toolkit questions', items: answered }] }];
  return [...indicatorsTicked(p, state), ...questions];
}

function indicatorsTicked(p: Procedure, state: ConversationState): TickedList[] {
  return p.indicatorLists
    .filter((l) => state.ctx.indicators[l.id] !== undefined)
    .map((l) => {
      const ticked = new Set(state.ctx.indicators[l.id]);
      return {
        list: l.id,
        title: l.title,
        groups: l.groups
          .map((g) => ({ title: g.title, items: g.indicators.filter((i) => ticked.has(i.id)).map((i) => i.text) }))
          .filter((g) => g.items.length > 0),
      };
    });
}

export function refOf(state: ConversationState): string {
  return `${state.node}#${state.seq}`;
}

export interface Catalog {
  procedures: Map<string, Procedure>;
  common: Common;
}

export function stepOf(catalog: Catalog, key: string): { p: Procedure; step: Step } | null {
  const { area, step } = parseNodeKey(key);
  const p = area ? catalog.procedures.get(area) : undefined;
  const s = p?.steps.find((x) => x.id === step);
  return p && s ? { p, step: s } : null;
}

function position(state: ConversationState, heading: string): string {
  return `Step ${state.ctx.trail.length + 1}: ${heading}`;
}

/** Builds the case summary the outcome carries. */
export function caseSummary(
  p: Procedure,
  state: ConversationState,
  outcome: Step & { kind: 'outcome' },
  now: string,
  common: Common,
): CaseSummary {
  const answers: CaseSummary['answers'] = [];
  for (const key of state.ctx.trail) {
    const rec = state.ctx.answers[key];
    if (!rec) continue;
    const found = parseNodeKey(key);
    let heading = found.step;
    let label = rec.v;
    if (key === SPECIAL.danger || key === SPECIAL.area) {
      heading = key === SPECIAL.danger ? common.danger.heading : common.area.heading;
      label = key === SPECIAL.area ? p.name : rec.v === 'yes' ? common.danger.yesLabel : common.danger.noLabel;
    } else {
      const step = p.steps.find((s) => s.id === found.step);
      if (!step) continue;
      heading = step.heading;
      if (step.kind === 'question') label = step.answers.find((a) => a.id === rec.v)?.label ?? rec.v;
      else if (step.kind === 'danger') label = rec.v === 'yes' ? step.yesLabel : step.noLabel;
      else if (step.kind === 'risk-level') label = p.riskLevels.find((r) => r.id === rec.v)?.label ?? rec.v;
      else if (step.kind === 'checklist') label = `${state.ctx.indicators[step.list]?.length ?? 0} ticked`;
      else if (step.kind === 'case-reference') label = state.ctx.caseRef ? 'given' : 'skipped';
      // "Done: carry on" says the user read the step and went on, not that the tasks were done.
      else label = 'acknowledged';
    }
    answers.push({ step: key, heading, answer: rec.v, label, at: rec.at });
  }
  const dangerRec = state.ctx.answers[SPECIAL.danger] ?? state.ctx.answers[nodeKey(p.area, p.start)];
  const level = state.ctx.riskLevel ? p.riskLevels.find((r) => r.id === state.ctx.riskLevel) : undefined;
  const emergencies = (state.ctx.emergencies ?? []).map((e) => ({ at: e.at, step: e.from, heading: headingOf(p, common, e.from) }));
  // Immediate danger is recorded as it happened: the danger question's answer, or any time the emergency step was
  // shown later in the run (never "no" when an emergency was raised).
  const immediateDanger = emergencies.length > 0 || dangerRec?.v === 'yes' ? 'yes' : dangerRec ? 'no' : null;
  return {
    area: p.area,
    areaName: p.name,
    procedure: p.procedure,
    packVersion: p.version,
    checked: p.checked,
    provenance: provenance(p),
    caseRef: state.ctx.caseRef,
    outcome: { step: outcome.id, title: outcome.title },
    immediateDanger,
    emergencies,
    answers,
    indicators: tickedLists(p, state),
    riskLevel: level ? { id: level.id, label: level.label } : null,
    actions: actionViews(p, outcome.actions),
    startedAt: state.ctx.startedAt,
    completedAt: state.ctx.completedAt ?? now,
  };
}

/** The platform-neutral view of where a run is now. */
export function renderView(catalog: Catalog, state: ConversationState, now: string): View {
  const ref = refOf(state);
  const node = state.node;
  const area = state.ctx.area;
  const common = catalog.common;
  const base = { ref, node, area, guidance: [] as GuidanceView[] };

  if (node === SPECIAL.danger) {
    return {
      ...base,
      kind: 'question',
      position: position(state, common.danger.heading),
      title: common.danger.text,
      options: [
        { value: 'yes', label: common.danger.yesLabel },
        { value: 'no', label: common.danger.noLabel },
      ],
      hint: `Type yes or no, ${COMMANDS_HINT}.`,
    };
  }
  if (node === SPECIAL.area) {
    return {
      ...base,
      kind: 'question',
      position: position(state, common.area.heading),
      title: common.area.text,
      options: [...catalog.procedures.values()].map((p) => ({ value: p.area, label: p.name })),
      hint: `Type the area's number or name, ${COMMANDS_HINT}.`,
    };
  }
  if (node === SPECIAL.emergency) {
    const p = area ? catalog.procedures.get(area) : undefined;
    const danger = p?.steps.find((s) => s.id === p.start);
    if (p && danger?.kind === 'danger') {
      return {
        ...base,
        kind: 'actions',
        position: 'Emergency',
        title: danger.emergency.title,
        text: danger.emergency.text,
        basis: danger.emergency.basis,
        actions: actionViews(p, danger.emergency.actions),
        continueLabel: 'The immediate danger is dealt with: carry on',
        hint: 'When the immediate danger is dealt with, type "carry on".',
      };
    }
    const e = common.danger.emergency;
    return {
      ...base,
      kind: 'actions',
      position: 'Emergency',
      title: e.title,
      text: e.text,
      basis: e.basis,
      actions: e.actions.map((text) => ({ text, contacts: [e.contact] })),
      continueLabel: 'The immediate danger is dealt with: carry on',
      hint: 'When the immediate danger is dealt with, type "carry on".',
    };
  }
  if (node === SPECIAL.selfCheck) {
    const p = catalog.procedures.get(area ?? '');
    const sc = p?.selfCheck;
    const progress = state.ctx.selfCheck ?? { index: 0, no: [] };
    if (!p || !sc) throw new Error('self-check without a pack that has one');
    const q = sc.questions[progress.index];
    if (q) {
      return {
        ...base,
        kind: 'question',
        position: `${sc.title} (${progress.index + 1} of ${sc.questions.length})`,
        title: q.text,
        text: progress.index === 0 ? sc.intro : undefined,
        options: [
          { value: 'yes', label: 'Yes' },
          { value: 'no', label: 'No' },
        ],
        hint: 'Type yes or no, or "carry on" to leave the questions.',
      };
    }
    const noQuestions = sc.questions.filter((x) => progress.no.includes(x.id));
    return {
      ...base,
      kind: 'actions',
      position: `${sc.title}: done`,
      title: noQuestions.length === 0 ? 'You answered yes to every question.' : `You answered no to ${noQuestions.length} of ${sc.questions.length} questions.`,
      text: noQuestions.length === 0 ? undefined : [...noQuestions.map((x) => `No: ${x.text}`), sc.ifNo].join('\n'),
      actions: noQuestions.length === 0 ? [] : sc.places.map((id) => ({ text: contactView(p, id).name, contacts: [contactView(p, id)] })),
      continueLabel: 'Carry on',
      hint: 'Type "carry on" to go back to the procedure.',
    };
  }

  const found = stepOf(catalog, node);
  if (!found) throw new Error(`no step at ${node}`);
  const { p, step } = found;
  const guidance = guidanceViews(p, step.guidance);
  const at = { ...base, guidance, position: position(state, step.heading) };
  switch (step.kind) {
    case 'danger':
      return {
        ...at,
        kind: 'question',
        title: step.text,
        options: [
          { value: 'yes', label: step.yesLabel },
          { value: 'no', label: step.noLabel },
        ],
        hint: `Type yes or no, ${COMMANDS_HINT}.`,
      };
    case 'question':
      return {
        ...at,
        kind: 'question',
        title: step.text,
        options: step.answers.map((a) => ({ value: a.id, label: a.label })),
        hint: `Type the answer's number or words, ${COMMANDS_HINT}.`,
      };
    case 'actions':
      return {
        ...at,
        kind: 'actions',
        title: step.text ?? 'Do this now',
        actions: actionViews(p, step.actions),
        continueLabel: 'Done: carry on',
        hint: `Type "done" when you have, ${COMMANDS_HINT}.`,
      };
    case 'checklist': {
      const list = p.indicatorLists.find((l) => l.id === step.list)!;
      let n = 0;
      return {
        ...at,
        kind: 'checklist',
        title: list.title,
        text: step.text,
        list: list.id,
        note: list.note,
        groups: list.groups.map((g) => ({ id: g.id, title: g.title, items: g.indicators.map((i) => ({ id: i.id, n: ++n, text: i.text })) })),
        hint: `Type the numbers that apply, separated by commas (e.g. 1, 4, 7), or "none", ${COMMANDS_HINT}.`,
      };
    }
    case 'risk-level':
      return {
        ...at,
        kind: 'risk-level',
        title: step.text,
        options: step.levels.map((l) => {
          const level = p.riskLevels.find((r) => r.id === l.level)!;
          return { value: level.id, label: level.label, description: level.description };
        }),
        levelsNote: p.riskLevelsNote,
        ticked: tickedLists(p, state),
        hint: `Type the level's number or name, ${COMMANDS_HINT}.`,
      };
    case 'case-reference':
      return {
        ...at,
        kind: 'case-reference',
        title: step.text,
        format: caseReferenceFormatOf(p),
        hint: `Type the case reference or "skip", ${COMMANDS_HINT}.`,
      };
    case 'outcome':
      return {
        ...at,
        kind: 'outcome',
        position: `Outcome: ${step.heading}`,
        title: step.title,
        text: step.text,
        actions: actionViews(p, step.actions),
        contacts: contactsOf(p, step.actions, step.contacts),
        provenance: provenance(p),
        summary: caseSummary(p, state, step, now, common),
        hint: 'Type "restart" to start again, "contacts" for every contact, or "back" to change your last answer.',
      };
  }
}

/** The "contacts" answer: every contact of the run's area, or a prompt to choose the area first. */
export function contactsNotice(catalog: Catalog, area: string | null): Notice {
  const p = area ? catalog.procedures.get(area) : undefined;
  if (!p) {
    return {
      kind: 'info',
      title: 'Contacts',
      lines: ['Contacts depend on the area the child lives in. Answer the questions to choose the area first.', 'In an emergency, call 999.'],
    };
  }
  return {
    kind: 'info',
    title: `${p.name} contacts`,
    lines: [`From the ${provenance(p)}.`],
    contacts: p.contacts.map((c) => contactView(p, c.id)),
  };
}

export function helpNotice(catalog: Catalog): Notice {
  return { kind: 'info', title: 'Help', lines: catalog.common.help };
}

export function guidanceNotice(catalog: Catalog, area: string | null): Notice {
  const p = area ? catalog.procedures.get(area) : undefined;
  if (!p) return { kind: 'info', title: 'Guidance', lines: ['The guidance depends on the area. Choose the area first.'] };
  return {
    kind: 'info',
    title: `${p.name}: practice guidance`,
    lines: p.guidance.flatMap((g) => [g.title, ...(g.text ? [g.text] : []), ...g.points.map((x) => `• ${x}`)]),
  };
}

/** Answers "what is X" from the area's own glossary, and says plainly when there is no entry. */
export function glossaryNotice(catalog: Catalog, area: string | null, term: string): Notice {
  const p = area ? catalog.procedures.get(area) : undefined;
  const shown = term.toUpperCase();
  if (!p) {
    return { kind: 'info', title: shown, lines: ['Acronyms are explained from the area\'s own procedure. Choose the area first.'] };
  }
  const entry = p.glossary.find((g) => g.term.toUpperCase() === shown);
  if (!entry) {
    return {
      kind: 'info',
      title: shown,
      lines: [`The ${p.procedure} does not explain "${shown}", so I have no answer for it and will not guess.`],
    };
  }
  return {
    kind: 'info',
    title: entry.expansion ? `${entry.term}: ${entry.expansion}` : entry.term,
    lines: [entry.meaning],
  };
}

/** The area's case-reference format as a view shows it. */
function caseReferenceFormatOf(p: Procedure): { description: string; example: string; inputPattern: string } {
  const rule = caseReferenceRule(p.caseReference);
  return { description: rule.description, example: rule.example, inputPattern: rule.inputPattern };
}

/** A place in a run as the user saw it named: a step's heading, or the area-neutral question's. */
function headingOf(p: Procedure, common: Common, key: string): string {
  if (key === SPECIAL.danger) return common.danger.heading;
  if (key === SPECIAL.area) return common.area.heading;
  if (key === SPECIAL.selfCheck) return p.selfCheck?.title ?? key;
  const { step } = parseNodeKey(key);
  return p.steps.find((s) => s.id === step)?.heading ?? key;
}

/** Words too common to say what a question is about. */
const COMMON_WORDS = new Set(['what', 'whats', 'who', 'whom', 'where', 'when', 'which', 'how', 'does', 'about', 'with', 'from', 'that', 'this', 'there', 'their', 'have', 'your', 'into', 'for', 'the', 'and', 'number', 'email', 'phone', 'call', 'send', 'contact', 'tell', 'need', 'should', 'could', 'would']);

const words = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);

/** Whether typed text reads as a question rather than an answer. */
export function looksLikeQuestion(text: string): boolean {
  const first = words(text)[0] ?? '';
  return /\?\s*$/.test(text) || ['what', 'whats', 'who', 'whom', 'where', 'when', 'why', 'how', 'which', 'can', 'could', 'should', 'do', 'does', 'is', 'are', 'tell'].includes(first);
}

/**
 * A question typed where an answer was expected ("what is Tri X", "who do I email about police intelligence?"),
 * answered only from the area's own procedure: the contacts and glossary entries it names, or, when it names none,
 * a plain "I don't know that" with the contacts. Nothing is made up.
 */
export function questionNotice(catalog: Catalog, area: string | null, text: string): Notice {
  const p = area ? catalog.procedures.get(area) : undefined;
  if (!p) return { ...contactsNotice(catalog, area), title: "I can't answer that yet" };
  const asked = ` ${words(text).join(' ')} `;
  const topic = new Set(words(text).filter((w) => w.length >= 4 && !COMMON_WORDS.has(w)));
  const named = (name: string) => asked.includes(` ${words(name).join(' ')} `);
  // Two different words of the question in a contact's name and purpose: "police intelligence", not "manager" twice.
  const about = (s: string) => new Set(words(s).filter((w) => topic.has(w))).size >= 2;
  const contacts = p.contacts.filter((c) => named(c.name) || about(`${c.name} ${c.purpose ?? ''}`));
  const glossary = p.glossary.filter((g) => named(g.term) || (g.expansion !== undefined && named(g.expansion)));
  if (contacts.length === 0 && glossary.length === 0) {
    return { ...contactsNotice(catalog, area), title: `I don't know that from the ${p.procedure}. Here are its contacts.` };
  }
  return {
    kind: 'info',
    title: `From the ${p.procedure}`,
    lines: glossary.map((g) => `${g.term}${g.expansion ? ` (${g.expansion})` : ''}: ${g.meaning}`),
    contacts: contacts.map((c) => contactView(p, c.id)),
  };
}
