/**
 * The Teams cards for every view of both packs. The views are not listed by hand: every run of both packs (one area
 * fixed, and both areas enabled) is walked breadth first by clicking every option, ticking all / one / none, typing a
 * case reference or skipping, and using every command (emergency, check, back, contacts, help, guidance, restart,
 * carry on) at every step, so emergency steps, the self-check and every outcome are reached. Each view met, with the
 * notice it came with, is rendered and checked; every button of every card is then "clicked" with the payload
 * Teams would send (Action.Execute and its Action.Submit fallback), parsed, and played into the engine.
 */
import { resolve } from 'node:path';
import {
  answeredCard,
  caseRefValue,
  CHANNEL_POINTER_TEXT,
  channelPointerCard,
  checklistValue,
  managerId,
  managerSummaryCard,
  MAX_CARD_BYTES,
  noticeCard,
  parseCardAction,
  senderCard,
  viewCard,
  type AdaptiveCard,
  type CardAction,
} from '../../../src/channels/teams/cards';
import type { CaseSummary, ContactView, Engine, Input, Notice, View } from '../../../src/engine';
import { allViews, engines, type Seen } from '../../support/view-walk';
import { inputOf } from '../../../src/channels/teams/teams-bot';
import { loadCatalogue } from '../../../src/procedure/load';

const catalogue = loadCatalogue(resolve(__dirname, '../../../dialogs'));
const CASE_REF = 'AB-1234';
const MANAGER = '6b3f1c2e-0d4a-4e8b-9a51-3c7d2f0e9b14';

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

// ---------------------------------------------------------------------------------------------------------------
// The walk.

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const SEEN: Seen[] = allViews(MANAGER);
const engineOf = (item: Seen): Engine => item.engine;
const CARDS = SEEN.map((item) => ({ ...item, card: viewCard(item.view, item.notice) }));

// ---------------------------------------------------------------------------------------------------------------
// Reading cards.

function visit(node: unknown, fn: (obj: Json) => void): void {
  if (Array.isArray(node)) node.forEach((x) => visit(x, fn));
  else if (isObject(node)) {
    fn(node);
    Object.values(node).forEach((x) => visit(x, fn));
  }
}

function objects(card: unknown, predicate: (o: Json) => boolean): Json[] {
  const found: Json[] = [];
  visit(card, (o) => {
    if (predicate(o)) found.push(o);
  });
  return found;
}

const ofType = (card: unknown, type: string) => objects(card, (o) => o.type === type);
const strings = (card: unknown): string[] => {
  const out: string[] = [];
  const go = (x: unknown) => {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) x.forEach(go);
    else if (isObject(x)) Object.values(x).forEach(go);
  };
  go(card);
  return out;
};
const links = (card: unknown, scheme: 'tel' | 'mailto'): string[] =>
  strings(card).flatMap((s) => [...s.matchAll(new RegExp(`\\b${scheme}:[^\\s)"\\]]+`, 'g'))].map((m) => m[0]));
const bytes = (card: unknown) => Buffer.byteLength(JSON.stringify(card), 'utf8');
const executes = (card: unknown) => ofType(card, 'Action.Execute');

function contactsOf(view: View, notice: Notice | undefined): ContactView[] {
  const contacts = [...(notice?.contacts ?? [])];
  if (view.kind === 'actions' || view.kind === 'outcome') contacts.push(...view.actions.flatMap((a) => a.contacts));
  if (view.kind === 'outcome') contacts.push(...view.contacts, ...view.summary.actions.flatMap((a) => a.contacts));
  return contacts;
}

const ALL_INDICATOR_TEXTS = catalogue.procedures.flatMap((p) => p.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators.map((i) => i.text))));

/** Problems with a card every card must pass: envelope, size, buttons with fallbacks, unique ids, safe links. */
function envelopeProblems(card: AdaptiveCard, contacts: ContactView[]): string[] {
  const problems: string[] = [];
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('no $schema');
  if (card.type !== 'AdaptiveCard' || card.version !== '1.5') problems.push(`type/version ${String(card.type)} ${card.version}`);
  if (typeof card.fallbackText !== 'string' || card.fallbackText.trim() === '') problems.push('no fallbackText');
  if (typeof card.speak !== 'string' || card.speak.trim() === '') problems.push('no speak');
  if (typeof card.speak === 'string' && /[<>&]/.test(card.speak)) problems.push('speak has SSML markup characters');
  if (bytes(card) > MAX_CARD_BYTES) problems.push(`${bytes(card)} bytes`);
  for (const a of executes(card)) {
    const fallback = a.fallback;
    const data = a.data as Json;
    if (!isObject(fallback) || fallback.type !== 'Action.Submit') problems.push(`Execute "${String(a.title)}" has no Submit fallback`);
    else if (JSON.stringify(fallback.data) !== JSON.stringify(data) || fallback.title !== a.title) problems.push(`fallback of "${String(a.title)}" differs`);
    if (!isObject(data) || a.verb !== data.verb) problems.push(`Execute "${String(a.title)}" verb ${String(a.verb)} vs data`);
  }
  if (objects(card, (o) => o.type === 'Action.Submit').some((s) => !executes(card).some((e) => e.fallback === s))) problems.push('a Submit that is not a fallback');
  const ids = objects(card, (o) => typeof o.id === 'string' && typeof o.type === 'string').map((o) => o.id as string);
  if (new Set(ids).size !== ids.length) problems.push(`duplicate ids ${ids.join(',')}`);
  for (const tb of ofType(card, 'TextBlock')) if (tb.wrap !== true) problems.push(`TextBlock without wrap: ${String(tb.text)}`);
  const phones = new Set(contacts.flatMap((c) => (c.phone ? [c.phone.replace(/\D/g, '')] : [])));
  for (const tel of links(card, 'tel')) {
    if (!/^tel:\d+$/.test(tel)) problems.push(`bad tel link ${tel}`);
    else if (!phones.has(tel.slice(4))) problems.push(`tel link ${tel} matches no contact`);
  }
  const emails = new Set(contacts.flatMap((c) => (c.email ? [c.email] : [])));
  for (const mailto of links(card, 'mailto')) {
    const [address, query] = mailto.slice('mailto:'.length).split('?');
    if (!emails.has(address!)) problems.push(`mailto ${mailto} matches no contact`);
    if (query !== 'subject=CSE%20referral') problems.push(`mailto ${mailto} has another query`);
    const decoded = decodeURIComponent(mailto);
    if (decoded.includes(CASE_REF)) problems.push(`mailto ${mailto} carries the case reference`);
    const leaked = ALL_INDICATOR_TEXTS.find((t) => decoded.toLowerCase().includes(t.toLowerCase()));
    if (leaked) problems.push(`mailto ${mailto} carries indicator "${leaked}"`);
  }
  return problems;
}

/** Runs a check over every card; reports every failure with the view it belongs to. */
function expectAll<T extends { label: string }>(items: T[], check: (item: T) => string[]): void {
  const failures = items.flatMap((item) => check(item).map((p) => `${item.label}: ${p}`));
  expect(failures).toEqual([]);
}

const bodyText = (card: AdaptiveCard) => ofType(card.body, 'TextBlock').map((t) => t.text as string);
/** A TextBlock's text as Teams shows it: the Markdown escapes the cards add (a file name's "_" as "\\_") undone. */
const shown = (text: string) => text.replace(/\\([*_`[\]#>+\-.)])/g, '$1');
/** The items of the Markdown lists on a card ("- item" lines, separated by "\r" as Teams documents). */
const listItems = (card: unknown): string[] =>
  ofType(card, 'TextBlock').flatMap((t) => (t.text as string).split(/\r\n?|\n/).flatMap((line) => (line.startsWith('- ') ? [line.slice(2)] : [])));

// ---------------------------------------------------------------------------------------------------------------

describe('the walk', () => {
  it('meets every kind of view, every step of both packs, both emergencies, the self-check and every outcome', () => {
    const kinds = new Set(SEEN.map((s) => s.view.kind));
    expect([...kinds].sort()).toEqual(['actions', 'case-reference', 'checklist', 'outcome', 'question', 'risk-level']);
    const nodes = new Set(SEEN.map((s) => s.state.node));
    for (const p of catalogue.procedures) for (const step of p.steps) expect(nodes).toContain(`${p.area}/${step.id}`);
    for (const special of ['@danger', '@area', '@emergency', '@self-check']) expect(nodes).toContain(special);
    // The area-neutral emergency step (no area yet) and each pack's own.
    const emergencyTitles = new Set(SEEN.filter((s) => s.state.node === '@emergency').map((s) => s.view.title));
    expect(emergencyTitles).toEqual(new Set(['Call 999 now', 'Call Emergency Service']));
    // The self-check: its questions and both endings.
    const selfCheckDone = SEEN.filter((s) => s.state.node === '@self-check' && s.view.kind === 'actions');
    expect(selfCheckDone.some((s) => s.view.kind === 'actions' && s.view.actions.length === 0)).toBe(true);
    expect(selfCheckDone.some((s) => s.view.kind === 'actions' && s.view.actions.length > 0)).toBe(true);
    // Notices: errors, contacts, help, guidance, glossary.
    const notices = new Set(SEEN.flatMap((s) => (s.notice ? [s.notice.kind] : [])));
    expect(notices).toEqual(new Set(['error', 'info']));
    expect(SEEN.some((s) => s.notice?.contacts?.some((c) => c.phone))).toBe(true);
    expect(SEEN.length).toBeGreaterThan(100);
  });
});

describe('viewCard', () => {
  it('gives every card the 1.5 envelope, fallbackText and speak, ≤ 28 KB, Submit fallbacks, unique ids and safe links', () => {
    expectAll(CARDS, ({ card, view, notice }) => envelopeProblems(card, contactsOf(view, notice)));
  });

  it('starts with the notice (errors in attention colour), then position and title, and ends with the hint', () => {
    expectAll(CARDS, ({ card, view, notice }) => {
      const problems: string[] = [];
      const body = card.body as Json[];
      let i = 0;
      if (notice) {
        const box = body[i++]!;
        const title = ofType(box, 'TextBlock')[0]!;
        if (box.type !== 'Container' || title.text !== notice.title) problems.push('notice is not first');
        if (notice.kind === 'error' && (title.color !== 'attention' || box.style !== 'attention')) problems.push('error not in attention colour');
        for (const line of notice.lines) if (!strings(box).some((s) => shown(s).includes(line))) problems.push(`notice line missing: ${line}`);
      }
      const position = body[i]!;
      const title = body[i + 1]!;
      if (position.text !== view.position || position.isSubtle !== true || position.size !== 'small') problems.push('no subtle position');
      if (title.text !== view.title) problems.push('no title');
      const last = body[body.length - 1]!;
      if (last.text !== view.hint || last.isSubtle !== true) problems.push('hint is not last');
      if (view.text && !bodyText(card).includes(view.text.split('\n')[0]!)) problems.push('text missing');
      for (const g of view.guidance) if (!strings(card).some((s) => s.includes(g.title))) problems.push(`guidance ${g.title} missing`);
      const text = card.fallbackText as string;
      const speak = card.speak as string;
      if (!text.includes(view.position) || !text.includes(view.title)) problems.push('fallbackText lacks position or title');
      if (!speak.includes(view.position.replace(/&/g, ' and ').replace(/\s+/g, ' '))) problems.push('speak lacks the position');
      return problems;
    });
  });

  it('collapses guidance behind a toggle whose target exists', () => {
    expectAll(
      CARDS.filter((c) => c.view.guidance.length > 0),
      ({ card, view }) => {
        const toggles = ofType(card, 'Action.ToggleVisibility');
        const hidden = objects(card, (o) => o.isVisible === false).map((o) => o.id);
        const problems = toggles.length === view.guidance.length ? [] : ['not one toggle per guidance entry'];
        for (const t of toggles) for (const target of t.targetElements as string[]) if (!hidden.includes(target)) problems.push(`toggle target ${target} missing`);
        return problems;
      },
    );
  });

  it('gives every option of a question or risk level its own answer button', () => {
    expectAll(
      CARDS.filter((c) => c.view.kind === 'question' || c.view.kind === 'risk-level'),
      ({ card, view }) => {
        if (view.kind !== 'question' && view.kind !== 'risk-level') return [];
        const answers = executes(card).filter((a) => (a.data as Json).verb === 'answer');
        const problems: string[] = [];
        if (answers.length !== view.options.length) problems.push(`${answers.length} buttons for ${view.options.length} options`);
        for (const o of view.options) {
          const b = answers.find((a) => (a.data as Json).value === o.value);
          if (!b) problems.push(`no button for ${o.value}`);
          else if (b.title !== o.label || JSON.stringify(b.data) !== JSON.stringify({ verb: 'answer', ref: view.ref, value: o.value })) problems.push(`button ${o.value} wrong`);
        }
        return problems;
      },
    );
  });

  it('shows each risk level with its description, the levels note and the ticked indicators by group', () => {
    const riskCards = CARDS.filter((c) => c.view.kind === 'risk-level');
    expect(riskCards.some((c) => c.view.kind === 'risk-level' && c.view.ticked.some((l) => l.groups.length > 0))).toBe(true);
    expectAll(riskCards, ({ card, view }) => {
      if (view.kind !== 'risk-level') return [];
      const text = bodyText(card);
      const problems: string[] = [];
      for (const o of view.options) {
        if (!ofType(card, 'TextBlock').some((t) => t.text === o.label && t.weight === 'bolder')) problems.push(`level ${o.label} not shown`);
        if (o.description && !text.includes(o.description)) problems.push(`description of ${o.label} not shown`);
      }
      if (view.levelsNote && !text.includes(view.levelsNote)) problems.push('levels note not shown');
      for (const list of view.ticked) {
        if (!text.includes(list.title)) problems.push(`list ${list.title} not shown`);
        for (const g of list.groups) {
          if (!text.includes(g.title)) problems.push(`group ${g.title} not shown`);
          for (const item of g.items) if (!listItems(card).includes(item)) problems.push(`ticked ${item} not shown`);
        }
      }
      return problems;
    });
  });

  it('gives every indicator of a checklist a toggle, plus submit and "None of these" buttons', () => {
    expectAll(
      CARDS.filter((c) => c.view.kind === 'checklist'),
      ({ card, view }) => {
        if (view.kind !== 'checklist') return [];
        const problems: string[] = [];
        const toggles = ofType(card, 'Input.Toggle');
        const items = view.groups.flatMap((g) => g.items);
        if (toggles.length !== items.length) problems.push(`${toggles.length} toggles for ${items.length} indicators`);
        for (const item of items) {
          const t = toggles.find((x) => x.id === `ind:${item.id}`);
          if (!t || t.title !== item.text || t.valueOn !== 'true' || t.valueOff !== 'false') problems.push(`toggle for ${item.id} wrong`);
        }
        for (const g of view.groups) if (!ofType(card, 'TextBlock').some((t) => t.text === g.title && t.weight === 'bolder')) problems.push(`group heading ${g.title} missing`);
        const data = executes(card).map((a) => JSON.stringify(a.data));
        if (!data.includes(JSON.stringify({ verb: 'answer', ref: view.ref, value: '__checklist__' }))) problems.push('no submit button');
        if (!data.includes(JSON.stringify({ verb: 'answer', ref: view.ref, value: [] }))) problems.push('no none button');
        const none = executes(card).find((a) => a.title === 'None of these');
        if (none?.associatedInputs !== 'none') problems.push('"None of these" would send the ticks');
        return problems;
      },
    );
  });

  it('lists actions with their contacts, shows the basis, and continues with "done" or, from an interrupt, "carry on"', () => {
    const actionCards = CARDS.filter((c) => c.view.kind === 'actions');
    expect(actionCards.some((c) => c.view.kind === 'actions' && c.view.basis)).toBe(true);
    expectAll(actionCards, ({ card, view }) => {
      if (view.kind !== 'actions') return [];
      const problems: string[] = [];
      const text = bodyText(card).join('\n');
      for (const a of view.actions) if (!text.includes(a.text)) problems.push(`action missing: ${a.text}`);
      if (view.basis && !text.includes(view.basis)) problems.push('basis missing');
      for (const c of view.actions.flatMap((a) => a.contacts)) {
        if (c.phone && !text.includes(`[${c.phone}](tel:${c.phone.replace(/\D/g, '')})`)) problems.push(`phone of ${c.id} not a link`);
        if (c.email && !text.includes(`[${c.email}](mailto:${c.email}?subject=CSE%20referral)`)) problems.push(`e-mail of ${c.id} not a link`);
      }
      // Every continue button answers its own view, so an old one pressed again is stale.
      const expected = { verb: 'answer', ref: view.ref, value: 'done' };
      const go = executes(card).find((a) => a.title === view.continueLabel);
      if (!go || JSON.stringify(go.data) !== JSON.stringify(expected)) problems.push(`continue button ${JSON.stringify(go?.data)}`);
      return problems;
    });
    // 999 becomes tel:999.
    const emergency = actionCards.find((c) => c.view.node === '@emergency')!;
    expect(links(emergency.card, 'tel')).toEqual(['tel:999']);
  });

  it('asks for the case reference in a text input with Save and Skip', () => {
    const caseCards = CARDS.filter((c) => c.view.kind === 'case-reference');
    expect(caseCards.length).toBeGreaterThan(0);
    expectAll(caseCards, ({ card, view }) => {
      const input = ofType(card, 'Input.Text')[0];
      const problems: string[] = [];
      if (!input || input.id !== 'caseRef' || input.maxLength !== 32 || input.placeholder !== `e.g. ${view.kind === 'case-reference' ? view.format.example : ''} — never a name`) problems.push('no caseRef input');
      const data = executes(card).map((a) => ({ title: a.title, data: JSON.stringify(a.data), inputs: a.associatedInputs }));
      if (!data.some((d) => d.title === 'Save' && d.data === JSON.stringify({ verb: 'answer', ref: view.ref, value: '__caseRef__' }))) problems.push('no Save');
      if (!data.some((d) => d.title === 'Skip' && d.inputs === 'none' && d.data === JSON.stringify({ verb: 'answer', ref: view.ref, value: 'skip' }))) problems.push('no Skip');
      return problems;
    });
  });

  it("the case-reference input's own check accepts what the engine accepts and stops a name", () => {
    for (const { view, card } of CARDS.filter((c) => c.view.kind === 'case-reference')) {
      const input = ofType(card, 'Input.Text').find((i) => i.id === 'caseRef')!;
      const pattern = new RegExp(input.regex as string);
      for (const good of ['123456', 'AB-1234', 'abc/12-x', '1', 'X1', 'AB123456']) expect(pattern.test(good)).toBe(true);
      for (const bad of ['Jane Smith', 'Jane', 'Jayden2011', '12 34', 'JaneSmith']) expect(pattern.test(bad)).toBe(false);
      if (view.kind === 'case-reference') expect(input.errorMessage).toContain(view.format.description);
    }
  });

  it('shows the outcome with its next steps, contacts, provenance and the people picker', () => {
    const outcomes = CARDS.filter((c) => c.view.kind === 'outcome');
    const steps = new Set(outcomes.map((c) => c.view.node));
    const expected = catalogue.procedures.flatMap((p) => p.steps.filter((s) => s.kind === 'outcome').map((s) => `${p.area}/${s.id}`));
    expect([...steps].sort()).toEqual(expected.sort());
    expectAll(outcomes, ({ card, view }) => {
      if (view.kind !== 'outcome') return [];
      const problems: string[] = [];
      const text = bodyText(card).join('\n');
      const provenance = bodyText(card).find((t) => shown(t).includes(view.provenance));
      if (!provenance) problems.push('no provenance');
      // Prominent: straight under the title, in bold.
      const body = card.body as Json[];
      const titleAt = body.findIndex((b) => b.text === view.title);
      const provenanceAt = body.findIndex((b, at) => at > titleAt && strings(b).includes(provenance ?? '\u0000'));
      if (provenanceAt !== titleAt + 1 || body[provenanceAt]!.type !== 'Container') problems.push('provenance not straight under the title');
      for (const a of view.actions) if (!text.includes(a.text)) problems.push(`action missing: ${a.text}`);
      for (const c of view.contacts) if (!bodyText(card).includes(c.name)) problems.push(`contact missing: ${c.name}`);
      const picker = ofType(card, 'Input.ChoiceSet').find((x) => x.id === 'manager');
      if (!picker || picker.isRequired !== true || JSON.stringify(picker['choices.data']) !== JSON.stringify({ type: 'Data.Query', dataset: 'graph.microsoft.com/users' })) {
        problems.push('no people picker');
      }
      const send = executes(card).find((a) => a.verb === 'send-summary');
      if (!send || JSON.stringify(send.data) !== JSON.stringify({ verb: 'send-summary', ref: view.ref })) problems.push('no send-summary button');
      if (!text.includes('Send the risk summary to my line manager')) problems.push('no manager section heading');
      // No other button may be blocked by (or send) the required picker.
      for (const a of executes(card)) if (a !== send && a.associatedInputs !== 'none') problems.push(`"${String(a.title)}" would validate the picker`);
      return problems;
    });
  });

  it('puts Emergency (destructive), Back, Contacts and Restart on every card, without inputs', () => {
    expectAll(CARDS, ({ card, view }) => {
      const commands = ((card.actions ?? []) as Json[]).map((a) => a.data as Json).filter((d) => d.verb === 'command').map((d) => d.command);
      const expected = view.node === '@emergency' ? ['back', 'contacts', 'restart'] : ['emergency', 'back', 'contacts', 'restart'];
      const problems = JSON.stringify(commands) === JSON.stringify(expected) ? [] : [`commands ${commands.join(',')}`];
      const emergency = ((card.actions ?? []) as Json[]).find((a) => (a.data as Json).command === 'emergency');
      if (emergency && emergency.style !== 'destructive') problems.push('Emergency is not destructive');
      for (const a of (card.actions ?? []) as Json[]) if (a.associatedInputs !== 'none') problems.push(`${String(a.title)} sends inputs`);
      return problems;
    });
  });

  it('keeps the largest card (all indicators ticked) well inside 28 KB', () => {
    const sizes = CARDS.map((c) => bytes(c.card));
    const largest = Math.max(...sizes);
    expect(largest).toBeLessThanOrEqual(MAX_CARD_BYTES);
    // The walk's largest cards carry every indicator: a strategy-meeting outcome and the signs checklist.
    const nottingham = catalogue.procedures.find((p) => p.area === 'nottingham-city')!;
    const every = nottingham.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators)).length;
    const ticked = (summary: CaseSummary) => summary.indicators.filter((l) => l.list !== '@toolkit-questions').flatMap((l) => l.groups.flatMap((g) => g.items)).length;
    const withAll = CARDS.filter((c) => c.view.kind === 'outcome' && ticked(c.view.summary) === every);
    expect(new Set(withAll.map((c) => c.view.node))).toContain('nottingham-city/outcome-strategy-meeting');
    expect(withAll.every((c) => bytes(c.card) < MAX_CARD_BYTES)).toBe(true);
  });
});

describe('a view too big for one card', () => {
  it('drops the guidance text and the record to a pointer, and still fits', () => {
    const outcome = CARDS.find((c) => c.view.kind === 'outcome')!;
    const long = 'A very long paragraph of guidance. '.repeat(100);
    const view: View = { ...outcome.view, guidance: Array.from({ length: 12 }, (_, i) => ({ title: `Guidance ${i}`, text: long, points: [] })) };
    const card = viewCard(view);
    expect(bytes(card)).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(strings(card).join('\n')).not.toContain(long.trim());
    expect(bodyText(card)).toContain(`Guidance: ${view.guidance.map((g) => g.title).join('; ')}. Type "guidance" to read it.`);
    expect(envelopeProblems(card, contactsOf(view, undefined))).toEqual([]);
    // The people picker and the next steps stay.
    expect(ofType(card, 'Input.ChoiceSet')).toHaveLength(1);
  });
});

describe('answeredCard', () => {
  it('shows the header and the answer, with no action or input anywhere', () => {
    expectAll(
      SEEN.map((s) => ({ ...s, card: answeredCard(s.view, 'Yes: immediate danger') })),
      ({ card, view }) => {
        const problems = envelopeProblems(card, []);
        const bad = objects(card, (o) => 'actions' in o || 'selectAction' in o || (typeof o.type === 'string' && /^(Action|Input)\./.test(o.type)));
        if (bad.length > 0) problems.push(`has ${bad.map((b) => String(b.type)).join(',')}`);
        if ('actions' in card) problems.push('card-level actions');
        const text = bodyText(card);
        if (!text.includes(view.title) || !text.includes(view.position)) problems.push('no header');
        if (!text.includes('You answered: Yes: immediate danger')) problems.push('no answer');
        if (!(card.fallbackText as string).includes('You answered: Yes: immediate danger')) problems.push('fallbackText lacks the answer');
        return problems;
      },
    );
  });
});

describe('noticeCard and channelPointerCard', () => {
  it('renders a notice on its own, with contact links', () => {
    const notices = SEEN.flatMap((s) => (s.notice ? [{ label: s.label, notice: s.notice, card: noticeCard(s.notice) }] : []));
    expectAll(notices, ({ notice, card }) => {
      const problems = envelopeProblems(card, notice.contacts ?? []);
      if (!bodyText(card).includes(notice.title)) problems.push('no title');
      if (executes(card).length > 0) problems.push('has buttons');
      return problems;
    });
  });

  it('says only that a private message was sent', () => {
    const card = channelPointerCard();
    expect(card.body).toEqual([{ type: 'TextBlock', text: "I've sent you a private message to go through the CSE procedure.", wrap: true }]);
    expect(CHANNEL_POINTER_TEXT).toBe("I've sent you a private message to go through the CSE procedure.");
    expect(envelopeProblems(card, [])).toEqual([]);
    expect(new Set(strings(card))).toEqual(
      new Set(['http://adaptivecards.io/schemas/adaptive-card.json', 'AdaptiveCard', '1.5', 'TextBlock', 'Full', CHANNEL_POINTER_TEXT]),
    );
    expect(objects(card, (o) => typeof o.type === 'string' && /^(Action|Input)\./.test(o.type))).toEqual([]);
  });
});

describe('managerSummaryCard', () => {
  const summaries: { label: string; summary: CaseSummary }[] = SEEN.flatMap((s) => (s.view.kind === 'outcome' ? [{ label: s.label, summary: s.view.summary }] : []));
  const contactsOfSummary = (s: CaseSummary) => s.actions.flatMap((a) => a.contacts);

  it('shows case reference, area, the chosen risk level, ticked indicators, actions, who and when, provenance, and Acknowledge', () => {
    expectAll(summaries, ({ summary }) => {
      const card = managerSummaryCard(summary, 'n-42', 'Sam Jones (Social worker)', '2026-03-02T09:15:30.123Z');
      const problems = envelopeProblems(card, contactsOfSummary(summary));
      const all = strings(card).join('\n');
      if (!all.includes(summary.caseRef ?? 'none given')) problems.push('case reference');
      if (!all.includes(summary.areaName)) problems.push('area');
      if (!all.includes(summary.riskLevel?.label ?? 'not chosen on this path')) problems.push('risk level');
      if (!all.includes('Risk level (chosen by the professional)')) problems.push('risk level label');
      for (const list of summary.indicators) {
        if (!all.includes(list.title)) problems.push(`list ${list.title}`);
        for (const g of list.groups) for (const item of g.items) if (!listItems(card).includes(item)) problems.push(`indicator ${item}`);
      }
      for (const a of summary.actions) if (!all.includes(a.text)) problems.push(`action ${a.text}`);
      if (!all.includes('Raised by Sam Jones (Social worker), {{DATE(2026-03-02T09:15:30Z, SHORT)}} {{TIME(2026-03-02T09:15:30Z)}}')) problems.push('raised by/when');
      if (!all.includes(summary.provenance) || !all.includes(summary.packVersion)) problems.push('provenance');
      const ack = executes(card);
      if (ack.length !== 1 || JSON.stringify(ack[0]!.data) !== JSON.stringify({ verb: 'acknowledge', notification: 'n-42' }) || ack[0]!.title !== 'Acknowledge') {
        problems.push('no Acknowledge button');
      }
      return problems;
    });
  });

  it('covers a run with no case reference and no risk level', () => {
    const bare = summaries.find((s) => s.summary.caseRef === null && s.summary.riskLevel === null)!;
    const text = strings(managerSummaryCard(bare.summary, 'n-1', 'Sam', '2026-03-02T09:15:00Z')).join('\n');
    expect(text).toContain('none given');
    expect(text).toContain('not chosen on this path');
  });

  it('once acknowledged shows when, and no button', () => {
    const card = managerSummaryCard(summaries[0]!.summary, 'n-42', 'Sam', '2026-03-02T09:15:00Z', '2026-03-02T10:00:00.000Z');
    expect(bodyText(card)).toContain('Acknowledged {{DATE(2026-03-02T10:00:00Z, SHORT)}} {{TIME(2026-03-02T10:00:00Z)}}');
    expect(card.fallbackText).toContain('Acknowledged 2026-03-02 10:00 UTC');
    expect(objects(card, (o) => typeof o.type === 'string' && o.type.startsWith('Action.'))).toEqual([]);
    expect(envelopeProblems(card, contactsOfSummary(summaries[0]!.summary))).toEqual([]);
  });

  it('escapes a display name that looks like Markdown', () => {
    const card = managerSummaryCard(summaries[0]!.summary, 'n-1', '*Sam* [x](https://evil.example)', '2026-03-02T09:15:00Z');
    expect(bodyText(card).join('\n')).not.toContain('[x](https://evil.example)');
  });
});

describe('senderCard', () => {
  it('tells the sender the manager acknowledged', () => {
    const card = senderCard('acknowledged', 'AB-1234');
    expect(bodyText(card)[0]).toBe('Your line manager acknowledged the risk summary (case reference AB-1234).');
    expect(envelopeProblems(card, [])).toEqual([]);
  });

  it.each([
    ['not-installed', /doesn't have the CSE guidance bot installed in Teams/],
    ['not-found', /couldn't find the person you chose/],
    ['unreachable', /couldn't reach your line manager/],
  ] as const)('explains %s plainly: forward it yourself, or tell them directly', (kind, reason) => {
    const card = senderCard(kind, null);
    const text = bodyText(card).join('\n');
    expect(text).toMatch(reason);
    expect(text).toContain('was not sent');
    expect(text).toContain('no case reference given');
    expect(text).toMatch(/forward the summary yourself/i);
    expect(text).toMatch(/tell them about it yourself/);
    if (kind === 'not-installed') expect(text).toMatch(/install the app/);
    expect(executes(card)).toEqual([]);
    expect(envelopeProblems(card, [])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Clicks: the payloads Teams sends, parsed and played into the engine.

/** The inputs a user fills in before clicking: ticks the first two toggles, types the case reference, picks a manager. */
function filledInputs(card: AdaptiveCard): Json {
  const inputs: Json = {};
  ofType(card, 'Input.Toggle').forEach((t, i) => (inputs[t.id as string] = i < 2 ? 'true' : 'false'));
  for (const t of ofType(card, 'Input.Text')) inputs[t.id as string] = `  ${CASE_REF} `;
  for (const c of ofType(card, 'Input.ChoiceSet')) inputs[c.id as string] = MANAGER;
  return inputs;
}

/** Action.Execute: an adaptiveCard/action invoke whose action.data is the data merged with the inputs. */
const executePayload = (action: Json, inputs: Json) => ({ action: { type: 'Action.Execute', verb: action.verb, data: { ...(action.data as Json), ...inputs } } });
/** Action.Submit: a message whose value is the data merged with the inputs. */
const submitPayload = (action: Json, inputs: Json) => ({ ...((action.fallback as Json).data as Json), ...inputs });

function expectedAction(action: Json, inputs: Json): CardAction {
  const data = action.data as Json;
  if (data.verb === 'answer') {
    let value = data.value as string | string[];
    if (value === '__checklist__') value = Object.keys(inputs).filter((k) => k.startsWith('ind:') && inputs[k] === 'true').map((k) => k.slice(4));
    if (value === '__caseRef__') value = CASE_REF;
    return { verb: 'answer', ref: data.ref as string, value };
  }
  if (data.verb === 'send-summary') return { verb: 'send-summary', ref: data.ref as string, manager: MANAGER };
  return data as CardAction;
}

/** The engine input of a click, as the bot makes it (an acknowledgement is not a turn). */
function toInput(action: CardAction): Input {
  if (action.verb === 'acknowledge') throw new Error('not an engine input');
  return inputOf(action);
}

describe('parseCardAction', () => {
  it('reads every button of every card, Execute- and Submit-shaped, and the engine accepts what it reads', () => {
    let clicks = 0;
    expectAll(CARDS, (item) => {
      const problems: string[] = [];
      const filled = filledInputs(item.card);
      for (const action of executes(item.card)) {
        const inputs = action.associatedInputs === 'none' ? {} : filled;
        const expected = expectedAction(action, inputs);
        const viaExecute = parseCardAction(executePayload(action, inputs));
        const viaSubmit = parseCardAction(submitPayload(action, inputs));
        // The adapter may also hand over action.data alone.
        const viaData = parseCardAction({ ...(action.data as Json), ...inputs });
        for (const [how, got] of [['execute', viaExecute], ['submit', viaSubmit], ['data', viaData]] as const) {
          if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`${how} "${String(action.title)}": ${JSON.stringify(got)} ≠ ${JSON.stringify(expected)}`);
        }
        if (!viaSubmit) continue;
        const r = engineOf(item).step(item.state, toInput(viaSubmit), new Date(T0 + 86_400_000).toISOString());
        clicks++;
        // "Back" at the first step has nothing to go back to, and "check" is refused where there is no self-check.
        const refusal = viaSubmit.verb === 'command' && (viaSubmit.command === 'back' || viaSubmit.command === 'check');
        if (r.error && !refusal) problems.push(`engine refused "${String(action.title)}": ${r.error.code} ${r.error.message}`);
        if (viaSubmit.verb === 'send-summary' && !r.effects.some((e) => e.type === 'notify-manager')) problems.push('no notify-manager effect');
      }
      return problems;
    });
    expect(clicks).toBeGreaterThan(1000);
  });

  it('returns the ticked indicators for the checklist submit, and strips every input key', () => {
    const data = { verb: 'answer', ref: 'nottingham-city/toolkit-signs#7', value: '__checklist__', 'ind:drugs-alcohol': 'true', 'ind:crime': 'false', 'ind:pregnancy': 'true', caseRef: 'x', manager: 'y', msteams: {} };
    expect(parseCardAction(data)).toEqual({ verb: 'answer', ref: 'nottingham-city/toolkit-signs#7', value: ['drugs-alcohol', 'pregnancy'] });
    expect(parseCardAction({ ...data, 'ind:drugs-alcohol': 'false', 'ind:pregnancy': 'false' })).toEqual({ verb: 'answer', ref: data.ref, value: [] });
    expect(parseCardAction({ verb: 'answer', ref: 'r#1', value: [] })).toEqual({ verb: 'answer', ref: 'r#1', value: [] });
    expect(parseCardAction({ verb: 'command', command: 'back', caseRef: 'Jane Smith', 'ind:x': 'true' })).toEqual({ verb: 'command', command: 'back' });
  });

  it('returns the typed case reference for Save, and "skip" for Skip or an empty box', () => {
    const save = { verb: 'answer', ref: 'sandwell/case-reference#4', value: '__caseRef__' };
    expect(parseCardAction({ ...save, caseRef: ' 123456 ' })).toEqual({ verb: 'answer', ref: save.ref, value: '123456' });
    expect(parseCardAction({ ...save, caseRef: '   ' })).toEqual({ verb: 'answer', ref: save.ref, value: 'skip' });
    expect(parseCardAction(save)).toEqual({ verb: 'answer', ref: save.ref, value: 'skip' });
    expect(parseCardAction({ ...save, value: 'skip', caseRef: '123456' })).toEqual({ verb: 'answer', ref: save.ref, value: 'skip' });
    expect(parseCardAction({ ...save, caseRef: 'x'.repeat(101) })).toBeNull();
  });

  it('takes the first id from a people-picker value however it arrives', () => {
    const send = { verb: 'send-summary', ref: 'nottingham-city/outcome-strategy-meeting#12' };
    for (const manager of ['id-1', ' id-1 ', 'id-1,id-2', '["id-1","id-2"]', ['id-1', 'id-2']]) {
      expect(parseCardAction({ ...send, manager })).toEqual({ ...send, manager: 'id-1' });
    }
    for (const manager of [undefined, '', ',', '[]', '[1]', '{"id":"x"}', '[not json', 42, 'a b', 'x'.repeat(201)]) {
      expect(parseCardAction({ ...send, manager })).toBeNull();
    }
    expect(managerId('["a"]')).toBe('a');
  });

  it('reads acknowledge and every command', () => {
    expect(parseCardAction({ verb: 'acknowledge', notification: 'n-42' })).toEqual({ verb: 'acknowledge', notification: 'n-42' });
    for (const command of ['emergency', 'carry-on', 'back', 'restart', 'contacts', 'help', 'guidance', 'check'] as const) {
      expect(parseCardAction({ verb: 'command', command })).toEqual({ verb: 'command', command });
      expect(parseCardAction(executePayload({ verb: 'command', data: { verb: 'command', command } }, {}))).toEqual({ verb: 'command', command });
    }
  });

  it('returns null for anything that is not one of ours', () => {
    const garbage: unknown[] = [
      null,
      undefined,
      'answer',
      42,
      [],
      [{ verb: 'answer', ref: 'r', value: 'x' }],
      {},
      { verb: 'answer' },
      { verb: 'answer', ref: 'r' },
      { verb: 'answer', ref: '', value: 'x' },
      { verb: 'answer', ref: 'r'.repeat(301), value: 'x' },
      { verb: 'answer', ref: 'r', value: 5 },
      { verb: 'answer', ref: 'r', value: [1, 2] },
      { verb: 'answer', ref: 'r', value: 'x'.repeat(201) },
      { verb: 'answer', ref: 'r', value: Array.from({ length: 201 }, (_, i) => `i${i}`) },
      { verb: 'command', command: 'rm -rf' },
      { verb: 'command', command: 'resume' },
      { verb: 'command' },
      { verb: 'send-summary', ref: 'r' },
      { verb: 'acknowledge' },
      { verb: 'acknowledge', notification: '' },
      { verb: 'acknowledge', notification: 'n'.repeat(201) },
      { verb: 'delete-everything', ref: 'r' },
      { action: { type: 'Action.Execute', verb: 'answer', data: 'x' } },
      { action: { type: 'Action.Execute', verb: 'nope', data: {} } },
      JSON.parse('{"__proto__": {"verb": "command", "command": "back"}}'),
    ];
    for (const g of garbage) expect(parseCardAction(g)).toBeNull();
  });

  it('exports the helpers the adapter can use on the merged data', () => {
    expect(checklistValue({ 'ind:a': 'true', 'ind:b': true, 'ind:c': 'false', 'ind:': 'true', x: 'true', 'ind:a2': 'yes' })).toEqual(['a', 'b']);
    expect(caseRefValue({ caseRef: 'AB/12' })).toBe('AB/12');
    expect(caseRefValue({})).toBe('skip');
    expect(caseRefValue({ caseRef: 42 })).toBe('skip');
  });
});

describe('a run played only by clicking card buttons', () => {
  it('reaches an outcome and sends the summary, from Teams-shaped payloads alone', () => {
    const engine = engines[0]![1];
    let turn = 0;
    const now = () => new Date(T0 + turn++ * 60_000).toISOString();
    let r = engine.start(now());
    const click = (title: string, inputs: Json = {}) => {
      const card = viewCard(r.view, r.notice);
      const action = executes(card).find((a) => a.title === title);
      if (!action) throw new Error(`no "${title}" on ${r.view.position}: ${executes(card).map((a) => String(a.title)).join(' | ')}`);
      const parsed = parseCardAction(executePayload(action, action.associatedInputs === 'none' ? {} : inputs));
      if (!parsed) throw new Error(`"${title}" did not parse`);
      r = engine.step(r.state, toInput(parsed), now());
      expect(r.error).toBeUndefined();
    };
    click('No immediate danger');
    click('Nottingham City');
    click('Done: carry on');
    click('Save', { caseRef: '123456' });
    click('Submit ticked indicators', { 'ind:chaotic-family': 'true', 'ind:homeless': 'true', 'ind:bullying': 'false' });
    click('None of these');
    click('Not known');
    click('No');
    click('Not an open case');
    expect(r.view.kind).toBe('risk-level');
    const riskCard = viewCard(r.view);
    // The ticked indicators, then the toolkit's own questions as answered.
    expect(listItems(riskCard)).toEqual(['Live in a chaotic or dysfunctional family', 'Homeless', 'Particular attention to previous sexual abuse: Not known', 'To include siblings: No']);
    click('High');
    expect(r.view.title).toBe('Medium / high risk factors: refer to Children & Families Direct');
    const outcome = viewCard(r.view);
    expect(links(outcome, 'tel')).toContain('tel:01158764800');
    expect(links(outcome, 'mailto')).toContain('mailto:cnm@nottinghamshire.pnn.police.uk?subject=CSE%20referral');
    click('Send the risk summary', { manager: MANAGER });
    expect(r.effects).toEqual([expect.objectContaining({ type: 'notify-manager', manager: { id: MANAGER } })]);
    const effect = r.effects[0]!;
    if (effect.type !== 'notify-manager') throw new Error('unreachable');
    expect(effect.summary.caseRef).toBe('123456');
    expect(effect.summary.riskLevel).toEqual({ id: 'high', label: 'High' });
  });
});
