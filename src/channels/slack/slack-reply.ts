/**
 * A message the bot says on Slack, as an outbox row carries it: a message posted in a DM, a posted message replaced
 * (an answered question), or a note only one person sees. Checked with zod when the outbox hands it back.
 */
import { z } from 'zod';
import type { SlackMessage } from './blocks';

const Id = z.string().min(1).max(255);
const Ts = z.string().regex(/^\d{1,12}(\.\d{1,9})?$/);
const Blocks = z.array(z.record(z.string(), z.unknown())).max(100);

export const SlackReply = z.discriminatedUnion('op', [
  z.object({ op: z.literal('post'), channel: Id, text: z.string(), blocks: Blocks.optional() }),
  z.object({ op: z.literal('update'), channel: Id, ts: Ts, text: z.string(), blocks: Blocks.optional() }),
  z.object({
    op: z.literal('ephemeral'),
    channel: Id,
    user: Id,
    text: z.string(),
    blocks: Blocks.optional(),
    /** A slash command's response URL: where the note goes when the bot is not in the channel. */
    responseUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  }),
]);
export type SlackReply = z.output<typeof SlackReply>;

/** A message as the bot builds it: fallback text and, but for the channel pointer, blocks. */
export type Message = Pick<SlackMessage, 'text'> & Partial<Pick<SlackMessage, 'blocks'>>;

const content = (message: Message) => ({ text: message.text, ...(message.blocks && { blocks: message.blocks as unknown as Record<string, unknown>[] }) });

export function post(channel: string, message: Message): SlackReply {
  return { op: 'post', channel, ...content(message) };
}

export function update(at: { channel: string; ts: string }, message: Message): SlackReply {
  return { op: 'update', channel: at.channel, ts: at.ts, ...content(message) };
}

export function ephemeral(channel: string, user: string, message: Message, responseUrl?: string | null): SlackReply {
  return { op: 'ephemeral', channel, user, ...content(message), ...(responseUrl && { responseUrl }) };
}

/** The hosts Slack sends slash-command response URLs on (commercial and GovSlack). */
const RESPONSE_HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

/**
 * A slash command's response URL if it can be trusted with a message: https on Slack's own hooks host, or on the
 * origin of SLACK_API_URL (a proxy, a test). Anything else is ignored (null), never a reason to refuse the command:
 * the field is optional, and the bot can usually answer with chat.postEphemeral instead.
 */
export function trustedResponseUrl(raw: unknown, apiUrl: string): string | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === 'https:' && RESPONSE_HOSTS.has(url.hostname) && url.port === '') return url.href;
  return url.origin === new URL(apiUrl).origin ? url.href : null;
}
