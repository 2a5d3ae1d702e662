/**
 * Small builders for Slack Block Kit: text objects, escaped mrkdwn, sections split to fit, contacts with tel: and
 * mailto: links, buttons, and the limits every surface is held to. Pure functions; nothing here knows about views.
 */
import type { types } from '@slack/bolt';
import type { ContactView } from '../../../engine';

export type KnownBlock = types.KnownBlock;
export type PlainText = types.PlainTextElement;
export type Mrkdwn = types.MrkdwnElement;
export type SlackButton = types.Button;
export type SectionBlock = types.SectionBlock;
export type ActionsBlock = types.ActionsBlock;
export type ContextBlock = types.ContextBlock;

/**
 * The Block Kit limits these renderers keep to, the strictest figure where sources differ (shared/platform-facts.md
 * section 4): option values at 75, not 150. `buttonTextShown` is where Slack may cut a button's text on screen; a
 * label longer than that is also written out in full in the message.
 */
export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  homeBlocks: 100,
  sectionText: 3000,
  textObject: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  checkboxOptions: 10,
  buttonText: 75,
  buttonTextShown: 30,
  buttonValue: 2000,
  optionText: 75,
  optionDescription: 75,
  optionValue: 75,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  modalTitle: 24,
  modalSubmit: 24,
  modalClose: 24,
  privateMetadata: 3000,
  /** Our own bound on a message's `text` (Slack cuts at 40,000): it is what a notification shows, so it stays short. */
  messageText: 3000,
  /**
   * Our bound on all the text of a message's blocks together. chat.postMessage answers `msg_blocks_too_long` past an
   * undocumented total, reported at about 12,000 characters of text plus a buffer for the blocks themselves
   * (slackapi/bolt-js#2509, #2867); 10,000 leaves a margin.
   */
  messageTextTotal: 10_000,
} as const;

/** The subject every mailto: link carries. Fixed on purpose: a link never holds a case reference or an indicator. */
export const MAIL_SUBJECT = 'CSE referral';

/** Escapes the three characters Slack's mrkdwn reads as control characters, so pack wording shows as written. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The first `max` characters without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  const head = s.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

/**
 * One line of at most `max` characters: whitespace collapsed, cut at a word boundary with "…" when too long (a word
 * is only cut when the text has no space in its last 40%).
 */
export function clip(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const head = cut(t, max - 1);
  const space = head.lastIndexOf(' ');
  const base = space >= max * 0.6 ? head.slice(0, space) : head;
  return `${base.replace(/[\s,;:.]+$/, '')}…`;
}

/** Multi-line text of at most `max` characters, lines kept, with "…" when cut. */
export function clipLines(s: string, max: number): string {
  return s.length <= max ? s : `${cut(s, max - 1)}…`;
}

/** A plain_text object; emoji codes in pack wording are not turned into pictures. */
export function plain(text: string, max: number = LIMITS.textObject): PlainText {
  return { type: 'plain_text', text: clip(text, max), emoji: false };
}

/** A mrkdwn object. Verbatim, so nothing in pack wording becomes a mention or a link by itself. */
export function mrkdwn(text: string): Mrkdwn {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** Bold mrkdwn for escaped text, line by line (Slack's *bold* does not span lines). */
export function bold(escaped: string): string {
  return escaped
    .split('\n')
    .map((line) => (line.trim() ? `*${line.trim()}*` : line))
    .join('\n');
}

/** A long line in pieces of at most `max`, broken between words and never inside a <link>. */
function splitLine(line: string, max: number): string[] {
  const atoms = line.match(/<[^<>]*>|[^\s<]+|<|\s+/g) ?? [];
  const out: string[] = [];
  let current = '';
  for (const atom of atoms) {
    if (current.length + atom.length <= max) {
      current += atom;
      continue;
    }
    if (current.trim()) out.push(current.trimEnd());
    current = atom.trimStart();
    // Only a single word longer than a whole section gets here.
    while (current.length > max) {
      const head = cut(current, max);
      out.push(head);
      current = current.slice(head.length);
    }
  }
  if (current.trim()) out.push(current);
  return out;
}

/** mrkdwn in chunks of at most `max` characters, split between lines where it can be. */
export function chunkText(text: string, max: number = LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    for (const piece of line.length <= max ? [line] : splitLine(line, max)) {
      const next = current === '' ? piece : `${current}\n${piece}`;
      if (next.length <= max) {
        current = next;
      } else {
        if (current.trim()) chunks.push(current.replace(/\n+$/, ''));
        current = piece;
      }
    }
  }
  if (current.trim()) chunks.push(current.replace(/\n+$/, ''));
  return chunks;
}

/** mrkdwn as section blocks, as many as its length needs; none for empty text. */
export function sections(text: string): SectionBlock[] {
  return chunkText(text).map((chunk) => ({ type: 'section', text: mrkdwn(chunk) }));
}

/** mrkdwn as context blocks (small, subtle text): at most ten elements a block. */
export function contexts(texts: string[]): ContextBlock[] {
  const elements = texts.flatMap((t) => chunkText(t)).map(mrkdwn);
  const blocks: ContextBlock[] = [];
  for (let i = 0; i < elements.length; i += LIMITS.contextElements) {
    blocks.push({ type: 'context', elements: elements.slice(i, i + LIMITS.contextElements) });
  }
  return blocks;
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

/** The number as a tel: link whose text is the number, so it can still be read and dialled where links are not followed. */
export function phoneLink(phone: string): string {
  const tel = telUri(phone);
  return tel ? `<${tel}|${esc(phone.trim())}>` : esc(phone);
}

/** The address as a mailto: link whose text is the address; plain text if it could break the link syntax. */
export function emailLink(email: string): string {
  const address = email.trim();
  return /^[^\s<>|&"]+@[^\s<>|&"]+$/.test(address) ? `<${mailtoUri(address)}|${esc(address)}>` : esc(address);
}

/** A contact in full: name in bold, what it is for, phone and e-mail as links. */
export function contactText(c: ContactView, withPurpose = true): string {
  const lines = [bold(esc(c.name))];
  if (withPurpose && c.purpose) lines.push(esc(c.purpose));
  if (c.phone) lines.push(`Phone: ${phoneLink(c.phone)}`);
  if (c.email) lines.push(`E-mail: ${emailLink(c.email)}`);
  return lines.join('\n');
}

/** A contact on one line, under an action: "Name: phone <tel:…>, e-mail <mailto:…>". */
export function contactInline(c: ContactView): string {
  const means = [c.phone ? `phone ${phoneLink(c.phone)}` : '', c.email ? `e-mail ${emailLink(c.email)}` : ''].filter(Boolean).join(', ');
  return `${esc(c.name)}${means ? `: ${means}` : ''}`;
}

/** Whether a contact says more than its name (a name alone that repeats the action's words is not shown twice). */
export function contactAddsTo(c: ContactView, text: string): boolean {
  return Boolean(c.phone || c.email) || c.name.trim() !== text.trim();
}

/** "Name: phone 0115 876 4800, e-mail x@y" for plain text. */
export function contactPlain(c: ContactView): string {
  const means = [c.phone ? `phone ${c.phone}` : '', c.email ? `e-mail ${c.email}` : ''].filter(Boolean).join(', ');
  return `${c.name}${means ? `: ${means}` : ''}`;
}

/** A button. Text is cut to the limit; the caller shows a cut label in full elsewhere. */
export function button(text: string, actionId: string, value: string | undefined, style?: 'primary' | 'danger'): SlackButton {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(text, LIMITS.buttonText),
    ...(value !== undefined ? { value } : {}),
    ...(style ? { style } : {}),
  };
}

/** Buttons in actions blocks of at most 25; the first block gets `blockId`, the next ones `blockId:2`, `blockId:3` … */
export function actionRows(blockId: string, buttons: SlackButton[]): ActionsBlock[] {
  const rows: ActionsBlock[] = [];
  for (let i = 0; i < buttons.length; i += LIMITS.actionsElements) {
    const n = i / LIMITS.actionsElements + 1;
    rows.push({ type: 'actions', block_id: n === 1 ? blockId : `${blockId}:${n}`, elements: buttons.slice(i, i + LIMITS.actionsElements) });
  }
  return rows;
}

/** Whether a label is cut or may be cut on screen, so it should also be written out in full. */
export function labelNeedsText(label: string): boolean {
  return label.replace(/\s+/g, ' ').trim().length > LIMITS.buttonTextShown;
}

/** A time for mrkdwn, shown in each reader's own time zone and format, and a plain UTC form for `text`. */
export function when(iso: string): { mrkdwn: string; plain: string } {
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(ms)) return { mrkdwn: esc(iso), plain: iso };
  const utc = new Date(ms).toISOString();
  const shown = `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
  return { mrkdwn: `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${shown}>`, plain: shown };
}

/**
 * A message's `text` (what notifications and some screen readers use): the lines given, empty ones dropped, escaped
 * like any mrkdwn (Slack parses this field too, so "<!channel>" in it would notify), kept to the limit without
 * leaving half an entity at the cut.
 */
export function notificationText(lines: (string | undefined)[]): string {
  const text = esc(lines.filter((l): l is string => l !== undefined && l.trim().length > 0).join('\n'));
  if (text.length <= LIMITS.messageText) return text;
  return `${cut(text, LIMITS.messageText - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

/** The characters of every text object in some blocks, counted as Slack counts a message against its total. */
export function textLength(blocks: unknown): number {
  let n = 0;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (typeof x === 'object' && x !== null) {
      const o = x as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') n += o.text.length;
      Object.values(o).forEach(visit);
    }
  };
  visit(blocks);
  return n;
}

const isPlainSection = (b: KnownBlock): b is SectionBlock & { text: Mrkdwn } =>
  b.type === 'section' && b.text?.type === 'mrkdwn' && !b.accessory && !b.fields && !b.block_id;

/**
 * Joins neighbouring text sections (never an interactive block) until the blocks fit `max`, or no two neighbours fit
 * one section. The last resort of a renderer whose content has outgrown a surface.
 */
export function packSections(blocks: KnownBlock[], max: number): KnownBlock[] {
  const out = [...blocks];
  let merged = true;
  while (out.length > max && merged) {
    merged = false;
    for (let i = 0; i + 1 < out.length && out.length > max; i++) {
      const a = out[i]!;
      const b = out[i + 1]!;
      if (isPlainSection(a) && isPlainSection(b) && a.text.text.length + b.text.text.length + 2 <= LIMITS.sectionText) {
        out.splice(i, 2, { type: 'section', text: mrkdwn(`${a.text.text}\n\n${b.text.text}`) });
        merged = true;
      }
    }
  }
  return out;
}
