import type { CaseReferenceFormat, Procedure, Step } from './schema';
import { caseReferenceRule, NAME_LIKE } from './case-reference';

/** A council's case-reference format must compile, accept its own example, and refuse anything written like a name. */
function caseReferenceProblems(format: CaseReferenceFormat): PathProblem[] {
  try {
    new RegExp(format.pattern);
  } catch {
    return [{ path: ['caseReference', 'pattern'], message: 'is not a valid regular expression' }];
  }
  const rule = caseReferenceRule(format);
  const problems: PathProblem[] = [];
  if (!rule.accepts(format.example)) problems.push({ path: ['caseReference', 'example'], message: 'is not accepted by the pattern' });
  const names = NAME_LIKE.filter((n) => rule.accepts(n));
  if (names.length > 0) problems.push({ path: ['caseReference', 'pattern'], message: `accepts what could be a name (${names.map((n) => `"${n}"`).join(', ')})` });
  return problems;
}

/** A problem found by a check, placed by its path in the pack (the loader turns the path into a line). */
export interface PathProblem {
  path: (string | number)[];
  message: string;
}

/** The steps a step can lead to, with the path of the field that names each. */
export function stepExits(step: Step, index: number): { next: string; path: (string | number)[] }[] {
  const at = (...rest: (string | number)[]) => ['steps', index, ...rest];
  switch (step.kind) {
    case 'danger':
    case 'actions':
    case 'checklist':
    case 'case-reference':
      return [{ next: step.next, path: at('next') }];
    case 'question':
      return step.answers.map((a, i) => ({ next: a.next, path: at('answers', i, 'next') }));
    case 'risk-level':
      return step.levels.map((l, i) => ({ next: l.next, path: at('levels', i, 'next') }));
    case 'outcome':
      return [];
  }
}

function duplicates<T>(items: T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: string): PathProblem[] {
  const seen = new Set<string>();
  const out: PathProblem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) out.push({ path: path(i), message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
  return out;
}

/**
 * What the schema cannot see: duplicate ids, references to undefined steps, contacts, guidance, lists and levels,
 * a start that is not the danger question, unreachable steps and paths that never reach an outcome.
 */
export function checkProcedure(p: Procedure): PathProblem[] {
  const problems: PathProblem[] = [];
  const push = (path: (string | number)[], message: string) => problems.push({ path, message });

  problems.push(
    ...duplicates(p.steps, (s) => s.id, (i) => ['steps', i, 'id'], 'step id'),
    ...duplicates(p.contacts, (c) => c.id, (i) => ['contacts', i, 'id'], 'contact id'),
    ...duplicates(p.guidance, (g) => g.id, (i) => ['guidance', i, 'id'], 'guidance id'),
    ...duplicates(p.riskLevels, (r) => r.id, (i) => ['riskLevels', i, 'id'], 'risk level id'),
    ...duplicates(p.indicatorLists, (l) => l.id, (i) => ['indicatorLists', i, 'id'], 'indicator list id'),
    ...duplicates(p.glossary, (g) => g.term.toUpperCase(), (i) => ['glossary', i, 'term'], 'glossary term'),
  );
  if (p.caseReference) problems.push(...caseReferenceProblems(p.caseReference));
  const indicatorIds = new Set<string>();
  p.indicatorLists.forEach((list, li) => {
    problems.push(...duplicates(list.groups, (g) => g.id, (gi) => ['indicatorLists', li, 'groups', gi, 'id'], 'indicator group id'));
    list.groups.forEach((g, gi) =>
      g.indicators.forEach((ind, ii) => {
        if (indicatorIds.has(ind.id)) push(['indicatorLists', li, 'groups', gi, 'indicators', ii, 'id'], `duplicate indicator id "${ind.id}"`);
        indicatorIds.add(ind.id);
      }),
    );
  });
  if (p.selfCheck) {
    problems.push(...duplicates(p.selfCheck.questions, (q) => q.id, (i) => ['selfCheck', 'questions', i, 'id'], 'self-check question id'));
  }

  const steps = new Map(p.steps.map((s) => [s.id, s]));
  const contacts = new Set(p.contacts.map((c) => c.id));
  const guidance = new Set(p.guidance.map((g) => g.id));
  const lists = new Set(p.indicatorLists.map((l) => l.id));
  const levels = new Set(p.riskLevels.map((r) => r.id));
  const contactRef = (id: string, path: (string | number)[]) => {
    if (!contacts.has(id)) push(path, `contact "${id}" is not defined under contacts`);
  };

  const start = steps.get(p.start);
  if (!start) push(['start'], `start step "${p.start}" does not exist`);
  else if (start.kind !== 'danger') push(['start'], `the first step must be the immediate-danger question (kind: danger), not "${start.kind}"`);
  p.steps.forEach((s, i) => {
    if (s.kind === 'danger' && s.id !== p.start) push(['steps', i, 'kind'], 'only the start step may be the danger question');
  });

  p.selfCheck?.places.forEach((id, i) => contactRef(id, ['selfCheck', 'places', i]));

  p.steps.forEach((s, i) => {
    for (const exit of stepExits(s, i)) {
      if (!steps.has(exit.next)) push(exit.path, `next step "${exit.next}" does not exist`);
      else if (exit.next === p.start) push(exit.path, 'no step may lead back to the immediate-danger question');
    }
    s.guidance.forEach((g, gi) => {
      if (!guidance.has(g)) push(['steps', i, 'guidance', gi], `guidance "${g}" is not defined under guidance`);
    });
    const actions = s.kind === 'actions' || s.kind === 'outcome' ? s.actions : s.kind === 'danger' ? s.emergency.actions : [];
    const actionsPath = s.kind === 'danger' ? ['emergency', 'actions'] : ['actions'];
    actions.forEach((a, ai) => a.contacts.forEach((c, ci) => contactRef(c, ['steps', i, ...actionsPath, ai, 'contacts', ci])));
    if (s.kind === 'outcome') s.contacts.forEach((c, ci) => contactRef(c, ['steps', i, 'contacts', ci]));
    if (s.kind === 'checklist' && !lists.has(s.list)) push(['steps', i, 'list'], `indicator list "${s.list}" is not defined under indicatorLists`);
    if (s.kind === 'risk-level') {
      s.levels.forEach((l, li) => {
        if (!levels.has(l.level)) push(['steps', i, 'levels', li, 'level'], `risk level "${l.level}" is not defined under riskLevels`);
      });
      problems.push(...duplicates(s.levels, (l) => l.level, (li) => ['steps', i, 'levels', li, 'level'], 'risk level choice'));
    }
    if (s.kind === 'question') {
      problems.push(...duplicates(s.answers, (a) => a.id, (ai) => ['steps', i, 'answers', ai, 'id'], 'answer id'));
      s.answers.forEach((a, ai) => {
        if (a.selfCheck && !p.selfCheck) push(['steps', i, 'answers', ai, 'selfCheck'], 'this answer runs the self-check, but the pack has no selfCheck');
      });
    }
  });

  // Reachability and termination only make sense over a graph whose references resolve.
  if (problems.length > 0 || !start) return problems;
  const exits = new Map(p.steps.map((s, i) => [s.id, stepExits(s, i).map((e) => e.next)]));
  const reached = new Set<string>([p.start]);
  const queue = [p.start];
  while (queue.length > 0) {
    for (const n of exits.get(queue.shift()!) ?? []) {
      if (!reached.has(n)) {
        reached.add(n);
        queue.push(n);
      }
    }
  }
  p.steps.forEach((s, i) => {
    if (!reached.has(s.id)) push(['steps', i, 'id'], `step "${s.id}" is unreachable from "${p.start}"`);
  });
  // A step ends well when some path from it reaches an outcome; iterate to a fixed point.
  const ends = new Set(p.steps.filter((s) => s.kind === 'outcome').map((s) => s.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, next] of exits) {
      if (!ends.has(id) && next.some((n) => ends.has(n))) {
        ends.add(id);
        grew = true;
      }
    }
  }
  p.steps.forEach((s, i) => {
    if (reached.has(s.id) && !ends.has(s.id)) push(['steps', i, 'id'], `step "${s.id}" is on a path that never reaches an outcome`);
  });
  return problems;
}
