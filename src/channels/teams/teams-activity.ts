/**
 * The Teams activity as this bot accepts it, and pure helpers over it. No botbuilder import: these run before the
 * adapter sees anything, so a malformed delivery gets a 400 from us instead of a 500 from the SDK.
 */
import { z } from 'zod';

const Id = z.string().trim().min(1).max(512);

const Account = z.looseObject({
  id: Id,
  aadObjectId: z.string().max(128).optional(),
  name: z.string().max(512).optional(),
});

const ExecuteValue = z.looseObject({
  action: z.looseObject({
    type: z.literal('Action.Execute'),
    verb: z.string().max(100).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A Bot Framework activity with what this bot relies on checked; other fields pass through untouched. */
export const TeamsActivity = z
  .looseObject({
    type: z.string().min(1).max(100),
    id: Id,
    channelId: z.string().min(1).max(100),
    serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
    conversation: z.looseObject({
      id: z.string().trim().min(1).max(2048),
      conversationType: z.string().max(50).optional(),
      tenantId: z.string().max(128).optional(),
      isGroup: z.boolean().optional(),
    }),
    from: Account,
    recipient: Account,
    text: z.string().max(28_000).optional(),
    value: z.unknown().optional(),
    name: z.string().min(1).max(200).optional(),
    replyToId: z.string().max(512).optional(),
    entities: z.array(z.looseObject({ type: z.string().max(100) })).max(100).optional(),
    channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().min(1).max(128) }).optional() }).nullish(),
    // Buffered replies (expectReplies) are a skills feature; Teams never asks for it and this bot does not serve it.
    deliveryMode: z.literal('normal').optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'invoke' && !a.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'an invoke needs a name' });
    if (a.type === 'invoke' && a.name === 'adaptiveCard/action' && !ExecuteValue.safeParse(a.value).success) {
      ctx.addIssue({ code: 'custom', path: ['value', 'action'], message: 'an adaptiveCard/action invoke needs an Action.Execute action' });
    }
  });
export type TeamsActivity = z.output<typeof TeamsActivity>;

/** Validates a request body; the message names the fields at fault, never echoes their values. */
export function parseActivity(body: unknown): { ok: true; activity: TeamsActivity } | { ok: false; message: string } {
  const parsed = TeamsActivity.safeParse(body);
  if (parsed.success) return { ok: true, activity: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'activity'}: ${i.message}`).join('; ');
  return { ok: false, message };
}

/**
 * Where proactive messages reach a user: a conversation reference with ids only. Display names (from.name,
 * recipient.name, a channel's or chat's name) are left out, so no name reaches the store.
 */
export const TeamsAddress = z.object({
  channelId: z.string().min(1),
  serviceUrl: z.url(),
  tenantId: z.string().min(1).nullable(),
  conversation: z.object({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    isGroup: z.boolean().optional(),
  }),
  bot: z.object({ id: z.string().min(1) }),
  user: z.object({ id: z.string().min(1), aadObjectId: z.string().optional() }),
});
export type TeamsAddress = z.output<typeof TeamsAddress>;

/** The tenant of an activity: Teams puts it in channelData.tenant, and usually in conversation.tenantId too. */
export function tenantOf(activity: TeamsActivity): string | null {
  return activity.channelData?.tenant?.id ?? activity.conversation.tenantId ?? null;
}

/** The id a person is known by in the store and the outbox: the Entra object id when Teams gives one. */
export function userIdOf(account: { id: string; aadObjectId?: string }): string {
  return account.aadObjectId ?? account.id;
}

/** The address of the conversation an activity arrived in, for the user who sent it. */
export function addressOf(activity: TeamsActivity): TeamsAddress {
  const { conversation, from } = activity;
  return {
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    tenantId: tenantOf(activity),
    conversation: {
      id: conversation.id,
      ...(conversation.conversationType !== undefined && { conversationType: conversation.conversationType }),
      ...(conversation.tenantId !== undefined && { tenantId: conversation.tenantId }),
      ...(conversation.isGroup !== undefined && { isGroup: conversation.isGroup }),
    },
    bot: { id: activity.recipient.id },
    user: { id: from.id, ...(from.aadObjectId !== undefined && { aadObjectId: from.aadObjectId }) },
  };
}

/**
 * Personal (1:1) or shared (channel, group chat). A conversation with no type (the Emulator) counts as personal;
 * any type we do not know counts as shared, so nothing about a child is ever posted where others may read it.
 */
export function scopeOf(activity: TeamsActivity): 'personal' | 'shared' {
  const type = activity.conversation.conversationType;
  if (type === undefined) return activity.conversation.isGroup ? 'shared' : 'personal';
  return type === 'personal' ? 'personal' : 'shared';
}

const Mention = z.looseObject({ type: z.literal('mention'), text: z.string().optional(), mentioned: z.looseObject({ id: z.string() }).optional() });

/** The message text with the bot's @mention removed, tags and spacing tidied. */
export function messageText(activity: TeamsActivity): string {
  let text = activity.text ?? '';
  for (const entity of activity.entities ?? []) {
    const mention = Mention.safeParse(entity);
    if (mention.success && mention.data.mentioned?.id === activity.recipient.id && mention.data.text) text = text.split(mention.data.text).join(' ');
  }
  return text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** What an Action.Execute invoke carries: its data, with the verb filled in from the action when the data lacks it. */
export function executeData(activity: TeamsActivity): Record<string, unknown> | null {
  const parsed = ExecuteValue.safeParse(activity.value);
  if (!parsed.success) return null;
  const { verb, data } = parsed.data.action;
  return { ...(verb !== undefined && { verb }), ...data };
}
