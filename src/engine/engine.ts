import { transition } from 'xstate';
import type { Common, Procedure } from '../procedure/schema';
import { compileMachine, freshContext, nodeKey, type RunEvent } from './machine';
import {
  SPECIAL,
  type Command,
  type ConversationState,
  type Effect,
  type ErrorCode,
  type Input,
  type Notice,
  type StepResult,
  type View,
} from './types';
import { provenance } from '../procedure/provenance';
import { caseReferenceRule } from '../procedure/case-reference';
import {
  caseSummary,
  contactsNotice,
  glossaryNotice,
  guidanceNotice,
  helpNotice,
  looksLikeQuestion,
  questionNotice,
  refOf,
  renderView,
  stepOf,
  type Catalog,
} from './views';

export interface EngineOptions {
  procedures: Procedure[];
  common: Common;
  /** Runs use this area without asking. With one procedure enabled, that area is the default. */
  defaultArea?: string;
}

/** Thrown at construction when the options name an area that no enabled pack covers. */
export class UnknownAreaError extends Error {
  readonly code = 'unknown_area';
}

/** A conversation's engine: pure functions over plain JSON state. */
export interface Engine {
  readonly areas: { id: string; name: string }[];
  readonly fixedArea: string | null;
  /** A new run and its first view. */
  start(now: string): StepResult;
  /** Applies one input to a stored state. */
  step(state: ConversationState, input: Input, now: string): StepResult;
  /** The view of a stored state, without changing it. */
  view(state: ConversationState, now: string): View;
  /** Whether a stored state can be continued by this engine (its area and step still exist). */
  canResume(state: unknown): state is ConversationState;
  /** The enabled pack's version for an area, for audit rows. */
  packVersion(area: string): string | undefined;
  /** The provenance line of an enabled area (see views.ts provenance). */
  provenance(area: string): string | undefined;
  /**
   * The question behind `ref`, as it was shown, and the answer recorded for it, when answering it was the run's last
   * change (a second click on the same card, racing the first); null otherwise.
   */
  recordedAnswer(state: ConversationState, ref: string, now: string): { view: View; value: string | string[] } | null;
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9&/]+/g, ' ')
    .trim();

const YES = new Set(['y', 'yes', 'yeah', 'yep']);
const NO = new Set(['n', 'no', 'nope']);
const DONE = new Set(['done', 'next', 'ok', 'okay', 'continue', 'carry on', 'go on', 'yes', 'y', '1']);
const SKIP = new Set(['skip', 'none', 'no', 'n', 'no reference', 'not known', 'unknown']);
const NONE = new Set(['none', 'no', 'nothing', '0', 'n']);

/** Typed words that are commands wherever the user is. */
export function commandOf(text: string): Command | { glossary: string } | null {
  const t = norm(text);
  if (/\b(emergency|immediate danger)\b/.test(t) || /(^|\s)999($|[\s.!?,])/.test(text)) return 'emergency';
  if (t === 'back' || t === 'go back' || t === 'undo') return 'back';
  if (t === 'restart' || t === 'start again' || t === 'start over' || t === 'reset') return 'restart';
  if (t === 'contacts' || t === 'contact' || t === 'who do i contact') return 'contacts';
  if (t === 'help' || t === '?' || text.trim() === '?') return 'help';
  if (t === 'guidance' || t === 'definition') return 'guidance';
  if (t === 'check' || t === 'self check' || t === 'questions to ask yourself') return 'check';
  if (t === 'carry on' || t === 'continue') return 'carry-on';
  if (t === 'start' || t === 'toolkit' || t === 'what do i do' || t === 'hi' || t === 'hello') return 'resume';
  const g = /^(?:what is|whats|what does|what s|define|meaning of)\s+(?:an?\s+|the\s+)?([a-z0-9]{2,10})(?:\s+mean)?$/.exec(t);
  if (g?.[1]) return { glossary: g[1] };
  return null;
}


/** Builds an engine over the enabled procedures. */
export function createEngine(options: EngineOptions): Engine {
  const procedures = new Map(options.procedures.map((p) => [p.area, p]));
  if (procedures.size === 0) throw new UnknownAreaError('no procedure is enabled');
  if (options.defaultArea && !procedures.has(options.defaultArea)) {
    throw new UnknownAreaError(`DEFAULT_AREA "${options.defaultArea}" is not an enabled area (${[...procedures.keys()].join(', ')})`);
  }
  const fixedArea = options.defaultArea ?? (procedures.size === 1 ? [...procedures.keys()][0]! : null);
  const catalog: Catalog = { procedures, common: options.common };
  const { machine, initial, states } = compileMachine({ procedures: options.procedures, fixedArea });

  const snapshotOf = (state: ConversationState) => machine.resolveState({ value: state.node, context: state.ctx });

  const send = (state: ConversationState, event: RunEvent): ConversationState | null => {
    const [next] = transition(machine, snapshotOf(state), event);
    const node = typeof next.value === 'string' ? next.value : Object.keys(next.value)[0]!;
    if (node === state.node && next.context === state.ctx) return null;
    return { v: 1, node, seq: state.seq + 1, ctx: next.context };
  };

  const effectsOf = (before: ConversationState, after: ConversationState, now: string): Effect[] => {
    if (after.node === before.node) return [];
    const found = stepOf(catalog, after.node);
    if (found?.step.kind !== 'outcome') return [];
    // A run completes once: coming back to its outcome from an interrupt (emergency, check) is not a new completion.
    // But an emergency raised after the outcome belongs on the run's record too, so the completion is written again
    // (same completion time, so the same record, now with the emergency in it).
    const completedAt = before.ctx.completedAt;
    if (completedAt !== null && !(before.node === SPECIAL.emergency && (after.ctx.emergencies ?? []).some((e) => e.at > completedAt))) return [];
    return [{ type: 'case-completed', summary: caseSummary(found.p, after, found.step, now, catalog.common) }];
  };

  const result = (
    state: ConversationState,
    now: string,
    extra: { notice?: Notice; effects?: Effect[]; error?: { code: ErrorCode; message: string }; changed?: boolean } = {},
  ): StepResult => ({
    state,
    view: renderView(catalog, state, now),
    notice: extra.notice,
    effects: extra.effects ?? [],
    error: extra.error,
    changed: extra.changed ?? false,
  });

  const fail = (state: ConversationState, now: string, code: ErrorCode, message: string): StepResult =>
    result(state, now, { error: { code, message }, notice: { kind: 'error', title: message, lines: [] } });

  const move = (state: ConversationState, event: RunEvent, now: string, notice?: Notice): StepResult | null => {
    const sent = send(state, event);
    if (!sent) return null;
    // The emergency step shown from a step of the run (the danger question answered yes, or "emergency" typed at
    // any point) is part of the run's record: when, and from where.
    const next =
      sent.node === SPECIAL.emergency && state.node !== SPECIAL.emergency
        ? { ...sent, ctx: { ...sent.ctx, emergencies: [...(sent.ctx.emergencies ?? []), { at: now, from: state.node }] } }
        : sent;
    return result(next, now, { notice, effects: effectsOf(state, next, now), changed: true });
  };

  /** Turns a typed or clicked answer into the machine's event for the current node, or explains why not. */
  const answerEvent = (state: ConversationState, raw: string | string[], typed: boolean, now: string): RunEvent | string => {
    const view = renderView(catalog, state, now);
    const text = Array.isArray(raw) ? raw.join(',') : raw;
    const t = norm(text);
    switch (view.kind) {
      case 'question':
      case 'risk-level': {
        if (state.node === SPECIAL.selfCheck) {
          if (YES.has(t) || t === '1') return { type: 'SELF_CHECK_ANSWER', value: 'yes', at: now };
          if (NO.has(t) || t === '2') return { type: 'SELF_CHECK_ANSWER', value: 'no', at: now };
          return 'Please answer yes or no.';
        }
        const options = view.options;
        let chosen = options.find((o) => o.value === text);
        if (!chosen && typed) {
          const n = /^\d+$/.test(t) ? Number(t) : NaN;
          chosen =
            options[n - 1] ??
            options.find((o) => norm(o.label) === t || o.value === t) ??
            (YES.has(t) ? options.find((o) => o.value === 'yes' || norm(o.label).startsWith('yes')) : undefined) ??
            (NO.has(t) ? options.find((o) => o.value === 'no' || /^(no|not)\b/.test(norm(o.label))) : undefined);
          if (!chosen) {
            const partial = options.filter((o) => t.length >= 3 && norm(o.label).includes(t));
            if (partial.length === 1) chosen = partial[0];
          }
        }
        if (!chosen) return `Please choose one of: ${options.map((o, i) => `${i + 1}. ${o.label}`).join('; ')}.`;
        return { type: 'ANSWER', value: chosen.value, at: now };
      }
      case 'checklist': {
        const items = view.groups.flatMap((g) => g.items);
        if (Array.isArray(raw)) {
          const unknown = raw.filter((id) => !items.some((i) => i.id === id));
          if (unknown.length > 0) return 'Some of those indicators are not on this list.';
          return { type: 'ANSWER', value: 'ticked', at: now, ticked: items.filter((i) => raw.includes(i.id)).map((i) => i.id) };
        }
        if (NONE.has(t)) return { type: 'ANSWER', value: 'ticked', at: now, ticked: [] };
        const parts = text.split(/[\s,;]+/).filter(Boolean);
        const picked = new Set<string>();
        for (const part of parts) {
          const n = Number(part);
          const item = Number.isInteger(n) ? items.find((i) => i.n === n) : items.find((i) => i.id === part);
          if (!item) return `Type the numbers of the indicators that apply (1 to ${items.length}), separated by commas, or "none".`;
          picked.add(item.id);
        }
        if (picked.size === 0) return `Type the numbers of the indicators that apply (1 to ${items.length}), separated by commas, or "none".`;
        return { type: 'ANSWER', value: 'ticked', at: now, ticked: items.filter((i) => picked.has(i.id)).map((i) => i.id) };
      }
      case 'case-reference': {
        const v = text.trim();
        if (SKIP.has(t) || v === '') return { type: 'ANSWER', value: 'skip', at: now, caseRef: null };
        const rule = caseReferenceRule(procedures.get(state.ctx.area ?? '')?.caseReference);
        if (!rule.accepts(v)) return rule.refusal;
        return { type: 'ANSWER', value: 'given', at: now, caseRef: v };
      }
      case 'actions':
        if (state.node === SPECIAL.emergency || state.node === SPECIAL.selfCheck) {
          if (DONE.has(t) || t === 'dealt with') return { type: 'CARRY_ON', at: now };
          return 'When you are ready, type "carry on".';
        }
        if (DONE.has(t) || text === 'done') return { type: 'ANSWER', value: 'done', at: now };
        return 'Type "done" when you have done this.';
      case 'outcome':
        return 'This run has reached its outcome. Type "restart" to start again, or "contacts" for the contacts.';
    }
  };

  const runCommand = (state: ConversationState, command: Command, now: string): StepResult => {
    switch (command) {
      case 'emergency':
        return move(state, { type: 'EMERGENCY', at: now }, now) ?? result(state, now);
      case 'carry-on': {
        const moved =
          move(state, { type: 'CARRY_ON', at: now }, now) ??
          // On an ordinary "do this" step, "carry on" means done, as its button says.
          (renderView(catalog, state, now).kind === 'actions' ? move(state, { type: 'ANSWER', value: 'done', at: now }, now) : null);
        if (moved) return moved;
        return result(state, now, { notice: { kind: 'info', title: 'Carrying on from here.', lines: [] } });
      }
      case 'back': {
        if (state.node === SPECIAL.emergency || state.node === SPECIAL.selfCheck) {
          return move(state, { type: 'CARRY_ON', at: now }, now) ?? result(state, now);
        }
        return (
          move(state, { type: 'BACK', at: now }, now, { kind: 'info', title: 'Going back: change your answer.', lines: [] }) ??
          // Guidance, not a mistake: nothing to go back to is said plainly, with no "Error".
          result(state, now, { notice: { kind: 'info', title: 'This is the first question: there is no earlier answer to change.', lines: [] } })
        );
      }
      case 'restart':
        return move(state, { type: 'RESTART', at: now }, now, { kind: 'info', title: 'Starting again.', lines: [] }) ?? result(state, now);
      case 'check': {
        const moved = state.node === SPECIAL.selfCheck ? null : move(state, { type: 'CHECK', at: now }, now);
        if (moved) return moved;
        const p = state.ctx.area ? procedures.get(state.ctx.area) : undefined;
        // Refused inside the self-check or the emergency step: say why, not that the procedure has none.
        const why =
          state.node === SPECIAL.selfCheck
            ? 'You are already going through the questions to ask yourself.'
            : p?.selfCheck
              ? 'Type "carry on" first, then "check" for the questions to ask yourself.'
              : p
                ? `The ${p.procedure} has no questions to ask yourself.`
                : 'The questions to ask yourself depend on the area. Choose the area first.';
        return fail(state, now, 'not_available', why);
      }
      case 'contacts':
        return result(state, now, { notice: contactsNotice(catalog, state.ctx.area) });
      case 'help':
        return result(state, now, { notice: helpNotice(catalog) });
      case 'guidance':
        return result(state, now, { notice: guidanceNotice(catalog, state.ctx.area) });
      case 'resume':
        return result(state, now, { notice: { kind: 'info', title: 'Carrying on where you were.', lines: [] } });
    }
  };

  const canResume = (state: unknown): state is ConversationState => {
    if (typeof state !== 'object' || state === null) return false;
    const s = state as Partial<ConversationState>;
    if (s.v !== 1 || typeof s.node !== 'string' || typeof s.seq !== 'number' || typeof s.ctx !== 'object' || s.ctx === null) return false;
    if (!states.has(s.node)) return false;
    const area = s.ctx.area;
    if (area !== null && !procedures.has(area)) return false;
    // A run fixed to one area cannot be continued by an engine fixed to another.
    return !(fixedArea && area !== null && area !== fixedArea);
  };

  const engine: Engine = {
    areas: [...procedures.values()].map((p) => ({ id: p.area, name: p.name })),
    fixedArea,
    start(now) {
      const state: ConversationState = { v: 1, node: initial, seq: 0, ctx: freshContext(fixedArea, now) };
      return result(state, now, { changed: true });
    },
    step(state, input, now) {
      switch (input.type) {
        case 'command':
          return runCommand(state, input.command, now);
        case 'text': {
          const text = input.text.trim();
          // An exact option label wins over a command word, so "Yes: immediate danger" answers the danger question.
          const view = renderView(catalog, state, now);
          const exact = 'options' in view ? view.options.find((o) => norm(o.label) === norm(text)) : undefined;
          if (!exact) {
            const command = commandOf(text);
            if (command && typeof command === 'object') return result(state, now, { notice: glossaryNotice(catalog, state.ctx.area, command.glossary) });
            if (command) return runCommand(state, command, now);
          }
          const event = answerEvent(state, exact ? exact.value : text, !exact, now);
          if (typeof event === 'string') {
            // A question typed where an answer was expected is answered from the area's procedure, not told to
            // "answer yes or no"; the step stays where it was.
            if (!exact && looksLikeQuestion(text)) return result(state, now, { notice: questionNotice(catalog, state.ctx.area, text) });
            return fail(state, now, 'invalid_answer', event);
          }
          return move(state, event, now) ?? fail(state, now, 'invalid_answer', 'That answer does not fit this step.');
        }
        case 'answer': {
          if (input.ref !== refOf(state)) {
            return fail(state, now, 'stale_answer', 'That question was already answered. Here is where you are now.');
          }
          const event = answerEvent(state, input.value, false, now);
          if (typeof event === 'string') return fail(state, now, 'invalid_answer', event);
          return move(state, event, now) ?? fail(state, now, 'invalid_answer', 'That answer does not fit this step.');
        }
        case 'send-summary': {
          if (input.ref !== refOf(state)) {
            return fail(state, now, 'stale_answer', 'That summary belongs to an earlier run. Here is where you are now.');
          }
          const found = stepOf(catalog, state.node);
          if (found?.step.kind !== 'outcome') return fail(state, now, 'invalid_answer', 'The summary can be sent once the procedure reaches its outcome.');
          const summary = caseSummary(found.p, state, found.step, now, catalog.common);
          return result(state, now, {
            effects: [{ type: 'notify-manager', manager: input.manager, summary }],
            notice: { kind: 'info', title: 'Sending the risk summary to your manager.', lines: [] },
          });
        }
      }
    },
    view(state, now) {
      return renderView(catalog, state, now);
    },
    canResume,
    packVersion: (area) => procedures.get(area)?.version,
    provenance: (area) => {
      const p = procedures.get(area);
      return p ? provenance(p) : undefined;
    },
    recordedAnswer(state, ref, now) {
      const hash = ref.lastIndexOf('#');
      const node = ref.slice(0, hash);
      const seq = Number(ref.slice(hash + 1));
      // Only the question whose answer was the run's very last change: an older card's question may since have been
      // answered differently, or gone back over.
      if (hash < 0 || !Number.isInteger(seq) || seq + 1 !== state.seq) return null;
      const recorded = state.ctx.answers[node];
      if (!recorded || state.ctx.trail[state.ctx.trail.length - 1] !== node) return null;
      if (!states.has(node)) return null;
      // Going back from where the answer led shows the question again exactly as it was before it was answered. An
      // answer that led to an interrupt (danger: yes) is not undone by "back", which leaves the interrupt instead:
      // then the question is drawn at its own place in the run (the trail as it was before the answer).
      const back = engine.step(state, { type: 'command', command: 'back' }, now);
      const before = back.error === undefined && back.state.node === node ? back.state : { ...state, node, ctx: { ...state.ctx, trail: state.ctx.trail.slice(0, -1) } };
      const view: View = { ...renderView(catalog, before, now), ref };
      if (view.kind === 'checklist') return { view, value: state.ctx.indicators[view.list] ?? [] };
      if (view.kind === 'case-reference') return { view, value: state.ctx.caseRef ?? 'skip' };
      return { view, value: recorded.v };
    },
  };
  return engine;
}

export { nodeKey };
