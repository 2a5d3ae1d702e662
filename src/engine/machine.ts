import { assign, setup } from 'xstate';
import type { Procedure, Step } from '../procedure/schema';
import { stepExits } from '../procedure/checks';
import { SPECIAL, type NodeKey, type RunContext } from './types';

/** The events a run's machine understands. Every event that changes the record carries the time it happened. */
export type RunEvent =
  | { type: 'ANSWER'; value: string; at: string; ticked?: string[]; caseRef?: string | null }
  | { type: 'SELF_CHECK_ANSWER'; value: 'yes' | 'no'; at: string }
  | { type: 'BACK'; at: string }
  | { type: 'RESTART'; at: string }
  | { type: 'EMERGENCY'; at: string }
  | { type: 'CHECK'; at: string }
  | { type: 'CARRY_ON'; at: string };

export const nodeKey = (area: string, step: string): NodeKey => `${area}/${step}`;

/** Splits "area/step" (or a special key) into its parts. */
export function parseNodeKey(key: NodeKey): { area: string | null; step: string } {
  const i = key.indexOf('/');
  return i < 0 ? { area: null, step: key } : { area: key.slice(0, i), step: key.slice(i + 1) };
}

/** What undoing an answer at a node must clear besides the answer itself. */
interface Undo {
  key: NodeKey;
  list?: string;
  riskLevel?: boolean;
  caseRef?: boolean;
  area?: boolean;
}

interface RecordParams extends Undo {
  /** Where an interrupt entered by this answer returns to. */
  returnTo?: NodeKey;
  selfCheck?: boolean;
  setArea?: string;
}

type Guard =
  | { type: 'answerIs'; params: { value: string } }
  | { type: 'lastTrailIs'; params: { key: NodeKey } }
  | { type: 'returnToIs'; params: { key: NodeKey } }
  | { type: 'selfCheckOpen' };

type ActionRef =
  | { type: 'record'; params: RecordParams }
  | { type: 'goBack'; params: Undo }
  | { type: 'interrupt'; params: { returnTo: NodeKey | null; selfCheck: boolean } }
  | { type: 'selfCheckAnswer' }
  | { type: 'leaveInterrupt' }
  | { type: 'complete' }
  | { type: 'reset' };

interface Transition {
  target?: string;
  guard?: Guard;
  actions?: ActionRef[];
}

interface NodeConfig {
  on: Partial<Record<RunEvent['type'], Transition[]>>;
}

/** A fresh run's context; `area` is set when only one area applies. */
export function freshContext(area: string | null, at: string): RunContext {
  return {
    area,
    trail: [],
    answers: {},
    indicators: {},
    riskLevel: null,
    caseRef: null,
    returnTo: null,
    selfCheck: null,
    startedAt: at,
    completedAt: null,
  };
}

export interface MachineOptions {
  procedures: Procedure[];
  /** The area every run uses without asking; null when the user is asked (more than one area). */
  fixedArea: string | null;
}

function undoFor(area: string, step: Step): Undo {
  const key = nodeKey(area, step.id);
  switch (step.kind) {
    case 'checklist':
      return { key, list: step.list };
    case 'risk-level':
      return { key, riskLevel: true };
    case 'case-reference':
      return { key, caseRef: true };
    default:
      return { key };
  }
}

/**
 * Compiles the enabled procedures into one XState machine. Each step of each pack is a state keyed "area/step";
 * the area-neutral danger and area questions and the two interrupts (emergency, self-check) are "@" states.
 * Transitions are generated from the packs' `next`s with parameterised guards, so the machine is data-driven.
 */
export function compileMachine({ procedures, fixedArea }: MachineOptions) {
  const byArea = new Map(procedures.map((p) => [p.area, p]));
  const outcomes = new Set(procedures.flatMap((p) => p.steps.filter((st) => st.kind === 'outcome').map((st) => nodeKey(p.area, st.id))));
  const selfCheckSize = new Map(procedures.map((p) => [p.area, p.selfCheck?.questions.length ?? 0]));
  const states: Record<NodeKey, NodeConfig> = {};
  const predecessors = new Map<NodeKey, Set<NodeKey>>();
  const undo = new Map<NodeKey, Undo>();
  const returnTargets = new Set<NodeKey>();
  const link = (from: NodeKey, to: NodeKey) => {
    const set = predecessors.get(to) ?? new Set<NodeKey>();
    set.add(from);
    predecessors.set(to, set);
  };

  const interruptible = (key: NodeKey, area: string | null): Pick<NodeConfig['on'], 'EMERGENCY' | 'CHECK'> => ({
    EMERGENCY: [{ target: SPECIAL.emergency, actions: [{ type: 'interrupt', params: { returnTo: key, selfCheck: false } }] }],
    ...(area && (selfCheckSize.get(area) ?? 0) > 0
      ? { CHECK: [{ target: SPECIAL.selfCheck, actions: [{ type: 'interrupt', params: { returnTo: key, selfCheck: true } }] }] }
      : {}),
  });

  for (const p of procedures) {
    for (const step of p.steps) {
      const key = nodeKey(p.area, step.id);
      undo.set(key, undoFor(p.area, step));
      const target = (next: string) => nodeKey(p.area, next);
      const record = (extra: Partial<RecordParams> = {}): ActionRef => ({ type: 'record', params: { ...undoFor(p.area, step), ...extra } });
      const on: NodeConfig['on'] = { ...interruptible(key, p.area) };
      switch (step.kind) {
        case 'danger': {
          const next = target(step.next);
          returnTargets.add(next);
          on.ANSWER = [
            { guard: { type: 'answerIs', params: { value: 'yes' } }, target: SPECIAL.emergency, actions: [record({ returnTo: next })] },
            { guard: { type: 'answerIs', params: { value: 'no' } }, target: next, actions: [record()] },
          ];
          link(key, next);
          break;
        }
        case 'question':
          on.ANSWER = step.answers.map((a) => {
            const next = target(a.next);
            if (a.selfCheck) returnTargets.add(next);
            return {
              guard: { type: 'answerIs', params: { value: a.id } },
              target: a.selfCheck ? SPECIAL.selfCheck : next,
              actions: [record(a.selfCheck ? { returnTo: next, selfCheck: true } : {})],
            };
          });
          break;
        case 'risk-level':
          on.ANSWER = step.levels.map((l) => ({
            guard: { type: 'answerIs', params: { value: l.level } },
            target: target(l.next),
            actions: [record()],
          }));
          break;
        case 'actions':
        case 'checklist':
        case 'case-reference':
          on.ANSWER = [{ target: target(step.next), actions: [record()] }];
          break;
        case 'outcome':
          break;
      }
      for (const exit of stepExits(step, 0)) link(key, target(exit.next));
      states[key] = { on };
    }
  }

  const initial: NodeKey = fixedArea ? nodeKey(fixedArea, byArea.get(fixedArea)!.start) : SPECIAL.danger;
  if (!fixedArea) {
    states[SPECIAL.danger] = {
      on: {
        ...interruptible(SPECIAL.danger, null),
        ANSWER: [
          { guard: { type: 'answerIs', params: { value: 'yes' } }, target: SPECIAL.emergency, actions: [{ type: 'record', params: { key: SPECIAL.danger, returnTo: SPECIAL.area } }] },
          { guard: { type: 'answerIs', params: { value: 'no' } }, target: SPECIAL.area, actions: [{ type: 'record', params: { key: SPECIAL.danger } }] },
        ],
      },
    };
    returnTargets.add(SPECIAL.area);
    link(SPECIAL.danger, SPECIAL.area);
    undo.set(SPECIAL.danger, { key: SPECIAL.danger });
    undo.set(SPECIAL.area, { key: SPECIAL.area, area: true });
    states[SPECIAL.area] = {
      on: {
        ...interruptible(SPECIAL.area, null),
        ANSWER: procedures.map((p) => {
          const start = p.steps.find((s) => s.id === p.start);
          const next = nodeKey(p.area, start?.kind === 'danger' ? start.next : p.start);
          link(SPECIAL.area, next);
          return {
            guard: { type: 'answerIs', params: { value: p.area } },
            target: next,
            actions: [{ type: 'record', params: { key: SPECIAL.area, area: true, setArea: p.area } }],
          };
        }),
      },
    };
  }

  // Every node the user may have answered can be gone back to from any node it leads to.
  for (const [key, config] of Object.entries(states)) {
    const back = [...(predecessors.get(key) ?? [])].map<Transition>((pred) => ({
      guard: { type: 'lastTrailIs', params: { key: pred } },
      target: pred,
      actions: [{ type: 'goBack', params: undo.get(pred) ?? { key: pred } }],
    }));
    if (back.length > 0) config.on.BACK = back;
  }

  // Interrupts may be entered from any node, so they can return to any node (the guard picks the one recorded).
  const returns = (): Transition[] =>
    [...new Set([...Object.keys(states), ...returnTargets])].map((key) => ({
      guard: { type: 'returnToIs', params: { key } },
      target: key,
      actions: [{ type: 'leaveInterrupt' }],
    }));
  states[SPECIAL.emergency] = { on: { CARRY_ON: returns() } };
  states[SPECIAL.selfCheck] = {
    on: {
      SELF_CHECK_ANSWER: [{ guard: { type: 'selfCheckOpen' }, actions: [{ type: 'selfCheckAnswer' }] }],
      CARRY_ON: returns(),
      // The emergency step keeps the self-check's own return point, so carrying on goes back to the procedure.
      EMERGENCY: [{ target: SPECIAL.emergency, actions: [{ type: 'interrupt', params: { returnTo: null, selfCheck: false } }] }],
    },
  };

  // Reaching an outcome, by an answer or by carrying on from an interrupt, stamps the completion time.
  for (const config of Object.values(states)) {
    for (const list of Object.values(config.on)) {
      for (const t of list ?? []) if (t.target && outcomes.has(t.target)) t.actions = [...(t.actions ?? []), { type: 'complete' }];
    }
  }

  const s = setup({
    types: { context: {} as RunContext, events: {} as RunEvent, input: {} as { at: string } },
    guards: {
      answerIs: ({ event }, params: { value: string }) => event.type === 'ANSWER' && event.value === params.value,
      lastTrailIs: ({ context }, params: { key: NodeKey }) => context.trail[context.trail.length - 1] === params.key,
      returnToIs: ({ context }, params: { key: NodeKey }) => context.returnTo === params.key,
      selfCheckOpen: ({ context }) =>
        context.selfCheck !== null && context.selfCheck.index < (selfCheckSize.get(context.area ?? '') ?? 0),
    },
    actions: {
      record: assign(({ context, event }, params: RecordParams) => {
        if (event.type !== 'ANSWER') return {};
        const next: Partial<RunContext> = {
          trail: [...context.trail, params.key],
          answers: { ...context.answers, [params.key]: { v: event.value, at: event.at } },
        };
        if (params.list) next.indicators = { ...context.indicators, [params.list]: event.ticked ?? [] };
        if (params.riskLevel) next.riskLevel = event.value;
        if (params.caseRef) next.caseRef = event.caseRef ?? null;
        if (params.setArea) next.area = params.setArea;
        if (params.returnTo) next.returnTo = params.returnTo;
        if (params.selfCheck) next.selfCheck = { index: 0, no: [] };
        return next;
      }),
      goBack: assign(({ context }, params: Undo) => {
        const answers = { ...context.answers };
        delete answers[params.key];
        const next: Partial<RunContext> = { trail: context.trail.slice(0, -1), answers, completedAt: null };
        if (params.list) {
          const indicators = { ...context.indicators };
          delete indicators[params.list];
          next.indicators = indicators;
        }
        if (params.riskLevel) next.riskLevel = null;
        if (params.caseRef) next.caseRef = null;
        if (params.area) next.area = fixedArea;
        return next;
      }),
      interrupt: assign(({ context }, params: { returnTo: NodeKey | null; selfCheck: boolean }) => ({
        returnTo: params.returnTo ?? context.returnTo,
        selfCheck: params.selfCheck ? { index: 0, no: [] } : null,
      })),
      selfCheckAnswer: assign(({ context, event }) => {
        if (event.type !== 'SELF_CHECK_ANSWER' || !context.selfCheck) return {};
        const questions = byArea.get(context.area ?? '')?.selfCheck?.questions ?? [];
        const q = questions[context.selfCheck.index];
        const no = event.value === 'no' && q ? [...context.selfCheck.no, q.id] : context.selfCheck.no;
        return { selfCheck: { index: context.selfCheck.index + 1, no } };
      }),
      leaveInterrupt: assign({ returnTo: null, selfCheck: null }),
      // Coming back to an outcome from an interrupt keeps the time it was first reached.
      complete: assign(({ context, event }) => ({ completedAt: context.completedAt ?? ('at' in event ? event.at : null) })),
      reset: assign(({ event }) => freshContext(fixedArea, event.at)),
    },
  });

  const config = {
    id: 'cse-procedure',
    initial,
    // XState's pure transition() builds a throwaway actor, with no input, for every event; reading input.at there
    // threw (and the caught TypeError's stack trace cost ~20% of a step, profiled). The engine always starts with input.
    context: ({ input }: { input: { at: string } | undefined }) => freshContext(fixedArea, input?.at ?? ''),
    on: { RESTART: { target: `.${initial}`, reenter: true, actions: [{ type: 'reset' }] } },
    states,
  };
  // The config is generated from data, so its literal types are wider than XState's inference expects.
  const machine = s.createMachine(config as unknown as Parameters<typeof s.createMachine>[0]);
  return { machine, initial, states: new Set(Object.keys(states)) };
}

export type CompiledMachine = ReturnType<typeof compileMachine>;
