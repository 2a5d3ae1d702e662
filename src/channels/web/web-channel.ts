import { z } from 'zod';
import type { Input } from '../../engine';
import type { TurnRequest } from '../../conversation/conversation-service';

const Token = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, "_" or "-"');

/** What the local page posts: one message, with a session id the page keeps and an id per message for dedupe. */
export const WebMessage = z
  .object({
    session: Token,
    messageId: Token,
    text: z.string().trim().min(1).max(500).optional(),
    answer: z.object({ ref: z.string().min(1).max(300), value: z.union([z.string().max(100), z.array(z.string().max(100)).max(100)]) }).strict().optional(),
    command: z.enum(['emergency', 'carry-on', 'back', 'restart', 'contacts', 'help', 'guidance', 'check', 'resume']).optional(),
    open: z.literal(true).optional(),
    /** The data of a clicked Adaptive Card action, as Teams would send it (read by the Teams card parser). */
    action: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .strict()
  .refine((m) => [m.text, m.answer, m.command, m.open, m.action].filter((x) => x !== undefined).length === 1, {
    message: 'send exactly one of text, answer, command, open or action',
  });
export type WebMessage = z.output<typeof WebMessage>;

/** Turns a validated page message into a conversation turn. */
export function webTurn(message: WebMessage, now: string): TurnRequest {
  let input: Input | { type: 'open' };
  if (message.text !== undefined) input = { type: 'text', text: message.text };
  else if (message.answer) input = { type: 'answer', ref: message.answer.ref, value: message.answer.value };
  else if (message.command) input = { type: 'command', command: message.command };
  else input = { type: 'open' };
  return {
    conversationId: `web:${message.session}`,
    channel: 'web',
    userId: `web:${message.session}`,
    address: null,
    inboundKey: `web:${message.session}:${message.messageId}`,
    input,
    now,
  };
}
