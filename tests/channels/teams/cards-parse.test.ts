/**
 * Every Teams card, parsed by Microsoft's own Adaptive Cards library (adaptivecards 3, the renderer the local chat
 * page uses too), in Node. Its package "main" is ESM with extensionless imports that jest cannot load, so the UMD
 * bundle in dist/ is required instead: it needs no DOM to load or to parse.
 *
 * Which cards: every view (with its notice) met by walking both packs breadth first (one area fixed, and both
 * areas enabled), as cards.test.ts does, in the full and the answered form; every notice; the channel pointer; the
 * manager summary of every outcome (acknowledged and not); the sender card of each kind.
 *
 * Both the parse events (SerializationContext) and the card's own validation (validateProperties) must be empty,
 * with one exception, and only where it applies:
 *
 *   CollectionCantBeEmpty ("An Input.ChoiceSet must have at least one choice defined") from an Input.ChoiceSet
 *   whose JSON has `choices: []` and `"choices.data": { type: "Data.Query", dataset: "graph.microsoft.com/users" }`.
 *   That is Teams' people picker (the manager picker on outcome cards): Teams fills the choices from the directory
 *   at run time; the library knows nothing of `choices.data`, so to it the list is empty.
 *
 * `msteams` on the card produces no event (the library ignores unknown card properties silently).
 */
import {
  answeredCard,
  channelPointerCard,
  managerSummaryCard,
  noticeCard,
  senderCard,
  viewCard,
  type AdaptiveCard,
} from '../../../src/channels/teams/cards';
import type { CaseSummary } from '../../../src/engine';
import { allViews } from '../../support/view-walk';
import type { ValidationEvent } from 'adaptivecards';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

type Json = Record<string, unknown>;

/** Every object in a card's JSON. */
function objects(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const x of node) objects(x, out);
  else if (typeof node === 'object' && node !== null) {
    out.push(node as Json);
    for (const v of Object.values(node)) objects(v, out);
  }
  return out;
}

/** The one tolerated event (see the top of the file): the empty choices of a Teams people picker. */
function tolerated(card: AdaptiveCard, e: { event: ValidationEvent; source?: unknown }): boolean {
  if (e.event !== AC.ValidationEvent.CollectionCantBeEmpty) return false;
  const source = e.source as { id?: string; getJsonTypeName?: () => string } | undefined;
  if (source?.getJsonTypeName?.() !== 'Input.ChoiceSet' || !source.id) return false;
  const json = objects(card).find((o) => o.type === 'Input.ChoiceSet' && o.id === source.id);
  const query = json?.['choices.data'] as Json | undefined;
  return Array.isArray(json?.choices) && json.choices.length === 0 && query?.type === 'Data.Query' && query.dataset === 'graph.microsoft.com/users';
}


const SEEN = allViews('6b3f1c2e-0d4a-4e8b-9a51-3c7d2f0e9b14');
const SUMMARIES: CaseSummary[] = SEEN.flatMap((s) => (s.view.kind === 'outcome' ? [s.view.summary] : []));

const CARDS: { label: string; card: AdaptiveCard }[] = [
  ...SEEN.map((s) => ({ label: `view ${s.label}`, card: viewCard(s.view, s.notice) })),
  ...SEEN.map((s) => ({ label: `answered ${s.label}`, card: answeredCard(s.view, 'Yes: immediate danger') })),
  ...SEEN.flatMap((s) => (s.notice ? [{ label: `notice ${s.label}`, card: noticeCard(s.notice) }] : [])),
  { label: 'channel pointer', card: channelPointerCard() },
  ...SUMMARIES.flatMap((summary, i) => [
    { label: `manager summary ${i}`, card: managerSummaryCard(summary, `n-${i}`, 'Sam Jones (Social worker)', '2026-03-02T09:15:30.123Z') },
    { label: `manager summary ${i} acknowledged`, card: managerSummaryCard(summary, `n-${i}`, 'Sam', '2026-03-02T09:15:00Z', '2026-03-02T10:00:00.000Z') },
  ]),
  { label: 'sender acknowledged', card: senderCard('acknowledged', 'AB-1234') },
  ...(['not-installed', 'not-found', 'unreachable'] as const).map((kind) => ({ label: `sender ${kind}`, card: senderCard(kind, null) })),
];

/** Every parse and validation event of one card, as "Code: message". */
function events(card: AdaptiveCard): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const found: { event: ValidationEvent; message: string; source?: unknown }[] = [];
  for (let i = 0; i < context.eventCount; i++) found.push(context.getEventAt(i));
  found.push(...parsed.validateProperties().validationEvents);
  return found.filter((e) => !tolerated(card, e)).map((e) => `${AC.ValidationEvent[e.event]}: ${e.message}`);
}

describe('every Teams card, parsed by the adaptivecards library', () => {
  it('covers both packs, every outcome and every kind of card', () => {
    expect(SEEN.some((s) => s.label.startsWith('sandwell '))).toBe(true);
    expect(SEEN.some((s) => s.label.startsWith('nottingham-city '))).toBe(true);
    expect(SUMMARIES.length).toBeGreaterThan(3);
    expect(CARDS.length).toBeGreaterThan(100);
  });

  it('parses a deliberately broken card with errors (the check is live)', () => {
    expect(events({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'NoSuchElement' }] } as unknown as AdaptiveCard)).not.toEqual([]);
  });

  it('tolerates an empty Input.ChoiceSet only when it is a Teams people picker', () => {
    const picker = { type: 'Input.ChoiceSet', id: 'manager', choices: [], 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } };
    const card = (body: unknown[]) => ({ type: 'AdaptiveCard', version: '1.5', body }) as unknown as AdaptiveCard;
    expect(events(card([picker]))).toEqual([]);
    expect(events(card([{ ...picker, 'choices.data': undefined }]))).toEqual(['CollectionCantBeEmpty: An Input.ChoiceSet must have at least one choice defined.']);
    expect(SEEN.some((s) => s.view.kind === 'outcome' && JSON.stringify(viewCard(s.view)).includes('graph.microsoft.com/users'))).toBe(true);
  });

  it('parses every card without a single parse or validation event', () => {
    const problems = CARDS.flatMap(({ label, card }) => events(card).map((e) => `${label}: ${e}`));
    expect(problems).toEqual([]);
  });
});
