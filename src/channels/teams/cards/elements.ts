/**
 * Small builders for Adaptive Card (schema 1.5) elements as Teams renders them: text, contacts with tel:/mailto:
 * links, buttons (Action.Execute with an Action.Submit fallback) and the plain text for `speak` and `fallbackText`.
 * Pure functions; nothing here knows about views.
 */
import type { ContactView } from '../../../engine';

/** One card element or action, as plain JSON. */
export type CardElement = Record<string, unknown>;

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_VERSION = '1.5';

/**
 * The largest card we send, in bytes of its JSON. Teams' current limit for a whole bot message is about 100 KB
 * (keep under 80 KB), older and localized pages say 40 KB and older reports 28 KB for cards: build for the strictest.
 */
export const MAX_CARD_BYTES = 28 * 1024;

/** The subject every mailto: link carries. Fixed on purpose: a link never holds a case reference or an indicator. */
export const MAIL_SUBJECT = 'CSE referral';

/** Bytes of a card's JSON, as Teams measures the message. */
export function cardBytes(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * Escapes what Teams' card Markdown would turn into formatting or a link, so pack wording shows as written.
 * Only patterns that would format are touched: ordinary text, which is all the packs hold today, passes unchanged.
 */
export function md(s: string): string {
  return s
    .replace(/([*_`])/g, '\\$1')
    .replace(/\[([^\]]*)\]\(/g, '\\[$1\\](')
    .replace(/^(\s*)([#>+-])(\s)/gm, '$1\\$2$3')
    .replace(/^(\s*\d+)([.)])(\s)/gm, '$1\\$2$3');
}

/**
 * A wrapped TextBlock. `text` is Markdown: pass pack wording through md() first. Emphasis uses `weight` rather than
 * Markdown, so a renderer without a Markdown processor (the local web page) still shows clean text; Markdown is kept
 * for what needs it: links and lists.
 */
export function textBlock(text: string, options: CardElement = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...options };
}

/** Pack wording as TextBlocks, one per line (a single newline does not break a line in card Markdown). */
export function paragraphs(text: string | undefined, options: CardElement = {}): CardElement[] {
  if (!text) return [];
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => textBlock(md(line), options));
}

/** A heading TextBlock (style "heading" is announced as a heading by screen readers). */
export function heading(text: string, options: CardElement = {}): CardElement {
  return textBlock(md(text), { style: 'heading', weight: 'bolder', ...options });
}

/** "tel:01158764800" for "0115 876 4800": digits only (a leading "+" is kept), or null when there are no digits. */
export function telUri(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 0) return null;
  return `tel:${phone.trim().startsWith('+') ? '+' : ''}${digits}`;
}

/** "mailto:x@y?subject=CSE%20referral". The subject is fixed: never a child detail or a case reference. */
export function mailtoUri(email: string): string {
  return `mailto:${email.trim()}?subject=${encodeURIComponent(MAIL_SUBJECT)}`;
}

/**
 * One contact: its name, optionally its purpose, and its phone and e-mail as links. The number and address are the
 * link text, so they can still be read and dialled where a client does not follow tel: links (some Teams desktop
 * clients ignore them).
 */
export function contactBlock(c: ContactView, withPurpose: boolean): CardElement {
  const items: CardElement[] = [textBlock(md(c.name), { weight: 'bolder', spacing: 'none' })];
  if (withPurpose && c.purpose) items.push(textBlock(md(c.purpose), { isSubtle: true, size: 'small', spacing: 'none' }));
  const tel = c.phone ? telUri(c.phone) : null;
  if (c.phone) items.push(textBlock(tel ? `Phone: [${md(c.phone)}](${tel})` : `Phone: ${md(c.phone)}`, { spacing: 'none' }));
  if (c.email) items.push(textBlock(`E-mail: [${md(c.email)}](${mailtoUri(c.email)})`, { spacing: 'none' }));
  return { type: 'Container', spacing: 'small', items };
}

/** Whether a contact says more than its name (a name alone that repeats the action's words is not shown twice). */
export function contactAddsTo(c: ContactView, text: string): boolean {
  return Boolean(c.phone || c.email) || c.name.trim() !== text.trim();
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface ButtonOptions {
  style?: 'positive' | 'destructive';
  /** "none" keeps typed text and ticks out of the payload (and stops required inputs blocking the button). */
  associatedInputs?: 'auto' | 'none';
}

/**
 * A button: Action.Execute (Universal Actions, an `adaptiveCard/action` invoke) with the same data in an
 * Action.Submit fallback, as Teams recommends for clients without Universal Actions. `data.verb` repeats the verb so
 * both payloads parse alike.
 */
export function button(title: string, data: { verb: string } & CardElement, options: ButtonOptions = {}): CardElement {
  const common: CardElement = { title };
  if (options.style) common.style = options.style;
  if (options.associatedInputs) common.associatedInputs = options.associatedInputs;
  return {
    type: 'Action.Execute',
    ...common,
    tooltip: title,
    verb: data.verb,
    data: clone(data),
    fallback: { type: 'Action.Submit', ...common, data: clone(data) },
  };
}

/** Buttons in rows; five at most a row, since Teams hides actions beyond its host's limit. */
export function buttonRows(actions: CardElement[], options: { stacked?: boolean; spacing?: string } = {}): CardElement[] {
  const size = options.stacked ? 1 : 5;
  const rows: CardElement[] = [];
  for (let i = 0; i < actions.length; i += size) {
    rows.push({ type: 'ActionSet', spacing: i === 0 ? (options.spacing ?? 'medium') : 'small', actions: actions.slice(i, i + size) });
  }
  return rows;
}

/**
 * A show/hide section: a heading with a toggle button, and the content hidden until asked for (guidance is long and
 * most users have read it before).
 */
export function collapsible(id: string, title: string, items: CardElement[]): CardElement[] {
  return [
    {
      type: 'ColumnSet',
      spacing: 'medium',
      columns: [
        { type: 'Column', width: 'stretch', verticalContentAlignment: 'center', items: [textBlock(md(title), { weight: 'bolder' })] },
        {
          type: 'Column',
          width: 'auto',
          items: [
            {
              type: 'ActionSet',
              actions: [{ type: 'Action.ToggleVisibility', title: 'Show / hide', tooltip: `Show or hide: ${title}`, targetElements: [id] }],
            },
          ],
        },
      ],
    },
    { type: 'Container', id, isVisible: false, spacing: 'none', items },
  ];
}

/**
 * A Markdown list in one TextBlock, items separated by "\r" as Teams documents for lists: one element instead of one
 * per item keeps a card with every indicator ticked well inside the size limit.
 */
export function bulletList(items: string[], options: CardElement = {}): CardElement {
  return textBlock(items.map((item) => `- ${md(item.replace(/\s*\n\s*/g, ' '))}`).join('\r'), { spacing: 'none', ...options });
}

/** A bullet line; "• " rather than "- " so Markdown makes no list of it. */
export function bullet(text: string, options: CardElement = {}): CardElement {
  return textBlock(`• ${md(text)}`, { spacing: 'none', ...options });
}

/** Plain text for `speak`: SSML-safe (no markup characters), one sentence a part. */
export function speech(parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => Boolean(p && p.trim()))
    .map((p) => p.replace(/&/g, ' and ').replace(/[<>]/g, ' ').replace(/\s+/g, ' ').trim())
    .map((p) => (/[.!?:]$/.test(p) ? p : `${p}.`))
    .join(' ');
}

/** Plain text for `fallbackText`: the lines as given, empty ones dropped. */
export function plainText(lines: (string | undefined)[]): string {
  return lines.filter((l): l is string => l !== undefined && l.trim().length > 0).join('\n');
}

/** "Name: phone 0115 876 4800, e-mail x@y" for plain text. */
export function contactLine(c: ContactView): string {
  const means = [c.phone ? `phone ${c.phone}` : '', c.email ? `e-mail ${c.email}` : ''].filter(Boolean).join(', ');
  return `${c.name}${means ? `: ${means}` : ''}`;
}

/**
 * A time for a TextBlock: Adaptive Cards' DATE/TIME functions, so each reader sees it in their own time zone and
 * locale (they work in TextBlock, not in FactSet or RichTextBlock), and a plain UTC form for fallbackText/speak.
 */
export function when(iso: string): { card: string; plain: string } {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { card: md(iso), plain: iso };
  // The functions accept no milliseconds: "2026-03-02T09:00:00Z".
  const s = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { card: `{{DATE(${s}, SHORT)}} {{TIME(${s})}}`, plain: `${s.slice(0, 10)} ${s.slice(11, 16)} UTC` };
}
