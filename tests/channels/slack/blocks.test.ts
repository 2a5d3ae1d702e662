/**
 * The Slack Block Kit renderer for every view of both packs. As for the Teams cards, the views are not listed by hand:
 * every run of both packs (each area fixed, and both areas enabled) is walked breadth first by clicking every option,
 * ticking all / one / none, typing a case reference or skipping, and using every command at every step, so the
 * emergency steps, the self-check and every outcome are reached. Each view met (with its notice) is rendered as a
 * message, as an answered message and, where it has one, as a modal; every surface is held to the Block Kit limits;
 * every button is then "clicked" with the block_actions action Slack would send, parsed, and played into the engine.
 */
import { resolve } from 'node:path';
import {
  ACTION,
  answeredMessage,
  CALLBACK,
  CASE_REF_ACTION,
  CASE_REF_BLOCK,
  caseRefModal,
  channelPointerText,
  checklistModal,
  chunkText,
  homeView,
  LIMITS,
  MANAGER_BLOCK,
  managerSummaryMessage,
  noticeMessage,
  parseBlockAction,
  parseModalSubmission,
  selectedManager,
  senderMessage,
  viewMessage,
  type SlackAction,
  type SlackMessage,
  type SlackModal,
} from '../../../src/channels/slack/blocks';
import type { CaseSummary, ContactView, Engine, Input, Notice, View } from '../../../src/engine';
import { allViews, engines, type Seen } from '../../support/view-walk';
import { loadCatalogue } from '../../../src/procedure/load';

const catalogue = loadCatalogue(resolve(__dirname, '../../../dialogs'));
const CASE_REF = 'AB-1234';
const USER = 'U0123ABCDE';

type Json = Record<string, unknown>;
type ChecklistView = Extract<View, { kind: 'checklist' }>;
type CaseRefView = Extract<View, { kind: 'case-reference' }>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

// ---------------------------------------------------------------------------------------------------------------
// The walk (the same as the Teams cards suite's).

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const LATER = new Date(T0 + 86_400_000).toISOString();
const SEEN: Seen[] = allViews(USER);
const MESSAGES = SEEN.map((item) => ({ ...item, message: viewMessage(item.view, item.notice) }));
const isChecklist = (v: View): v is ChecklistView => v.kind === 'checklist';
const isCaseRef = (v: View): v is CaseRefView => v.kind === 'case-reference';

// ---------------------------------------------------------------------------------------------------------------
// Reading Block Kit.

function visit(node: unknown, fn: (obj: Json) => void): void {
  if (Array.isArray(node)) node.forEach((x) => visit(x, fn));
  else if (isObject(node)) {
    fn(node);
    Object.values(node).forEach((x) => visit(x, fn));
  }
}

function objects(surface: unknown, predicate: (o: Json) => boolean): Json[] {
  const found: Json[] = [];
  visit(surface, (o) => {
    if (predicate(o)) found.push(o);
  });
  return found;
}

const ofType = (surface: unknown, type: string) => objects(surface, (o) => o.type === type);
const blocksOf = (surface: { blocks: unknown[] }) => surface.blocks as Json[];
const textOf = (o: unknown): string => (isObject(o) && typeof o.text === 'string' ? o.text : '');
/** All the text a reader sees: every text object's text, joined. */
const shown = (surface: unknown): string =>
  objects(surface, (o) => (o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string')
    .map((o) => o.text as string)
    .join('\n');
const mrkdwnTexts = (surface: unknown): string[] => ofType(surface, 'mrkdwn').map((o) => o.text as string);
/** mrkdwn as a reader sees it: entities decoded, links shown as their text. */
const unescape = (s: string) =>
  s
    .replace(/<[^<>|]+\|([^<>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const readable = (surface: unknown): string => unescape(shown(surface)).replace(/\*/g, '');
const links = (surface: unknown, scheme: 'tel' | 'mailto'): string[] =>
  mrkdwnTexts(surface).flatMap((s) => [...s.matchAll(new RegExp(`<(${scheme}:[^|>]+)\\|([^>]*)>`, 'g'))].map((m) => m[1]!));
const buttons = (surface: unknown) => ofType(surface, 'button');
const buttonTexts = (surface: unknown) => buttons(surface).map((b) => textOf(b.text));
const len = (s: unknown) => (typeof s === 'string' ? [...s].length : -1);
/** Characters of text in all the text objects of some blocks. */
const textTotal = (x: unknown) => objects(x, (o) => (o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string').reduce((n, o) => n + len(o.text), 0);

function contactsOf(view: View, notice: Notice | undefined): ContactView[] {
  const contacts = [...(notice?.contacts ?? [])];
  if (view.kind === 'actions' || view.kind === 'outcome') contacts.push(...view.actions.flatMap((a) => a.contacts));
  if (view.kind === 'outcome') contacts.push(...view.contacts, ...view.summary.actions.flatMap((a) => a.contacts));
  return contacts;
}

const ALL_CONTACTS: ContactView[] = [...catalogue.procedures.flatMap((p) => p.contacts), catalogue.common.danger.emergency.contact];
const ALL_INDICATOR_TEXTS = catalogue.procedures.flatMap((p) => p.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators.map((i) => i.text))));

/** The `<…>` forms we write into mrkdwn: tel: and mailto: links and localised dates. Anything else is unescaped input. */
const OUR_ANGLES = /^<(tel:\+?\d+\|[^<>|]+|mailto:[^<>|\s]+\|[^<>|]+|!date\^\d+\^[^|<>]+\|[^<>|]+)>$/;

type Surface = 'message' | 'modal' | 'home';

/** Everything a Block Kit surface must satisfy: the limits (LIMITS, the strictest figures), unique ids, safe links. */
function surfaceProblems(surface: { blocks: unknown[] } & Json, kind: Surface, contacts: ContactView[] = ALL_CONTACTS): string[] {
  const problems: string[] = [];
  const blocks = blocksOf(surface);
  const maxBlocks = kind === 'message' ? LIMITS.messageBlocks : kind === 'modal' ? LIMITS.modalBlocks : LIMITS.homeBlocks;
  if (blocks.length === 0) problems.push('no blocks');
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  if (kind === 'message') {
    if (textTotal(blocks) > LIMITS.messageTextTotal) problems.push(`${textTotal(blocks)} characters of text in all`);
    if (typeof surface.text === 'string' && (/[<>]/.test(surface.text) || /&(?!amp;|lt;|gt;)/.test(surface.text))) problems.push('text not escaped');
    if (typeof surface.text !== 'string' || surface.text.trim() === '') problems.push('no text');
    else if (len(surface.text) > LIMITS.messageText) problems.push(`text ${len(surface.text)} chars`);
    if (typeof surface.text === 'string' && surface.text.includes(CASE_REF) && !(surface as Json).mayNameCaseRef) problems.push('text carries the case reference');
  }
  if (kind === 'modal') {
    if (surface.type !== 'modal') problems.push('not a modal');
    for (const key of ['title', 'submit', 'close'] as const) {
      const t = surface[key];
      if (key === 'title' || t !== undefined) {
        if (!isObject(t) || t.type !== 'plain_text' || len(t.text) < 1 || len(t.text) > LIMITS.modalTitle) problems.push(`modal ${key} ${JSON.stringify(t)}`);
      }
    }
    if (typeof surface.private_metadata !== 'string' || len(surface.private_metadata) > LIMITS.privateMetadata) problems.push('private_metadata');
    if (typeof surface.callback_id !== 'string' || len(surface.callback_id) > LIMITS.callbackId) problems.push('callback_id');
    if (ofType(surface, 'input').length > 0 && surface.submit === undefined) problems.push('inputs but no submit');
  }
  if (kind === 'home' && surface.type !== 'home') problems.push('not home');

  const blockIds = blocks.flatMap((b) => (b.block_id === undefined ? [] : [b.block_id]));
  if (new Set(blockIds).size !== blockIds.length) problems.push(`duplicate block_ids ${JSON.stringify(blockIds)}`);
  for (const id of blockIds) if (typeof id !== 'string' || len(id) < 1 || len(id) > LIMITS.blockId) problems.push(`block_id ${JSON.stringify(id)}`);
  // Slack wants action_ids unique within a block; ours are unique within a whole message or home tab too (a modal
  // repeats its inputs' action_id from block to block, its state being keyed by block_id first).
  const actionIds = objects(surface, (o) => 'action_id' in o).map((o) => o.action_id);
  for (const scope of kind === 'modal' ? blocks : [surface]) {
    const ids = objects(scope, (o) => 'action_id' in o).map((o) => o.action_id);
    if (new Set(ids).size !== ids.length) problems.push(`duplicate action_ids ${ids.join(',')}`);
  }
  for (const id of actionIds) if (typeof id !== 'string' || len(id) < 1 || len(id) > LIMITS.actionId) problems.push(`action_id ${String(id)}`);

  for (const b of blocks) {
    switch (b.type) {
      case 'header':
        if (!isObject(b.text) || b.text.type !== 'plain_text' || len(b.text.text) > LIMITS.headerText) problems.push(`header ${JSON.stringify(b.text)}`);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) problems.push('section without text');
        if (b.text !== undefined && len(textOf(b.text)) > LIMITS.sectionText) problems.push(`section text ${len(textOf(b.text))} chars`);
        if (b.fields !== undefined) {
          const fields = b.fields as Json[];
          if (fields.length > LIMITS.sectionFields) problems.push(`${fields.length} fields`);
          for (const f of fields) if (len(f.text) > LIMITS.fieldText) problems.push(`field ${len(f.text)} chars`);
        }
        break;
      }
      case 'context': {
        const elements = b.elements as Json[];
        if (elements.length < 1 || elements.length > LIMITS.contextElements) problems.push(`context with ${elements.length} elements`);
        break;
      }
      case 'actions': {
        const elements = b.elements as Json[];
        if (elements.length < 1 || elements.length > LIMITS.actionsElements) problems.push(`actions with ${elements.length} elements`);
        break;
      }
      case 'input':
        if (kind !== 'modal') problems.push('an input block outside a modal');
        if (!isObject(b.label) || b.label.type !== 'plain_text' || len(b.label.text) > LIMITS.inputLabel) problems.push('input label');
        if (b.hint !== undefined && (!isObject(b.hint) || len(b.hint.text) > LIMITS.inputHint)) problems.push('input hint');
        break;
      case 'divider':
        break;
      default:
        problems.push(`unexpected block ${String(b.type)}`);
    }
  }

  // Text objects: never empty, never over 3000; plain_text where Slack wants it.
  for (const t of objects(surface, (o) => o.type === 'plain_text' || o.type === 'mrkdwn')) {
    if (typeof t.text !== 'string' || t.text.trim() === '') problems.push(`empty ${String(t.type)}`);
    else if (len(t.text) > LIMITS.textObject) problems.push(`${String(t.type)} of ${len(t.text)} chars`);
  }
  for (const b of buttons(surface)) {
    if (!isObject(b.text) || b.text.type !== 'plain_text' || len(b.text.text) > LIMITS.buttonText) problems.push(`button text ${JSON.stringify(b.text)}`);
    if (b.value !== undefined && (typeof b.value !== 'string' || len(b.value) > LIMITS.buttonValue)) problems.push(`button value of ${len(b.value)}`);
    if (b.style !== undefined && b.style !== 'primary' && b.style !== 'danger') problems.push(`button style ${JSON.stringify(b.style)}`);
  }
  for (const c of ofType(surface, 'checkboxes')) {
    const options = c.options as Json[];
    if (options.length < 1 || options.length > LIMITS.checkboxOptions) problems.push(`${options.length} checkbox options`);
    for (const o of options) {
      if (!isObject(o.text) || len(o.text.text) > LIMITS.optionText) problems.push(`option text ${JSON.stringify(o.text)}`);
      if (typeof o.value !== 'string' || len(o.value) < 1 || len(o.value) > LIMITS.optionValue) problems.push(`option value ${String(o.value)}`);
      if (o.description !== undefined && (!isObject(o.description) || len(o.description.text) > LIMITS.optionDescription)) problems.push('option description');
    }
  }
  for (const p of objects(surface, (o) => isObject(o.placeholder))) if (len((p.placeholder as Json).text) > LIMITS.placeholder) problems.push('placeholder');
  for (const input of ofType(surface, 'plain_text_input')) {
    if (typeof input.max_length !== 'number' || input.max_length < 1 || input.max_length > 3000) problems.push('plain_text_input max_length');
  }

  // mrkdwn: every "<" is one of our links, every "&" an entity; links are safe.
  for (const text of mrkdwnTexts(surface)) {
    for (const m of text.matchAll(/<[^<>]*>?/g)) if (!OUR_ANGLES.test(m[0])) problems.push(`unescaped or unknown <…>: ${m[0]}`);
    if (/&(?!amp;|lt;|gt;)/.test(text)) problems.push(`unescaped &: ${text.slice(0, 80)}`);
  }
  const phones = new Set(contacts.flatMap((c) => (c.phone ? [c.phone.replace(/\D/g, '')] : [])));
  for (const tel of links(surface, 'tel')) {
    if (!/^tel:\d+$/.test(tel)) problems.push(`bad tel link ${tel}`);
    else if (!phones.has(tel.slice(4))) problems.push(`tel link ${tel} matches no contact`);
  }
  const emails = new Set(contacts.flatMap((c) => (c.email ? [c.email] : [])));
  for (const mailto of links(surface, 'mailto')) {
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

/** Runs a check over every item; reports every failure with the view it belongs to. */
function expectAll<T extends { label: string }>(items: T[], check: (item: T) => string[]): void {
  const failures = items.flatMap((item) => check(item).map((p) => `${item.label}: ${p}`));
  expect(failures).toEqual([]);
}

/** Nothing to click or fill in, anywhere in it. */
function interactive(surface: unknown): Json[] {
  return objects(
    surface,
    (o) =>
      o.type === 'actions' ||
      o.type === 'input' ||
      'accessory' in o ||
      'action_id' in o ||
      ['button', 'checkboxes', 'users_select', 'plain_text_input', 'static_select', 'overflow', 'radio_buttons'].includes(o.type as string),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The surfaces Slack sends back.

/** The block_actions action Slack sends for a button. */
const actionOf = (b: Json) => ({ action_id: b.action_id as string, value: b.value as string | undefined });
/** A message's state once the user has picked a manager in the users_select. */
const pickedState = { values: { [MANAGER_BLOCK]: { cse_manager: { type: 'users_select', selected_user: USER } } } };

/** A view_submission's view: what the user ticked (first option of every group) or typed. */
function submitted(modal: SlackModal, typed = ` ${CASE_REF} `): { view: Parameters<typeof parseModalSubmission>[0]; ticked: string[] } {
  const values: Record<string, Record<string, unknown>> = {};
  const ticked: string[] = [];
  for (const block of ofType(modal, 'input')) {
    const element = block.element as Json;
    if (element.type === 'checkboxes') {
      const first = (element.options as Json[])[0]!;
      ticked.push(first.value as string);
      values[block.block_id as string] = { [element.action_id as string]: { type: 'checkboxes', selected_options: [first] } };
    } else {
      values[block.block_id as string] = { [element.action_id as string]: { type: 'plain_text_input', value: typed } };
    }
  }
  return { view: { callback_id: modal.callback_id, private_metadata: modal.private_metadata, state: { values } }, ticked };
}

function toInput(action: SlackAction): Input | null {
  switch (action.kind) {
    case 'answer':
      return { type: 'answer', ref: action.ref, value: action.value };
    case 'command':
      return { type: 'command', command: action.command };
    case 'send-summary':
      return { type: 'send-summary', ref: action.ref, manager: { id: action.manager } };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('the walk', () => {
  it('meets every kind of view, every step of both packs, both emergencies, the self-check and every outcome', () => {
    const kinds = new Set(SEEN.map((s) => s.view.kind));
    expect([...kinds].sort()).toEqual(['actions', 'case-reference', 'checklist', 'outcome', 'question', 'risk-level']);
    const nodes = new Set(SEEN.map((s) => s.state.node));
    for (const p of catalogue.procedures) for (const step of p.steps) expect(nodes).toContain(`${p.area}/${step.id}`);
    for (const special of ['@danger', '@area', '@emergency', '@self-check']) expect(nodes).toContain(special);
    const emergencyTitles = new Set(SEEN.filter((s) => s.state.node === '@emergency').map((s) => s.view.title));
    expect(emergencyTitles).toEqual(new Set(['Call 999 now', 'Call Emergency Service']));
    const selfCheckDone = SEEN.filter((s) => s.state.node === '@self-check' && s.view.kind === 'actions');
    expect(selfCheckDone.some((s) => s.view.kind === 'actions' && s.view.actions.length === 0)).toBe(true);
    expect(selfCheckDone.some((s) => s.view.kind === 'actions' && s.view.actions.length > 0)).toBe(true);
    expect(new Set(SEEN.flatMap((s) => (s.notice ? [s.notice.kind] : [])))).toEqual(new Set(['error', 'info']));
    expect(SEEN.some((s) => s.notice?.contacts?.some((c) => c.phone))).toBe(true);
    // Both a single-area and a multi-area run reach every outcome.
    for (const label of ['multi', ...catalogue.procedures.map((p) => p.area)]) {
      expect(SEEN.some((s) => s.label.startsWith(`${label} `) && s.view.kind === 'outcome')).toBe(true);
    }
    expect(SEEN.length).toBeGreaterThan(100);
  });
});

describe('Block Kit limits on every surface', () => {
  it('every view message (with its notice) keeps to every limit', () => {
    expectAll(MESSAGES, ({ message, view, notice }) => surfaceProblems({ ...message }, 'message', [...contactsOf(view, notice), ...ALL_CONTACTS]));
  });

  it('every answered message keeps to every limit and has nothing to click', () => {
    expectAll(SEEN, ({ view }) => {
      const message = answeredMessage(view, 'No immediate danger');
      const problems = surfaceProblems({ ...message }, 'message');
      if (interactive(message).length > 0) problems.push(`interactive parts: ${JSON.stringify(interactive(message))}`);
      if (!readable(message).includes('You answered: No immediate danger')) problems.push('no "You answered"');
      const header = blocksOf(message)[0]!;
      if (header.type !== 'header' || textOf(header.text) !== view.position.slice(0, LIMITS.headerText)) problems.push('not the same header');
      if (!readable(message).includes(view.title)) problems.push('no title');
      return problems;
    });
  });

  it('every checklist modal and case-reference modal keeps to every limit', () => {
    const checklists = SEEN.filter((s) => isChecklist(s.view));
    const caseRefs = SEEN.filter((s) => isCaseRef(s.view));
    expect(checklists.length).toBeGreaterThan(0);
    expect(caseRefs.length).toBeGreaterThan(0);
    expectAll(checklists, ({ view }) => (isChecklist(view) ? surfaceProblems({ ...checklistModal(view) }, 'modal') : []));
    expectAll(caseRefs, ({ view }) => (isCaseRef(view) ? surfaceProblems({ ...caseRefModal(view) }, 'modal') : []));
  });

  it('every notice, manager summary, sender message and home tab keeps to every limit', () => {
    const notices = SEEN.flatMap((s) => (s.notice ? [{ label: s.label, notice: s.notice }] : []));
    expectAll(notices, ({ notice }) => surfaceProblems({ ...noticeMessage(notice) }, 'message'));
    const summaries = SEEN.flatMap((s) => (s.view.kind === 'outcome' ? [{ label: s.label, summary: s.view.summary }] : []));
    expect(summaries.length).toBeGreaterThan(0);
    expectAll(summaries, ({ summary }) => [
      ...surfaceProblems({ ...managerSummaryMessage(summary, 'n-42', 'Sam Jones', '2026-03-02T09:15:30.123Z') }, 'message'),
      ...surfaceProblems({ ...managerSummaryMessage(summary, 'n-42', 'Sam Jones', '2026-03-02T09:15:30.123Z', '2026-03-02T10:00:00Z') }, 'message'),
    ]);
    for (const kind of ['acknowledged', 'not-installed', 'not-found', 'unreachable'] as const) {
      for (const ref of [CASE_REF, null]) expect(surfaceProblems({ ...senderMessage(kind, ref), mayNameCaseRef: true }, 'message')).toEqual([]);
    }
    const homes = engines.flatMap(([label, engine]) => {
      const areas = areasOf(engine);
      return [null, ...SEEN.filter((s) => s.engine === engine).map((s) => s.view)].map((inProgress, i) => ({ label: `${label} home ${i}`, home: homeView({ areas, inProgress }) }));
    });
    expectAll(homes, ({ home }) => surfaceProblems({ ...home }, 'home'));
  });

  it('measures the largest surfaces', () => {
    const most = (xs: number[]) => Math.max(...xs);
    const messageBlocks = most(MESSAGES.map((m) => m.message.blocks.length));
    const modalBlocks = most(SEEN.flatMap((s) => (isChecklist(s.view) ? [checklistModal(s.view).blocks.length] : [])));
    const sectionChars = most(MESSAGES.flatMap((m) => ofType(m.message, 'section').map((b) => len(textOf(b.text)))));
    const bytes = most(MESSAGES.map((m) => Buffer.byteLength(JSON.stringify(m.message))));
    const text = most(MESSAGES.map((m) => textTotal(m.message.blocks)));
    // The largest today (Nottingham's strategy-meeting outcome, every indicator ticked, with the guidance notice
    // above it): 25 blocks, 7,239 characters of text, 12.8 KB of JSON; the largest modal has 7 blocks.
    expect(text).toBeLessThan(LIMITS.messageTextTotal);
    expect(messageBlocks).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(modalBlocks).toBeLessThanOrEqual(LIMITS.modalBlocks);
    expect(sectionChars).toBeLessThanOrEqual(LIMITS.sectionText);
    // Far from any payload limit: a view is a few KB.
    expect(bytes).toBeLessThan(40_000);
  });
});

function areasOf(engine: Engine) {
  return engine.areas.map((a) => {
    const p = catalogue.procedures.find((x) => x.area === a.id)!;
    return { id: a.id, name: a.name, provenance: engine.provenance(a.id)!, contacts: p.contacts };
  });
}

describe('viewMessage', () => {
  it('starts with the notice, then the position as header and the title; ends with the hint', () => {
    expectAll(MESSAGES, ({ message, view, notice }) => {
      const problems: string[] = [];
      const blocks = blocksOf(message);
      let i = 0;
      if (notice) {
        const first = textOf(blocks[0]!.text);
        if (!unescape(first).includes(notice.title)) problems.push('notice is not first');
        if (notice.kind === 'error' && !first.startsWith(':warning:')) problems.push('error without warning');
        for (const line of notice.lines) if (!readable(message).includes(line)) problems.push(`notice line missing: ${line}`);
        i = blocks.findIndex((b) => b.type === 'header');
        if (blocks[i - 1]?.type !== 'divider') problems.push('no divider after the notice');
      }
      const header = blocks[i]!;
      if (header.type !== 'header' || textOf(header.text) !== view.position) problems.push(`header ${JSON.stringify(header)}`);
      const title = unescape(textOf(blocks[i + 1]!.text));
      if (!title.startsWith(`*${view.title}*`)) problems.push(`no bold title: ${title}`);
      const last = blocks[blocks.length - 1]!;
      if (last.type !== 'context' || unescape(textOf((last.elements as Json[])[0])) !== view.hint) problems.push('hint is not last');
      if (view.text && !readable(message).includes(view.text.split('\n')[0]!)) problems.push('text missing');
      for (const g of view.guidance) if (!readable(message).includes(g.title)) problems.push(`guidance ${g.title} missing`);
      if (!unescape(message.text).includes(view.position) || !unescape(message.text).includes(view.title)) problems.push('text lacks position or title');
      return problems;
    });
  });

  it('gives every message the command buttons (Emergency in danger style), except Emergency on the emergency step', () => {
    expectAll(MESSAGES, ({ message, view }) => {
      const commands = blocksOf(message).find((b) => b.block_id === 'cse_commands');
      const ids = buttons(commands).map((b) => b.action_id);
      const expected = ['cse_cmd:emergency', 'cse_cmd:back', 'cse_cmd:contacts', 'cse_cmd:restart'].filter((id) => !(view.node === '@emergency' && id === 'cse_cmd:emergency'));
      const problems = JSON.stringify(ids) === JSON.stringify(expected) ? [] : [`commands ${JSON.stringify(ids)}`];
      const emergency = buttons(commands).find((b) => b.action_id === 'cse_cmd:emergency');
      if (emergency && (emergency.style !== 'danger' || textOf(emergency.text) !== 'Emergency')) problems.push('Emergency not in danger style');
      return problems;
    });
  });

  it('gives every option of a question or risk level its own answer button', () => {
    expectAll(
      MESSAGES.filter((m) => m.view.kind === 'question' || m.view.kind === 'risk-level'),
      ({ message, view }) => {
        if (view.kind !== 'question' && view.kind !== 'risk-level') return [];
        const answers = buttons(message).filter((b) => (b.action_id as string).startsWith('cse_answer:'));
        const problems: string[] = [];
        if (answers.length !== view.options.length) problems.push(`${answers.length} buttons for ${view.options.length} options`);
        view.options.forEach((o, i) => {
          const b = answers[i];
          if (!b || b.action_id !== `cse_answer:${i}` || textOf(b.text) !== o.label || b.value !== JSON.stringify({ ref: view.ref, value: o.value })) problems.push(`button ${o.value} wrong`);
        });
        return problems;
      },
    );
  });

  it('shows each risk level with its description, the levels note and the ticked indicators by group', () => {
    const risk = MESSAGES.filter((m) => m.view.kind === 'risk-level');
    expect(risk.some((m) => m.view.kind === 'risk-level' && m.view.ticked.some((l) => l.groups.length > 0))).toBe(true);
    expect(risk.some((m) => m.view.kind === 'risk-level' && m.view.options.some((o) => o.description))).toBe(true);
    expectAll(risk, ({ message, view }) => {
      if (view.kind !== 'risk-level') return [];
      const sectionsText = ofType(message, 'section').map((b) => unescape(textOf(b.text)));
      const problems: string[] = [];
      for (const o of view.options) {
        const section = sectionsText.find((t) => t.startsWith(`*${o.label}*`));
        if (!section) problems.push(`level ${o.label} not in a section`);
        else if (o.description && !section.includes(o.description.replace(/\s+/g, ' '))) problems.push(`description of ${o.label} not shown`);
      }
      const all = sectionsText.join('\n');
      if (view.levelsNote && !all.includes(view.levelsNote)) problems.push('levels note not shown');
      for (const list of view.ticked) {
        if (!all.includes(list.title)) problems.push(`list ${list.title} not shown`);
        for (const g of list.groups) {
          if (!all.includes(`_${g.title}_`)) problems.push(`group ${g.title} not shown`);
          for (const item of g.items) if (!all.includes(`• ${item}`)) problems.push(`ticked ${item} not shown`);
        }
      }
      // Nothing ticked is shown that was not ticked.
      const ticked = new Set(view.ticked.flatMap((l) => l.groups.flatMap((g) => g.items)));
      for (const text of ALL_INDICATOR_TEXTS) if (!ticked.has(text) && all.includes(`• ${text}\n`)) problems.push(`unticked ${text} shown`);
      return problems;
    });
  });

  it('shows a checklist as numbered text by group, with "Tick indicators" (opens the modal) and "None of these"', () => {
    expectAll(
      MESSAGES.filter((m) => m.view.kind === 'checklist'),
      ({ message, view }) => {
        if (view.kind !== 'checklist') return [];
        const problems: string[] = [];
        const text = readable(message);
        for (const g of view.groups) {
          if (!text.includes(g.title)) problems.push(`group ${g.title} missing`);
          for (const item of g.items) if (!text.includes(`${item.n}. ${item.text}`)) problems.push(`indicator ${item.n} missing`);
        }
        if (view.note && !text.includes(view.note)) problems.push('note missing');
        const tick = buttons(message).find((b) => b.action_id === ACTION.openChecklist);
        if (!tick || textOf(tick.text) !== 'Tick indicators' || tick.value !== JSON.stringify({ ref: view.ref })) problems.push('no Tick indicators');
        const none = buttons(message).find((b) => textOf(b.text) === 'None of these');
        if (!none || none.value !== JSON.stringify({ ref: view.ref, value: [] })) problems.push('no None of these');
        return problems;
      },
    );
  });

  it('asks for the case reference with "Enter case reference" (opens the modal) and "Skip"', () => {
    expectAll(
      MESSAGES.filter((m) => m.view.kind === 'case-reference'),
      ({ message, view }) => {
        const enter = buttons(message).find((b) => b.action_id === ACTION.openCaseRef);
        const skip = buttons(message).find((b) => textOf(b.text) === 'Skip');
        const problems: string[] = [];
        if (!enter || textOf(enter.text) !== 'Enter case reference' || enter.value !== JSON.stringify({ ref: view.ref })) problems.push('no Enter case reference');
        if (!skip || skip.value !== JSON.stringify({ ref: view.ref, value: 'skip' })) problems.push('no Skip');
        if (interactive(message).some((o) => o.type === 'input' || o.type === 'plain_text_input')) problems.push('a text input in a message');
        return problems;
      },
    );
  });

  it('lists actions with their contacts as links, shows the basis, and continues with "done" or, from an interrupt, "carry on"', () => {
    const actionMessages = MESSAGES.filter((m) => m.view.kind === 'actions');
    expect(actionMessages.some((m) => m.view.kind === 'actions' && m.view.basis)).toBe(true);
    expectAll(actionMessages, ({ message, view }) => {
      if (view.kind !== 'actions') return [];
      const problems: string[] = [];
      const text = readable(message);
      const raw = mrkdwnTexts(message).join('\n');
      for (const a of view.actions) if (!text.includes(a.text.replace(/\s*\n\s*/g, ' '))) problems.push(`action missing: ${a.text}`);
      if (view.basis && !text.includes(view.basis)) problems.push('basis missing');
      for (const c of view.actions.flatMap((a) => a.contacts)) {
        if (c.phone && !raw.includes(`<tel:${c.phone.replace(/\D/g, '')}|${c.phone}>`)) problems.push(`phone of ${c.id} not a link`);
        if (c.email && !raw.includes(`<mailto:${c.email}?subject=CSE%20referral|${c.email}>`)) problems.push(`e-mail of ${c.id} not a link`);
      }
      // Every continue button answers its own view (also "carry on" from an interrupt), so an old one is stale.
      const go = blocksOf(message).find((b) => b.block_id === 'cse_continue');
      const b = buttons(go)[0];
      if (!b || textOf(b.text) !== view.continueLabel || b.style !== 'primary') problems.push('no continue button');
      else if (b.value !== JSON.stringify({ ref: view.ref, value: 'done' })) problems.push(`continue sends ${String(b.action_id)} ${String(b.value)}`);
      if (view.continueLabel.length > LIMITS.buttonTextShown && !text.includes(view.continueLabel)) problems.push('long continue label not written out');
      return problems;
    });
    const emergency = actionMessages.filter((m) => m.view.node === '@emergency' && !m.notice?.contacts);
    expect(new Set(emergency.flatMap((m) => links(m.message, 'tel')))).toEqual(new Set(['tel:999']));
  });

  it('shows the outcome: provenance under the title, next steps, every contact, short guidance, and the manager picker', () => {
    const outcomes = MESSAGES.filter((m) => m.view.kind === 'outcome');
    const steps = new Set(outcomes.map((m) => m.view.node));
    const expected = catalogue.procedures.flatMap((p) => p.steps.filter((s) => s.kind === 'outcome').map((s) => `${p.area}/${s.id}`));
    expect([...steps].sort()).toEqual(expected.sort());
    expectAll(outcomes, ({ message, view, notice }) => {
      if (view.kind !== 'outcome') return [];
      const problems: string[] = [];
      const blocks = blocksOf(message);
      const at = blocks.findIndex((b) => b.type === 'header');
      if (unescape(textOf(blocks[at + 2]!.text)) !== `*From the ${view.provenance}.*`) problems.push('provenance not straight under the title, in bold');
      const text = readable(message);
      for (const a of view.actions) if (!text.includes(a.text.replace(/\s*\n\s*/g, ' '))) problems.push(`action missing: ${a.text}`);
      for (const c of view.contacts) {
        if (!text.includes(c.name)) problems.push(`contact missing: ${c.name}`);
        if (c.purpose && !text.includes(c.purpose)) problems.push(`purpose missing: ${c.name}`);
      }
      const phones = view.contacts.flatMap((c) => (c.phone ? [`tel:${c.phone.replace(/\D/g, '')}`] : []));
      for (const tel of phones) if (!links(message, 'tel').includes(tel)) problems.push(`${tel} not a link`);
      if (!text.includes('Send the risk summary to my line manager')) problems.push('no manager heading');
      const manager = blocks.find((b) => b.block_id === MANAGER_BLOCK);
      const elements = (manager?.elements ?? []) as Json[];
      if (elements[0]?.type !== 'users_select' || elements[0]?.action_id !== 'cse_manager') problems.push('no users_select');
      if (elements[1]?.action_id !== 'cse_send_summary' || elements[1]?.value !== JSON.stringify({ ref: view.ref }) || textOf(elements[1]?.text) !== 'Send summary') problems.push('no Send summary');
      if (view.guidance.length > 0) {
        const read = buttons(message).find((b) => b.action_id === 'cse_cmd:guidance');
        if (!read) problems.push('no guidance button');
        // Short: the titles, not the text.
        if (!notice) for (const g of view.guidance) if (g.text && text.includes(g.text)) problems.push(`guidance ${g.title} in full`);
      }
      if (!notice && (!text.includes('Your record of this run') || !text.includes(`Case reference: ${view.summary.caseRef ?? 'none given'}`))) problems.push('no record');
      if (message.text.includes(CASE_REF)) problems.push('text carries the case reference');
      return problems;
    });
    // Nottingham's referral number as a tel: link, its e-mail addresses as mailto: links with the fixed subject.
    const refer = outcomes.find((m) => m.view.node === 'nottingham-city/outcome-refer-children-and-families-direct')!;
    expect(links(refer.message, 'tel')).toContain('tel:01158764800');
    expect(mrkdwnTexts(refer.message).join('\n')).toContain('<tel:01158764800|0115 876 4800>');
    expect(links(refer.message, 'mailto')).toContain('mailto:cnm@nottinghamshire.pnn.police.uk?subject=CSE%20referral');
  });

  it('escapes pack wording for mrkdwn: &, < and > never format, link or mention', () => {
    const base = MESSAGES.find((m) => m.view.kind === 'question')!.view;
    if (base.kind !== 'question') throw new Error('unreachable');
    const view: View = {
      ...base,
      title: 'Is <!channel> & <@U123|boss> <https://evil.example|here> ok?',
      text: 'a > b & c < d',
      options: [{ value: 'x', label: '<!here> & you' }],
      guidance: [{ title: 'G <b>', text: '<!everyone>', points: ['<tel:123|call>'] }],
    };
    const message = viewMessage(view, { kind: 'error', title: 'Bad <thing>', lines: ['& more'] });
    const all = mrkdwnTexts(message).join('\n');
    expect(all).not.toMatch(/<!channel>|<!here>|<@U123|<https:|<!everyone>|<tel:123/);
    expect(all).toContain('&lt;!channel&gt; &amp; &lt;@U123|boss&gt;');
    expect(all).toContain('a &gt; b &amp; c &lt; d');
    // The notification text too: Slack parses it as mrkdwn.
    expect(message.text).toContain('Is &lt;!channel&gt; &amp; &lt;@U123|boss&gt;');
    expect(message.text).not.toContain('<!channel>');
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
    // mrkdwn is sent verbatim: nothing in it is parsed into a mention or link by Slack itself.
    expect(ofType(message, 'mrkdwn').every((t) => t.verbatim === true)).toBe(true);
  });

  it('cuts a long label on its button sensibly and writes it out in full in the message', () => {
    const base = MESSAGES.find((m) => m.view.kind === 'question')!.view;
    if (base.kind !== 'question') throw new Error('unreachable');
    const long = 'Yes: the child has been seen by the allocated social worker and the concerns were discussed with the parents and carers';
    const message = viewMessage({ ...base, options: [{ value: 'yes', label: long }, { value: 'no', label: 'No' }] });
    const [first] = buttons(message);
    const text = textOf(first!.text);
    expect(len(text)).toBeLessThanOrEqual(LIMITS.buttonText);
    expect(text.endsWith('…')).toBe(true);
    expect(long.startsWith(text.slice(0, -1))).toBe(true);
    // Cut between words, not inside one.
    expect(long[text.length - 1]).toBe(' ');
    expect(readable(message)).toContain(`1. ${long}`);
    expect(parseBlockAction(actionOf(first!))).toEqual({ kind: 'answer', ref: base.ref, value: 'yes' });
  });

  it('splits text longer than a section over several sections, and more options than an actions block over several', () => {
    const base = MESSAGES.find((m) => m.view.kind === 'question')!.view;
    if (base.kind !== 'question') throw new Error('unreachable');
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    const options = Array.from({ length: 30 }, (_, i) => ({ value: `o${i}`, label: `Option ${i}` }));
    const message = viewMessage({ ...base, text: words, options });
    expect(words.length).toBeGreaterThan(LIMITS.sectionText);
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
    expect(readable(message).replace(/\s+/g, ' ')).toContain(words);
    expect(buttons(message).filter((b) => (b.action_id as string).startsWith('cse_answer:'))).toHaveLength(30);
    expect(blocksOf(message).filter((b) => (b.block_id as string | undefined)?.startsWith('cse_options'))).toHaveLength(2);
  });

  it('shortens guidance to a pointer (with a button to read it) when the whole text would pass the total', () => {
    const base = MESSAGES.find((m) => m.view.kind === 'question')!.view;
    if (base.kind !== 'question') throw new Error('unreachable');
    const words = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    const message = viewMessage({ ...base, guidance: [{ title: 'Long guidance', text: words, points: [] }] });
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
    expect(readable(message)).toContain('Guidance: Long guidance. Type "guidance" to read it.');
    expect(readable(message)).not.toContain('word1000');
    expect(buttons(message).some((b) => b.action_id === 'cse_cmd:guidance')).toBe(true);
  });

  it('keeps an outcome with far too many actions to 50 blocks without dropping any action', () => {
    const base = MESSAGES.find((m) => m.view.kind === 'outcome' && !m.notice)!.view;
    if (base.kind !== 'outcome') throw new Error('unreachable');
    const actions = Array.from({ length: 80 }, (_, i) => ({ text: `Action number ${i} & more`, contacts: base.contacts.slice(0, 1) }));
    const message = viewMessage({ ...base, actions });
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
    for (const a of actions) expect(readable(message)).toContain(a.text);
    expect(blocksOf(message).some((b) => b.block_id === MANAGER_BLOCK)).toBe(true);
  });
});

describe('chunkText', () => {
  it('never breaks inside a link and keeps every character', () => {
    const link = '<tel:01158764800|0115 876 4800>';
    const line = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? link : `w${i}`)).join(' ');
    const chunks = chunkText(line, 100);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(100);
      expect(c).not.toMatch(/<[^>]*$/);
      expect(c).not.toMatch(/^[^<]*>/);
    }
    expect(chunks.join(' ')).toBe(line);
  });
});

describe('checklistModal', () => {
  it('has one optional checkboxes input per group, every indicator as an option valued by its id', () => {
    expectAll(
      SEEN.filter((s) => isChecklist(s.view)),
      ({ view }) => {
        if (!isChecklist(view)) return [];
        const modal = checklistModal(view);
        const problems: string[] = [];
        if (modal.callback_id !== 'cse_checklist' || modal.private_metadata !== JSON.stringify({ ref: view.ref })) problems.push('callback or metadata');
        if (textOf(modal.title) !== 'CSE toolkit') problems.push('title');
        const inputs = ofType(modal, 'input');
        if (inputs.length !== view.groups.length) problems.push(`${inputs.length} inputs for ${view.groups.length} groups`);
        view.groups.forEach((g, i) => {
          const input = inputs[i];
          const element = input?.element as Json | undefined;
          if (!input || input.optional !== true || textOf(input.label) !== g.title || element?.type !== 'checkboxes') problems.push(`group ${g.id} input`);
          const options = (element?.options ?? []) as Json[];
          if (JSON.stringify(options.map((o) => o.value)) !== JSON.stringify(g.items.map((item) => item.id))) problems.push(`group ${g.id} values`);
          // An indicator longer than an option's 75 characters goes on in the option's description.
          const texts = options.map((o) => (o.description ? `${textOf(o.text).slice(0, -1)} ${textOf(o.description).slice(1)}` : textOf(o.text)));
          if (JSON.stringify(texts) !== JSON.stringify(g.items.map((item) => item.text))) problems.push(`group ${g.id} texts ${JSON.stringify(texts)}`);
        });
        return problems;
      },
    );
  });

  it('splits a group of more than ten, and keeps an indicator longer than an option readable and its long id recoverable', () => {
    const base = SEEN.find((s) => isChecklist(s.view))!.view as ChecklistView;
    const longText =
      'Has been seen on several occasions getting into cars driven by unknown older adults near the school gates after lessons, and has come back late at night with new clothes and phones';
    const longId = `indicator-${'x'.repeat(90)}`;
    const items = Array.from({ length: 23 }, (_, i) => ({ id: i === 4 ? longId : `item-${i}`, n: i + 1, text: i === 3 ? longText : `Indicator ${i}` }));
    const view: ChecklistView = { ...base, groups: [{ id: 'big', title: 'A big group', items }] };
    const modal = checklistModal(view);
    expect(surfaceProblems({ ...modal }, 'modal')).toEqual([]);
    const inputs = ofType(modal, 'input');
    expect(inputs.map((i) => textOf(i.label))).toEqual(['A big group (1 of 3)', 'A big group (2 of 3)', 'A big group (3 of 3)']);
    expect(inputs.map((i) => ((i.element as Json).options as Json[]).length)).toEqual([10, 10, 3]);
    const option = ((inputs[0]!.element as Json).options as Json[])[3]!;
    expect(textOf(option.text).endsWith('…')).toBe(true);
    expect(textOf(option.description).startsWith('…')).toBe(true);
    // The whole text is readable: start, description, and (as it is still cut) in full above the input.
    expect(readable(modal)).toContain(`4. ${longText}`);
    // Every option, ticked, comes back as the indicator ids.
    const values: Record<string, Record<string, unknown>> = {};
    for (const input of inputs) values[input.block_id as string] = { cse_indicators: { type: 'checkboxes', selected_options: (input.element as Json).options } };
    const parsed = parseModalSubmission({ callback_id: modal.callback_id, private_metadata: modal.private_metadata, state: { values } });
    expect(parsed).toEqual({ ref: view.ref, value: items.map((i) => i.id) });
  });
});

describe('caseRefModal', () => {
  it('has one plain_text_input (block case_ref, action value, at most 32) with a "never a name" hint', () => {
    expectAll(
      SEEN.filter((s) => isCaseRef(s.view)),
      ({ view }) => {
        if (!isCaseRef(view)) return [];
        const modal = caseRefModal(view);
        const input = ofType(modal, 'input')[0]!;
        const element = input.element as Json;
        const problems: string[] = [];
        if (modal.callback_id !== 'cse_case_ref' || modal.private_metadata !== JSON.stringify({ ref: view.ref })) problems.push('callback or metadata');
        if (input.block_id !== 'case_ref' || element.type !== 'plain_text_input' || element.action_id !== 'value' || element.max_length !== 32) problems.push('input');
        if (!/never a name/i.test(textOf(input.hint))) problems.push('hint');
        return problems;
      },
    );
  });
});

describe('parseBlockAction and parseModalSubmission', () => {
  it('read every button of every message, and the engine accepts what they read (modals submitted as Slack would)', () => {
    let clicks = 0;
    expectAll(MESSAGES, (item) => {
      const problems: string[] = [];
      for (const b of buttons(item.message)) {
        const parsed = parseBlockAction(actionOf(b), pickedState);
        const id = b.action_id as string;
        const label = `"${textOf(b.text)}" (${id})`;
        if (!parsed) {
          problems.push(`${label} did not parse`);
          continue;
        }
        let expected: SlackAction;
        if (id.startsWith('cse_answer:')) expected = { kind: 'answer', ...(JSON.parse(b.value as string) as { ref: string; value: string | string[] }) };
        else if (id.startsWith('cse_cmd:')) expected = { kind: 'command', command: id.slice(8) as 'back' };
        else if (id === ACTION.openChecklist) expected = { kind: 'open-checklist', ref: item.view.ref };
        else if (id === ACTION.openCaseRef) expected = { kind: 'open-case-ref', ref: item.view.ref };
        else if (id === ACTION.sendSummary) expected = { kind: 'send-summary', ref: item.view.ref, manager: USER };
        else {
          problems.push(`${label} unexpected`);
          continue;
        }
        if (JSON.stringify(parsed) !== JSON.stringify(expected)) problems.push(`${label}: ${JSON.stringify(parsed)} ≠ ${JSON.stringify(expected)}`);

        // The inputs the click leads to: straight into the engine, or through the modal it opens.
        const inputs: { input: Input; ticked?: string[] }[] = [];
        if (parsed.kind === 'open-checklist' && isChecklist(item.view)) {
          const modal = checklistModal(item.view);
          const { view, ticked } = submitted(modal);
          const answer = parseModalSubmission(view);
          if (!answer || answer.ref !== parsed.ref || JSON.stringify(answer.value) !== JSON.stringify(ticked)) problems.push(`checklist modal read ${JSON.stringify(answer)}`);
          if (answer) inputs.push({ input: { type: 'answer', ...answer }, ticked });
          const none = parseModalSubmission({ ...view, state: { values: {} } });
          if (JSON.stringify(none) !== JSON.stringify({ ref: parsed.ref, value: [] })) problems.push('nothing ticked is not []');
          if (none) inputs.push({ input: { type: 'answer', ...none }, ticked: [] });
        } else if (parsed.kind === 'open-case-ref' && isCaseRef(item.view)) {
          const modal = caseRefModal(item.view);
          const typed = parseModalSubmission(submitted(modal).view);
          const empty = parseModalSubmission(submitted(modal, '   ').view);
          if (JSON.stringify(typed) !== JSON.stringify({ ref: parsed.ref, value: CASE_REF })) problems.push(`case ref modal read ${JSON.stringify(typed)}`);
          if (JSON.stringify(empty) !== JSON.stringify({ ref: parsed.ref, value: 'skip' })) problems.push(`empty case ref read ${JSON.stringify(empty)}`);
          for (const answer of [typed, empty]) if (answer) inputs.push({ input: { type: 'answer', ...answer } });
        } else {
          const input = toInput(parsed);
          if (input) inputs.push({ input });
          else problems.push(`${label} is not an engine input`);
        }
        for (const { input, ticked } of inputs) {
          const r = item.engine.step(item.state, input, LATER);
          clicks++;
          // "Back" at the first step has nothing to go back to, and "check" is refused where there is no self-check.
          const refusal = input.type === 'command' && (input.command === 'back' || input.command === 'check');
          if (r.error && !refusal) problems.push(`engine refused ${label} ${JSON.stringify(input)}: ${r.error.code} ${r.error.message}`);
          if (input.type === 'send-summary' && !r.effects.some((e) => e.type === 'notify-manager' && e.manager.id === USER)) problems.push('no notify-manager effect');
          if (ticked && isChecklist(item.view)) {
            const list = item.view.list;
            if (JSON.stringify(r.state.ctx.indicators[list]) !== JSON.stringify(ticked)) problems.push(`engine recorded ${JSON.stringify(r.state.ctx.indicators[list])}`);
          }
          if (input.type === 'answer' && isCaseRef(item.view)) {
            const expectedRef = input.value === 'skip' ? null : CASE_REF;
            if (r.state.ctx.caseRef !== expectedRef) problems.push(`case reference recorded ${String(r.state.ctx.caseRef)}`);
          }
        }
      }
      return problems;
    });
    expect(clicks).toBeGreaterThan(1000);
  });

  it('reads Acknowledge and Start; the manager select alone is nothing to act on', () => {
    const summary = MESSAGES.find((m) => m.view.kind === 'outcome')!.view as Extract<View, { kind: 'outcome' }>;
    const message = managerSummaryMessage(summary.summary, 'n-42', 'Sam', '2026-03-02T09:15:00Z');
    const ack = buttons(message).find((b) => textOf(b.text) === 'Acknowledge')!;
    expect(parseBlockAction(actionOf(ack))).toEqual({ kind: 'acknowledge', notification: 'n-42' });
    const home = homeView({ areas: areasOf(engines[0]![1]), inProgress: summary });
    const start = buttons(home).find((b) => b.action_id === 'cse_start')!;
    expect(parseBlockAction(actionOf(start))).toEqual({ kind: 'start' });
    const resume = buttons(home).find((b) => b.action_id === 'cse_cmd:resume')!;
    expect(parseBlockAction(actionOf(resume))).toEqual({ kind: 'command', command: 'resume' });
    expect(parseBlockAction({ action_id: 'cse_manager', selected_user: USER })).toBeNull();
  });

  it('sends the summary only with a manager chosen, read from state.values[*].cse_manager.selected_user', () => {
    const send = { action_id: 'cse_send_summary', value: JSON.stringify({ ref: 'nottingham-city/outcome-strategy-meeting#12' }) };
    expect(parseBlockAction(send, pickedState)).toEqual({ kind: 'send-summary', ref: 'nottingham-city/outcome-strategy-meeting#12', manager: USER });
    // Any block id; the values map alone is accepted too.
    expect(parseBlockAction(send, { values: { xyz: { cse_manager: { selected_user: 'W0ABC123' } } } })).toMatchObject({ manager: 'W0ABC123' });
    expect(selectedManager(pickedState.values)).toBe(USER);
    for (const state of [undefined, null, {}, { values: {} }, { values: { b: { cse_manager: { selected_user: null } } } }, { values: { b: { cse_manager: { selected_user: 'not a user' } } } }, 'U123']) {
      expect(parseBlockAction(send, state)).toBeNull();
    }
  });

  it('returns null for any action that is not one of ours', () => {
    const answer = (value: unknown) => ({ action_id: 'cse_answer:0', value: typeof value === 'string' ? value : JSON.stringify(value) });
    const garbage: unknown[] = [
      null,
      undefined,
      'cse_start',
      42,
      [],
      {},
      { action_id: 42 },
      { action_id: 'other_app_button', value: '{}' },
      { action_id: 'cse_cmd:rm -rf' },
      { action_id: 'cse_cmd:' },
      { action_id: 'cse_answer:x', value: JSON.stringify({ ref: 'r', value: 'v' }) },
      { action_id: 'cse_answer:0' },
      answer('not json'),
      answer({ ref: 'r' }),
      answer({ ref: '', value: 'x' }),
      answer({ ref: 'r'.repeat(301), value: 'x' }),
      answer({ ref: 'r', value: 5 }),
      answer({ ref: 'r', value: [1, 2] }),
      answer({ ref: 'r', value: 'x'.repeat(201) }),
      answer({ ref: 'r', value: Array.from({ length: 201 }, (_, i) => `i${i}`) }),
      answer('x'.repeat(5000)),
      answer('[1]'),
      { action_id: 'cse_open_checklist', value: '{}' },
      { action_id: 'cse_open_case_ref' },
      { action_id: 'cse_acknowledge', value: JSON.stringify({ notification: '' }) },
      { action_id: 'cse_acknowledge', value: JSON.stringify({ notification: 'n'.repeat(201) }) },
      { action_id: 'cse_answer:0', value: '{"__proto__": {"ref": "r", "value": "v"}}' },
      { action_id: 'x'.repeat(300) },
    ];
    for (const g of garbage) expect(parseBlockAction(g as { action_id: string }, pickedState)).toBeNull();
  });

  it('returns null for any submission that is not one of ours', () => {
    const values = { case_ref: { value: { type: 'plain_text_input', value: '123' } } };
    const ok = { callback_id: CALLBACK.caseRef, private_metadata: JSON.stringify({ ref: 'r#1' }), state: { values } };
    expect(parseModalSubmission(ok)).toEqual({ ref: 'r#1', value: '123' });
    expect(CASE_REF_BLOCK).toBe('case_ref');
    expect(CASE_REF_ACTION).toBe('value');
    const group = (selected: unknown) => ({ callback_id: CALLBACK.checklist, private_metadata: JSON.stringify({ ref: 'r#1' }), state: { values: { 'cse_group:0': { cse_indicators: { selected_options: selected } } } } });
    expect(parseModalSubmission(group([{ value: 'a' }, { value: 'a' }, { value: 'b' }]))).toEqual({ ref: 'r#1', value: ['a', 'b'] });
    expect(parseModalSubmission(group(null))).toEqual({ ref: 'r#1', value: [] });
    const garbage: unknown[] = [
      null,
      'x',
      {},
      { ...ok, callback_id: 'someone_else' },
      { ...ok, private_metadata: 'not json' },
      { ...ok, private_metadata: '{}' },
      { ...ok, private_metadata: JSON.stringify({ ref: '' }) },
      { ...ok, state: null },
      { ...ok, state: { values: 'x' } },
      { ...ok, state: { values: { case_ref: { value: { value: 42 } } } } },
      { ...ok, state: { values: { case_ref: { value: { value: 'x'.repeat(101) } } } } },
      group('a'),
      group([{ value: 5 }]),
      group(['a']),
      group([{ value: 'x'.repeat(201) }]),
      group(Array.from({ length: 201 }, (_, i) => ({ value: `i${i}` }))),
    ];
    for (const g of garbage) expect(parseModalSubmission(g as Parameters<typeof parseModalSubmission>[0])).toBeNull();
  });
});

describe('answeredMessage, noticeMessage, channelPointerText', () => {
  it('answered: same header, "You answered", no actions or inputs anywhere', () => {
    const view = MESSAGES.find((m) => m.view.kind === 'checklist')!.view;
    const message = answeredMessage(view, '3 indicators ticked & <more>');
    expect(blocksOf(message)[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: view.position, emoji: false } });
    expect(mrkdwnTexts(message).join('\n')).toContain('You answered: *3 indicators ticked &amp; &lt;more&gt;*');
    expect(interactive(message)).toEqual([]);
    expect(message.text).toContain('You answered: 3 indicators ticked &amp; &lt;more&gt;');
    expect(unescape(message.text)).toContain('You answered: 3 indicators ticked & <more>');
  });

  it('a notice on its own shows its title, lines and contacts', () => {
    const contacts = SEEN.find((s) => s.notice?.contacts?.some((c) => c.email))!.notice!;
    const message = noticeMessage(contacts);
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
    for (const c of contacts.contacts!) expect(readable(message)).toContain(c.name);
    expect(links(message, 'mailto').length).toBeGreaterThan(0);
    expect(message.text).toContain(contacts.title);
    expect(interactive(message)).toEqual([]);
  });

  it('the channel pointer says nothing about any child', () => {
    expect(channelPointerText()).toBe("I've sent you a direct message to go through the CSE procedure.");
  });
});

describe('managerSummaryMessage and senderMessage', () => {
  const summaries: { label: string; summary: CaseSummary }[] = SEEN.flatMap((s) => (s.view.kind === 'outcome' ? [{ label: s.label, summary: s.view.summary }] : []));

  it('shows case reference, area, the chosen risk level, ticked indicators, actions, who and when, provenance, and Acknowledge', () => {
    expectAll(summaries, ({ summary }) => {
      const message = managerSummaryMessage(summary, 'n-42', 'Sam Jones (Social worker)', '2026-03-02T09:15:30.123Z');
      const problems: string[] = [];
      const all = readable(message);
      if (!all.includes(summary.caseRef ?? 'none given')) problems.push('case reference');
      if (!all.includes(summary.areaName)) problems.push('area');
      if (!all.includes(summary.riskLevel?.label ?? 'not chosen on this path')) problems.push('risk level');
      if (!all.includes('Risk level (chosen by the professional)')) problems.push('risk level label');
      for (const list of summary.indicators) {
        if (!all.includes(list.title)) problems.push(`list ${list.title}`);
        for (const g of list.groups) for (const item of g.items) if (!all.includes(`• ${item}`)) problems.push(`indicator ${item}`);
      }
      for (const a of summary.actions) if (!all.includes(a.text.replace(/\s*\n\s*/g, ' '))) problems.push(`action ${a.text}`);
      if (!mrkdwnTexts(message).join('\n').includes('Raised by Sam Jones (Social worker), <!date^1772442930^{date_short_pretty} at {time}|2026-03-02 09:15 UTC>')) problems.push('raised by/when');
      if (!all.includes(summary.provenance)) problems.push('provenance');
      const ack = buttons(message);
      if (ack.length !== 1 || textOf(ack[0]!.text) !== 'Acknowledge' || ack[0]!.value !== JSON.stringify({ notification: 'n-42' })) problems.push('no Acknowledge button');
      // The notification text: no case reference, no indicators.
      if (summary.caseRef && message.text.includes(summary.caseRef)) problems.push('text carries the case reference');
      if (ALL_INDICATOR_TEXTS.some((t) => message.text.includes(t))) problems.push('text carries an indicator');
      return problems;
    });
  });

  it('once acknowledged shows when, and no button', () => {
    const message = managerSummaryMessage(summaries[0]!.summary, 'n-42', 'Sam', '2026-03-02T09:15:00Z', '2026-03-02T10:00:00.000Z');
    expect(mrkdwnTexts(message).join('\n')).toContain('*Acknowledged* <!date^1772445600^{date_short_pretty} at {time}|2026-03-02 10:00 UTC>');
    expect(message.text).toContain('Acknowledged 2026-03-02 10:00 UTC');
    expect(interactive(message)).toEqual([]);
  });

  it('escapes a display name that looks like mrkdwn or a mention', () => {
    const message = managerSummaryMessage(summaries[0]!.summary, 'n-1', '<!channel> <https://evil.example|x>', 'not a date');
    const all = mrkdwnTexts(message).join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil.example');
    expect(all).toContain('Raised by &lt;!channel&gt; &lt;https://evil.example|x&gt;, not a date');
    expect(surfaceProblems({ ...message }, 'message')).toEqual([]);
  });

  it('covers a run with no case reference and no risk level', () => {
    const bare = summaries.find((s) => s.summary.caseRef === null && s.summary.riskLevel === null)!;
    const text = readable(managerSummaryMessage(bare.summary, 'n-1', 'Sam', '2026-03-02T09:15:00Z'));
    expect(text).toContain('none given');
    expect(text).toContain('not chosen on this path');
  });

  it('tells the sender the manager acknowledged', () => {
    const message = senderMessage('acknowledged', CASE_REF);
    expect(message.text).toBe('Your line manager acknowledged the risk summary (case reference AB-1234).');
    expect(interactive(message)).toEqual([]);
  });

  it.each([
    ['not-installed', /can't get messages from the CSE guidance app in Slack/],
    ['not-found', /couldn't find the person you chose/],
    ['unreachable', /couldn't reach your line manager/],
  ] as const)('explains %s plainly: forward it yourself, or tell them directly', (kind, reason) => {
    const message: SlackMessage = senderMessage(kind, null);
    const text = readable(message);
    expect(text).toMatch(reason);
    expect(text).toContain('was not sent');
    expect(text).toContain('no case reference given');
    expect(text).toMatch(/forward the summary yourself/i);
    expect(text).toMatch(/tell them about it yourself/);
    expect(interactive(message)).toEqual([]);
  });
});

describe('homeView', () => {
  it('has Start, each enabled area with its provenance and contacts as links, and the conversation in progress', () => {
    for (const [, engine] of engines) {
      const areas = areasOf(engine);
      const idle = homeView({ areas, inProgress: null });
      expect(idle.type).toBe('home');
      expect(buttons(idle).map((b) => b.action_id)).toEqual(['cse_start']);
      const text = readable(idle);
      for (const area of areas) {
        expect(text).toContain(area.name);
        expect(text).toContain(`From the ${area.provenance}.`);
        for (const c of area.contacts) {
          expect(text).toContain(c.name);
          if (c.phone) expect(links(idle, 'tel')).toContain(`tel:${c.phone.replace(/\D/g, '')}`);
          if (c.email) expect(links(idle, 'mailto')).toContain(`mailto:${c.email}?subject=CSE%20referral`);
        }
      }
      const view = SEEN.find((s) => s.engine === engine && s.view.kind === 'checklist')?.view ?? SEEN.find((s) => s.engine === engine)!.view;
      const busy = homeView({ areas, inProgress: view });
      expect(readable(busy)).toContain(view.position);
      expect(readable(busy)).toContain(view.title);
      expect(buttons(busy).map((b) => b.action_id)).toEqual(['cse_start', 'cse_cmd:resume']);
    }
  });
});

describe('a run played only by clicking Slack buttons and submitting modals', () => {
  it('reaches an outcome and sends the summary, from Slack-shaped payloads alone', () => {
    const engine = engines[0]![1];
    let turn = 0;
    const now = () => new Date(T0 + turn++ * 60_000).toISOString();
    let r = engine.start(now());
    const play = (action: SlackAction | null) => {
      if (!action) throw new Error('did not parse');
      const input = toInput(action);
      if (!input) throw new Error(`not an engine input: ${action.kind}`);
      r = engine.step(r.state, input, now());
      expect(r.error).toBeUndefined();
    };
    const click = (text: string, state?: unknown): SlackAction | null => {
      const message = viewMessage(r.view, r.notice);
      const b = buttons(message).find((x) => textOf(x.text) === text);
      if (!b) throw new Error(`no "${text}" on ${r.view.position}: ${buttonTexts(message).join(' | ')}`);
      return parseBlockAction(actionOf(b), state);
    };
    const submit = (modal: SlackModal, values: Record<string, Record<string, unknown>>) => {
      const answer = parseModalSubmission({ callback_id: modal.callback_id, private_metadata: modal.private_metadata, state: { values } });
      if (!answer) throw new Error('modal did not parse');
      r = engine.step(r.state, { type: 'answer', ...answer }, now());
      expect(r.error).toBeUndefined();
    };
    play(click('No immediate danger'));
    play(click('Nottingham City'));
    play(click('Done: carry on'));
    // Read through a function: `r` changes inside play() and submit(), which TypeScript's narrowing cannot see.
    const current = (): View => r.view;
    const caseRefView = current();
    expect(click('Enter case reference')).toEqual({ kind: 'open-case-ref', ref: caseRefView.ref });
    if (!isCaseRef(caseRefView)) throw new Error('not the case reference');
    submit(caseRefModal(caseRefView), { case_ref: { value: { type: 'plain_text_input', value: '123456' } } });
    const checklistView = current();
    expect(click('Tick indicators')).toEqual({ kind: 'open-checklist', ref: checklistView.ref });
    if (!isChecklist(checklistView)) throw new Error('not the checklist');
    const modal = checklistModal(checklistView);
    submit(modal, {
      'cse_group:0': { cse_indicators: { type: 'checkboxes', selected_options: [{ value: 'chaotic-family', text: { type: 'plain_text', text: 'x' } }] } },
      'cse_group:1': { cse_indicators: { type: 'checkboxes', selected_options: [{ value: 'homeless' }] } },
      'cse_group:2': { cse_indicators: { type: 'checkboxes', selected_options: [] } },
    });
    play(click('None of these'));
    play(click('Not known'));
    play(click('No'));
    play(click('Not an open case'));
    expect(current().kind).toBe('risk-level');
    expect(readable(viewMessage(current()))).toContain('_Family and care_\n• Live in a chaotic or dysfunctional family\n_History and circumstances_\n• Homeless');
    play(click('High'));
    expect(current().title).toBe('Medium / high risk factors: refer to Children & Families Direct');
    const outcome = viewMessage(current());
    expect(links(outcome, 'tel')).toContain('tel:01158764800');
    expect(links(outcome, 'mailto')).toContain('mailto:cnm@nottinghamshire.pnn.police.uk?subject=CSE%20referral');
    expect(click('Send summary')).toBeNull(); // no manager chosen yet
    play(click('Send summary', pickedState));
    expect(r.effects).toEqual([expect.objectContaining({ type: 'notify-manager', manager: { id: USER } })]);
    const effect = r.effects[0]!;
    if (effect.type !== 'notify-manager') throw new Error('unreachable');
    expect(effect.summary.caseRef).toBe('123456');
    expect(effect.summary.riskLevel).toEqual({ id: 'high', label: 'High' });
  });
});
