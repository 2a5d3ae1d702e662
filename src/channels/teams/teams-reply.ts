/**
 * A message the bot says on Teams, as an outbox row carries it: a card posted into a conversation, or a card that
 * replaces one already posted (an Action.Submit click's card). Checked with zod when the outbox hands it back.
 */
import { z } from 'zod';
import { TeamsAddress } from './teams-activity';
import type { AdaptiveCard } from './cards';

const Card = z.custom<AdaptiveCard>((v) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'AdaptiveCard');

export const TeamsReply = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('send'),
    address: TeamsAddress,
    card: Card,
    /** Posted as a reply to this activity (a pointer under a channel message, in its thread). */
    replyToId: z.string().min(1).max(512).optional(),
  }),
  z.object({
    op: z.literal('update'),
    address: TeamsAddress,
    activityId: z.string().min(1).max(512),
    card: Card,
    /** When the card can no longer be replaced (deleted, too old), post it as a new message instead. */
    orSend: z.boolean(),
  }),
]);
export type TeamsReply = z.output<typeof TeamsReply>;

export function sendCard(address: TeamsAddress, card: AdaptiveCard, replyToId?: string): TeamsReply {
  return { op: 'send', address, card, ...(replyToId !== undefined && { replyToId }) };
}

export function updateCard(address: TeamsAddress, activityId: string, card: AdaptiveCard): TeamsReply {
  return { op: 'update', address, activityId, card, orSend: true };
}

/** The message activity that carries a card, addressed as the SDK would address it from a conversation reference. */
export function cardActivity(address: TeamsAddress, card: AdaptiveCard): Record<string, unknown> {
  return {
    type: 'message',
    channelId: address.channelId,
    serviceUrl: address.serviceUrl,
    from: { id: address.bot.id },
    recipient: { id: address.user.id, ...(address.user.aadObjectId !== undefined && { aadObjectId: address.user.aadObjectId }) },
    conversation: { id: address.conversation.id, ...(address.conversation.conversationType !== undefined && { conversationType: address.conversation.conversationType }) },
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  };
}
