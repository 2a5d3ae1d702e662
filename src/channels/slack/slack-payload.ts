/**
 * What Slack posts to /slack/events, checked before anything acts on it: an Events API envelope (JSON), a slash
 * command (form fields) or an interaction (a form whose `payload` field is JSON). No @slack/bolt import: this runs
 * before the app sees a request, so a malformed delivery gets a 400 from us, never a 500 from the SDK.
 */
import { z } from 'zod';

const Id = z.string().trim().min(1).max(255);
const Ts = z.string().regex(/^\d{1,12}(\.\d{1,9})?$/, 'must be a Slack timestamp');

/** A person in a workspace: the store knows them as "<team>:<user>", never by name. */
export interface SlackPerson {
  team: string;
  user: string;
}

/** Where proactive messages reach a user: ids only. `dmChannel` is the bot's direct message with them. */
export const SlackAddress = z.object({
  team: Id,
  user: Id,
  dmChannel: Id.nullable(),
});
export type SlackAddress = z.output<typeof SlackAddress>;

/** The conversation of a person with the bot: one per user per workspace, whatever the entry point. */
export function conversationIdOf(p: SlackPerson): string {
  return `slack:${p.team}:${p.user}`;
}

/** The id a person is known by in the store and the outbox (conversation user, manager, outbox recipient). */
export function userIdOf(p: SlackPerson): string {
  return `${p.team}:${p.user}`;
}

/** The inverse of userIdOf; null for anything that is not "<team>:<user>". */
export function personOf(userId: string): SlackPerson | null {
  const m = /^([A-Z0-9]{1,40}):([A-Z0-9]{1,40})$/i.exec(userId);
  return m ? { team: m[1]!, user: m[2]! } : null;
}

export const MessageEvent = z.looseObject({
  type: z.literal('message'),
  channel: Id,
  channel_type: z.string().max(40).optional(),
  user: Id.optional(),
  text: z.string().max(40_000).optional(),
  ts: Ts,
  subtype: z.string().max(100).optional(),
  bot_id: z.string().max(100).optional(),
});

export const AppMentionEvent = z.looseObject({
  type: z.literal('app_mention'),
  channel: Id,
  user: Id.optional(),
  text: z.string().max(40_000).optional(),
  ts: Ts,
  bot_id: z.string().max(100).optional(),
});

export const AppHomeOpenedEvent = z.looseObject({
  type: z.literal('app_home_opened'),
  user: Id,
  channel: Id.optional(),
  tab: z.string().max(40).optional(),
});

const OtherEvent = z.looseObject({ type: z.string().min(1).max(100) });

/** The events this bot acts on, checked; any other event type is acknowledged and left alone. */
export type SlackEvent =
  | z.output<typeof MessageEvent>
  | z.output<typeof AppMentionEvent>
  | z.output<typeof AppHomeOpenedEvent>
  | { type: 'other'; name: string };

const EventCallback = z.looseObject({
  type: z.literal('event_callback'),
  team_id: Id,
  api_app_id: Id.optional(),
  event_id: Id,
  event_time: z.number().optional(),
  event: OtherEvent,
});

const UrlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: z.string().min(1).max(500) });

export const SlashCommand = z.looseObject({
  command: z.string().min(2).max(100),
  text: z.string().max(4000).default(''),
  team_id: Id,
  channel_id: Id,
  channel_name: z.string().max(255).optional(),
  user_id: Id,
  trigger_id: Id,
  // Optional, and only ever used once checked against Slack's hosts (trustedResponseUrl): an odd value is dropped,
  // never a reason to refuse the command.
  response_url: z.string().max(2048).optional().catch(undefined),
  api_app_id: Id.optional(),
});
export type SlashCommand = z.output<typeof SlashCommand>;

const PayloadUser = z.looseObject({ id: Id, team_id: Id.optional() });
const PayloadTeam = z.looseObject({ id: Id }).nullish();

export const BlockAction = z.looseObject({
  action_id: z.string().min(1).max(255),
  block_id: z.string().max(255).optional(),
  value: z.string().max(2000).optional(),
  selected_user: z.string().max(255).optional(),
  action_ts: Ts.optional(),
  type: z.string().max(100).optional(),
});
export type BlockAction = z.output<typeof BlockAction>;

export const BlockActions = z.looseObject({
  type: z.literal('block_actions'),
  user: PayloadUser,
  team: PayloadTeam,
  trigger_id: Id,
  container: z
    .looseObject({
      type: z.string().max(40),
      message_ts: Ts.optional(),
      channel_id: Id.optional(),
      view_id: Id.optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
  channel: z.looseObject({ id: Id }).nullish(),
  actions: z.array(BlockAction).min(1).max(25),
  state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }).optional(),
  view: z.looseObject({ id: Id }).optional(),
});
export type BlockActions = z.output<typeof BlockActions>;

export const ViewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  user: PayloadUser,
  team: PayloadTeam,
  trigger_id: Id.optional(),
  view: z.looseObject({
    id: Id,
    callback_id: z.string().max(255).optional(),
    external_id: z.string().max(255).optional(),
    private_metadata: z.string().max(3000).optional(),
    hash: z.string().max(255).optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }).optional(),
  }),
});
export type ViewSubmission = z.output<typeof ViewSubmission>;

const OtherInteraction = z.looseObject({ type: z.string().min(1).max(100), user: PayloadUser.optional() });

/** What a request to /slack/events is, once checked. `body` is the parsed body as Slack sent it, for Bolt. */
export type Inbound =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'ssl_check' }
  | { kind: 'event'; body: Record<string, unknown>; team: string; eventId: string; event: SlackEvent; key: string }
  | { kind: 'command'; body: Record<string, unknown>; command: SlashCommand; key: string }
  | { kind: 'block_actions'; body: Record<string, unknown>; payload: BlockActions; key: string }
  | { kind: 'view_submission'; body: Record<string, unknown>; payload: ViewSubmission; key: string }
  /** Another interaction type (view_closed, shortcuts …) or event envelope this bot does not act on: acknowledged. */
  | { kind: 'ignored'; type: string };

export type ParseResult = { ok: true; inbound: Inbound } | { ok: false; message: string };

const problem = (error: z.ZodError, what: string): string =>
  error.issues.map((i) => `${[what, ...i.path].join('.')}: ${i.message}`).join('; ').slice(0, 500);

/** The event's idempotency key: Slack keeps event_id across its retries. */
export function eventKey(eventId: string): string {
  return `slack:event:${eventId}`;
}

/**
 * A click's idempotency key: the message (or view) it was on and the action's own timestamp; the trigger id when
 * Slack gives no action_ts. A second click on the same button has another action_ts, so it is judged (stale), not
 * dropped.
 */
export function actionKey(p: BlockActions): string {
  const action = p.actions[0]!;
  const on = p.container?.message_ts ?? p.container?.view_id ?? p.view?.id ?? '';
  return action.action_ts ? `slack:action:${on}:${action.action_ts}` : `slack:action:${p.trigger_id}`;
}

/** Parses a request body by its content type; the message names the fields at fault, never echoes their values. */
export function parseSlackBody(contentType: string, raw: string): ParseResult {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return parseJsonBody(raw);
  if (type === 'application/x-www-form-urlencoded') return parseFormBody(raw);
  return { ok: false, message: `unsupported content type "${type.slice(0, 60)}"` };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parseJsonBody(raw: string): ParseResult {
  const body = parseJson(raw);
  if (!isRecord(body)) return { ok: false, message: 'body: must be a JSON object' };
  if (body.type === 'url_verification') {
    const v = UrlVerification.safeParse(body);
    return v.success ? { ok: true, inbound: { kind: 'url_verification', challenge: v.data.challenge } } : { ok: false, message: problem(v.error, 'body') };
  }
  if (body.type !== 'event_callback') {
    // app_rate_limited and whatever Slack adds later: nothing to do, and nothing wrong with the request.
    return typeof body.type === 'string' && body.type.length <= 100
      ? { ok: true, inbound: { kind: 'ignored', type: body.type } }
      : { ok: false, message: 'body.type: must be a string' };
  }
  const envelope = EventCallback.safeParse(body);
  if (!envelope.success) return { ok: false, message: problem(envelope.error, 'body') };
  const given = envelope.data.event;
  let event: SlackEvent;
  const checked =
    given.type === 'message'
      ? MessageEvent.safeParse(given)
      : given.type === 'app_mention'
        ? AppMentionEvent.safeParse(given)
        : given.type === 'app_home_opened'
          ? AppHomeOpenedEvent.safeParse(given)
          : null;
  if (checked === null) event = { type: 'other', name: given.type };
  else if (checked.success) event = checked.data;
  else return { ok: false, message: problem(checked.error, 'body.event') };
  const { team_id: team, event_id: eventId } = envelope.data;
  return { ok: true, inbound: { kind: 'event', body, team, eventId, event, key: eventKey(eventId) } };
}

function parseFormBody(raw: string): ParseResult {
  const form = new URLSearchParams(raw);
  if (form.get('ssl_check') === '1') return { ok: true, inbound: { kind: 'ssl_check' } };
  const payloadText = form.get('payload');
  if (payloadText !== null) {
    const payload = parseJson(payloadText);
    if (!isRecord(payload)) return { ok: false, message: 'payload: must be a JSON object' };
    if (payload.type === 'block_actions') {
      const p = BlockActions.safeParse(payload);
      if (!p.success) return { ok: false, message: problem(p.error, 'payload') };
      return { ok: true, inbound: { kind: 'block_actions', body: payload, payload: p.data, key: actionKey(p.data) } };
    }
    if (payload.type === 'view_submission') {
      const p = ViewSubmission.safeParse(payload);
      if (!p.success) return { ok: false, message: problem(p.error, 'payload') };
      // Each submission has its own trigger id; the view id stays the same if the modal is submitted again.
      const key = `slack:view:${p.data.view.id}:${p.data.trigger_id ?? p.data.view.hash ?? ''}`;
      return { ok: true, inbound: { kind: 'view_submission', body: payload, payload: p.data, key } };
    }
    const other = OtherInteraction.safeParse(payload);
    if (!other.success) return { ok: false, message: problem(other.error, 'payload') };
    return { ok: true, inbound: { kind: 'ignored', type: other.data.type } };
  }
  if (form.has('command')) {
    const fields = Object.fromEntries(form.entries());
    const c = SlashCommand.safeParse(fields);
    if (!c.success) return { ok: false, message: problem(c.error, 'form') };
    return { ok: true, inbound: { kind: 'command', body: fields, command: c.data, key: `slack:command:${c.data.trigger_id}` } };
  }
  return { ok: false, message: 'form: neither a slash command nor an interaction payload' };
}

/** The team an interaction came from: the payload's team, else the user's (Enterprise Grid sends team: null). */
export function teamOf(p: { team?: { id: string } | null; user: { team_id?: string } }): string | null {
  return p.team?.id ?? p.user.team_id ?? null;
}

/**
 * A mention as Slack writes it in message text: `<@U123>` or `<@U123|name>`. The label stops at the next `<` as well
 * as at `>` (Slack escapes both in text, so a real label has neither): with `[^>]*` alone, every unclosed `<@U|` ran
 * to the end of the text before failing, so 10,000 of them (40 KB) took ~0.6 s; this way each `<` is looked at once.
 */
const MENTION = /<@[A-Z0-9]+(?:\|[^<>]*)?>/gi;

/** Message text with @mentions (`<@U123>`, `<@U123|name>`) removed and spacing tidied. */
export function withoutMentions(text: string | undefined): string {
  return (text ?? '')
    .replace(MENTION, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
