/**
 * One Slack turn: what a person did (a DM, /cse, an @mention, a click, a modal, the App Home) becomes a conversation
 * input, runs through the ConversationService, and the result is rendered with Block Kit in their direct message
 * with the bot. Views, answers and summaries only ever go to a DM; a channel gets an ephemeral pointer and nothing
 * else. Every handler acks first (Slack gives 3 s), except where the ack itself carries the answer.
 */
import { App, LogLevel, type RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ConversationService, TurnOutcome, TurnRequest } from '../../conversation/conversation-service';
import { answerLabel, commandOf, type ContactView, type Input, type Notice, type StepResult } from '../../engine';
import {
  answeredMessage,
  CALLBACK,
  CASE_REF_BLOCK,
  caseRefModal,
  channelPointerText,
  checklistModal,
  homeView,
  managerSummaryMessage,
  noticeMessage,
  parseBlockAction,
  parseModalSubmission,
  viewMessage,
  type SlackAction,
  type SlackMessage,
} from './blocks';
import { describeSlackError, platformError, sdkLogger, turnClientOptions, type WebClient } from './slack-client';
import {
  conversationIdOf,
  personOf,
  teamOf,
  userIdOf,
  withoutMentions,
  type BlockActions,
  type Inbound,
  type SlackAddress,
  type SlackPerson,
  type SlashCommand,
  type ViewSubmission,
} from './slack-payload';
import type { RestifyReceiver } from './slack-receiver';

/** An enabled area as the App Home lists it. */
export interface HomeArea {
  id: string;
  name: string;
  provenance: string;
  contacts: ContactView[];
}

export interface SlackBotDeps {
  token: string;
  apiUrl: string;
  conversations: ConversationService;
  areas: HomeArea[];
  log: Logger;
  clock: () => Date;
  onQueued?: () => void;
}

/** A Block Kit message: the fallback text (notifications, screen readers) and, but for the pointer, blocks. */
type Message = Pick<SlackMessage, 'text'> & Partial<Pick<SlackMessage, 'blocks'>>;

/** Bolt's ack, whatever the request kind: an empty 200, or a body (a modal's response_action). */
type Ack = (response?: Record<string, unknown>) => Promise<void>;

/** A message the bot posted, to update in place. */
interface Posted {
  channel: string;
  ts: string;
}

export const ALREADY_ANSWERED = 'That question was already answered.';
const ALREADY_ANSWERED_NOTICE: Notice = { kind: 'info', title: ALREADY_ANSWERED, lines: ['Your current step is further down this chat.'] };
const NOT_SENT_TO_YOU: Notice = { kind: 'info', title: 'That summary was not sent to you.', lines: [] };
const NO_PRIVATE_CHAT: Notice = {
  kind: 'error',
  title: 'I could not open a direct message with you.',
  lines: ['Open the app from the Apps section of Slack and press Start, or send it a direct message.'],
};
/** How long the modal handler may take before its ack stops being able to carry field errors (Slack gives 3 s). */
const MODAL_ERRORS_WITHIN_MS = 2000;
/** Prefix of the external_id a modal is opened with; it names the message the modal belongs to. */
const ORIGIN_PREFIX = 'cse:';

/** Names never reach the store: the manager sees the sender as a Slack mention, which Slack renders as their name. */
export function raisedByOf(senderId: string | null): string {
  const person = senderId ? personOf(senderId) : null;
  return person ? `<@${person.user}>` : 'a colleague';
}


/** The external_id a modal opened from a message carries, so its submission can update that message. */
export function originId(message: Posted, nonce: string): string {
  return `${ORIGIN_PREFIX}${message.channel}:${message.ts}:${nonce}`.slice(0, 255);
}

/** The message a modal was opened from, read back from its external_id; null when it has none. */
export function originOf(externalId: unknown): Posted | null {
  if (typeof externalId !== 'string') return null;
  const m = /^cse:([A-Z0-9]{1,40}):(\d{1,12}\.\d{1,9}):/i.exec(externalId);
  return m ? { channel: m[1]!, ts: m[2]! } : null;
}

const isDm = (channel: string | undefined): channel is string => typeof channel === 'string' && /^D[A-Z0-9]+$/i.test(channel);

/** The turn logic behind the Bolt listeners. Methods take the request's client (Bolt's, with the bot token). */
export class SlackBot {
  constructor(private readonly deps: SlackBotDeps) {}

  private now(): string {
    return this.deps.clock().toISOString();
  }

  private async turn(person: SlackPerson, dmChannel: string | null, inboundKey: string, input: TurnRequest['input']): Promise<TurnOutcome> {
    const address: SlackAddress = { team: person.team, user: person.user, dmChannel };
    const outcome = await this.deps.conversations.handle({
      conversationId: conversationIdOf(person),
      channel: 'slack',
      userId: userIdOf(person),
      address,
      inboundKey,
      input,
      now: this.now(),
    });
    if (outcome.status === 'reply' && outcome.result.effects.some((e) => e.type === 'notify-manager')) this.deps.onQueued?.();
    return outcome;
  }

  // ---- Events ----

  /** A direct message to the bot: starts or continues the procedure there. */
  async onDirectMessage(client: WebClient, inbound: Extract<Inbound, { kind: 'event' }>): Promise<void> {
    const { event } = inbound;
    if (event.type !== 'message') return;
    // Only what a person typed in the bot's DM: not the bot's own posts, edits, joins or other subtypes.
    if (event.channel_type !== 'im' || event.subtype !== undefined || event.bot_id !== undefined || !event.user) return;
    const person = { team: inbound.team, user: event.user };
    const text = (event.text ?? '').trim();
    const outcome = await this.turn(person, event.channel, inbound.key, text ? { type: 'text', text } : { type: 'open' });
    if (outcome.status === 'duplicate') return;
    await this.post(client, event.channel, viewMessage(outcome.result.view, outcome.result.notice));
  }

  /**
   * An @mention in a channel: the procedure goes on in the person's DM (only an emergency is acted on from what was
   * said), and the channel gets an ephemeral pointer that names nothing about the child.
   */
  async onMention(client: WebClient, inbound: Extract<Inbound, { kind: 'event' }>): Promise<void> {
    const { event } = inbound;
    if (event.type !== 'app_mention' || !event.user || event.bot_id !== undefined) return;
    // A DM is handled as a message.im; a mention there is not a second way in.
    if (isDm(event.channel)) return;
    const person = { team: inbound.team, user: event.user };
    const command = commandOf(withoutMentions(event.text));
    await this.continueInDm(client, person, inbound.key, command === 'emergency' ? { type: 'command', command } : { type: 'open' }, { channel: event.channel });
  }

  /** The App Home tab: the areas, their contacts and, if there is one, the conversation in progress. */
  async onHomeOpened(client: WebClient, inbound: Extract<Inbound, { kind: 'event' }>): Promise<void> {
    const { event } = inbound;
    if (event.type !== 'app_home_opened' || (event.tab !== undefined && event.tab !== 'home')) return;
    const person = { team: inbound.team, user: event.user };
    const current = await this.deps.conversations.peek(conversationIdOf(person), this.now());
    try {
      await client.views.publish({ user_id: event.user, view: homeView({ areas: this.deps.areas, inProgress: current?.view ?? null }) });
    } catch (e) {
      this.deps.log.warn({ event: inbound.eventId, err: describeSlackError(e) }, 'slack: home tab not published');
    }
  }

  // ---- Slash command ----

  /**
   * `/cse`, `/cse toolkit`, `/cse contacts`, `/cse help` … In the bot's DM it is typed text; anywhere else the
   * person gets an ephemeral pointer there and the procedure (or the command) in their DM.
   */
  async onCommand(client: WebClient, ack: Ack, respond: RespondFn | undefined, command: SlashCommand, key: string): Promise<void> {
    await ack();
    const person = { team: command.team_id, user: command.user_id };
    const text = command.text.trim();
    const dm = await this.openDm(client, person);
    if (!dm) {
      await this.ephemeral(client, command.channel_id, person.user, noticeMessage(NO_PRIVATE_CHAT), respond);
      return;
    }
    if (command.channel_id === dm) {
      const outcome = await this.turn(person, dm, key, text ? { type: 'text', text } : { type: 'open' });
      if (outcome.status === 'reply') await this.post(client, dm, viewMessage(outcome.result.view, outcome.result.notice));
      return;
    }
    // Outside the DM only a command word is acted on (contacts, help, emergency …); other text is not an answer.
    const word = commandOf(text);
    const input: Input | { type: 'open' } = typeof word === 'string' ? { type: 'command', command: word } : { type: 'open' };
    await this.continueInDm(client, person, key, input, { channel: command.channel_id, respond }, dm);
  }

  // ---- Interactivity ----

  /** A button (or select) in a message or the App Home. */
  async onBlockAction(client: WebClient, ack: Ack, payload: BlockActions, key: string): Promise<void> {
    await ack();
    const { log } = this.deps;
    const first = payload.actions[0]!;
    const action = parseBlockAction(first, payload.state);
    const team = teamOf(payload);
    if (!action || !team) {
      // A manager picked in the users_select, or something not ours: nothing to do.
      log.debug({ action: first.action_id.slice(0, 60) }, 'slack: action ignored');
      return;
    }
    const person = { team, user: payload.user.id };
    const container = payload.container;
    const message: Posted | null = container?.type === 'message' && container.channel_id && container.message_ts ? { channel: container.channel_id, ts: container.message_ts } : null;
    if (message && !isDm(message.channel)) {
      // Nothing interactive is ever posted in a channel; a click from one is not acted on.
      log.warn({ action: action.kind }, 'slack: action outside a direct message ignored');
      return;
    }
    log.info({ action: action.kind, user: userIdOf(person) }, 'slack: action');
    switch (action.kind) {
      case 'open-checklist':
      case 'open-case-ref':
        await this.openModal(client, payload.trigger_id, person, action, message);
        return;
      case 'answer': {
        const dm = message?.channel ?? (await this.openDm(client, person));
        if (!dm) return;
        await this.answer(client, person, dm, key, action.ref, action.value, message);
        return;
      }
      case 'command':
      case 'start': {
        const dm = message?.channel ?? (await this.openDm(client, person));
        if (!dm) return;
        // Start (App Home) starts afresh; the Home's "Carry on" button is the resume command.
        const input: Input = { type: 'command', command: action.kind === 'start' ? 'restart' : action.command };
        const outcome = await this.turn(person, dm, key, input);
        if (outcome.status === 'reply') await this.post(client, dm, viewMessage(outcome.result.view, outcome.result.notice));
        return;
      }
      case 'send-summary': {
        const dm = message?.channel ?? (await this.openDm(client, person));
        if (!dm) return;
        await this.sendSummary(client, person, dm, key, action.ref, action.manager);
        return;
      }
      case 'acknowledge':
        await this.acknowledge(client, person, action.notification, message);
        return;
    }
  }

  /**
   * A checklist or case-reference modal submitted. The turn is a local transaction, so it runs before the ack:
   * a case reference the engine refuses is shown on the modal's input (`response_action: errors`) while the modal
   * is still open. Anything else closes the modal and goes on in the DM.
   */
  async onViewSubmission(client: WebClient, ack: Ack, payload: ViewSubmission, key: string): Promise<void> {
    const started = Date.now();
    const { log } = this.deps;
    const team = teamOf(payload);
    const view = payload.view;
    const submitted = parseModalSubmission({
      callback_id: view.callback_id ?? '',
      private_metadata: view.private_metadata ?? '',
      state: view.state ?? { values: {} },
    });
    if (!submitted || !team) {
      await ack();
      log.warn({ callback: view.callback_id?.slice(0, 60) }, 'slack: modal submission not understood');
      return;
    }
    const person = { team, user: payload.user.id };
    const origin = originOf(view.external_id);
    const dm = origin?.channel ?? (await this.openDm(client, person));
    const outcome = await this.turn(person, dm, key, { type: 'answer', ref: submitted.ref, value: submitted.value });
    const { result } = outcome.status === 'reply' ? outcome : { result: null };
    if (
      result?.error?.code === 'invalid_answer' &&
      view.callback_id === CALLBACK.caseRef &&
      outcome.status === 'reply' &&
      !outcome.isNew &&
      Date.now() - started < MODAL_ERRORS_WITHIN_MS
    ) {
      await ack({ response_action: 'errors', errors: { [CASE_REF_BLOCK]: result.error.message.slice(0, 150) } });
      return;
    }
    await ack();
    if (!dm) return;
    await this.afterAnswer(client, person, dm, outcome, submitted.ref, submitted.value, origin);
  }

  // ---- The pieces ----

  private async answer(client: WebClient, person: SlackPerson, dm: string, key: string, ref: string, value: string | string[], message: Posted | null): Promise<void> {
    const outcome = await this.turn(person, dm, key, { type: 'answer', ref, value });
    await this.afterAnswer(client, person, dm, outcome, ref, value, message);
  }

  /** Renders an answer's outcome: the answered message replaced in place and the next view posted, or why not. */
  private async afterAnswer(
    client: WebClient,
    person: SlackPerson,
    dm: string,
    outcome: TurnOutcome,
    ref: string,
    value: string | string[],
    message: Posted | null,
  ): Promise<void> {
    if (outcome.status === 'duplicate') return;
    const { result } = outcome;
    if (outcome.isNew) {
      // The conversation was removed (SESSION_TTL_DAYS) since the question was asked: say so and start again.
      await this.post(client, dm, viewMessage(result.view, result.notice));
      return;
    }
    if (result.error?.code === 'stale_answer') {
      await this.ephemeral(client, dm, person.user, noticeMessage(ALREADY_ANSWERED_NOTICE));
      return;
    }
    if (result.error) {
      const notice = result.notice ?? errorNotice(result);
      if (message) await this.update(client, message, viewMessage(result.view, notice));
      else await this.post(client, dm, viewMessage(result.view, notice));
      return;
    }
    if (message) {
      // The view the click was judged against becomes the answered message.
      const previous = outcome.previous?.ref === ref ? outcome.previous : null;
      const answered = previous ? answeredMessage(previous, answerLabel(previous, value)) : noticeMessage({ kind: 'info', title: 'Answer recorded.', lines: [] });
      await this.update(client, message, answered);
    }
    await this.post(client, dm, viewMessage(result.view, result.notice));
  }

  /**
   * Opens the checklist or case-reference modal. The trigger id expires 3 s after the click, so the only work before
   * views.open is reading the current view (one local read) to render it from.
   */
  private async openModal(
    client: WebClient,
    triggerId: string,
    person: SlackPerson,
    action: Extract<SlackAction, { kind: 'open-checklist' | 'open-case-ref' }>,
    message: Posted | null,
  ): Promise<void> {
    const current = await this.deps.conversations.peek(conversationIdOf(person), this.now());
    const view = current?.view;
    const wanted = action.kind === 'open-checklist' ? 'checklist' : 'case-reference';
    if (!view || view.ref !== action.ref || view.kind !== wanted) {
      if (message) await this.ephemeral(client, message.channel, person.user, noticeMessage(ALREADY_ANSWERED_NOTICE));
      return;
    }
    const modal = view.kind === 'checklist' ? checklistModal(view) : caseRefModal(view);
    const withOrigin = message ? { ...modal, external_id: originId(message, triggerId.slice(-12)) } : modal;
    try {
      await client.views.open({ trigger_id: triggerId, view: withOrigin });
    } catch (e) {
      this.deps.log.warn({ err: describeSlackError(e) }, 'slack: modal not opened');
      if (message) {
        const notice: Notice = { kind: 'error', title: 'The form could not be opened in time. Please press the button again.', lines: [] };
        await this.ephemeral(client, message.channel, person.user, noticeMessage(notice));
      }
    }
  }

  private async sendSummary(client: WebClient, person: SlackPerson, dm: string, key: string, ref: string, manager: string): Promise<void> {
    const input: Input = { type: 'send-summary', ref, manager: { id: userIdOf({ team: person.team, user: manager }) } };
    const outcome = await this.turn(person, dm, key, input);
    if (outcome.status === 'duplicate') return;
    const { result } = outcome;
    const notice = result.notice ?? { kind: result.error ? 'error' : 'info', title: result.error?.message ?? 'Done.', lines: [] };
    if (outcome.isNew) {
      await this.post(client, dm, viewMessage(result.view, notice));
      return;
    }
    // An error (an old outcome message, no outcome yet) leaves the messages alone and says why, to the person only.
    if (result.error) await this.ephemeral(client, dm, person.user, noticeMessage(notice));
    else await this.post(client, dm, noticeMessage(notice));
  }

  private async acknowledge(client: WebClient, person: SlackPerson, notificationId: string, message: Posted | null): Promise<void> {
    const { conversations, log } = this.deps;
    const status = await conversations.acknowledge(notificationId, userIdOf(person), this.now());
    if (status === 'unknown') {
      if (message) await this.ephemeral(client, message.channel, person.user, noticeMessage(NOT_SENT_TO_YOU));
      return;
    }
    if (status === 'acknowledged') this.deps.onQueued?.();
    log.info({ notification: notificationId, status }, 'slack: summary acknowledged');
    const n = await conversations.getNotification(notificationId);
    if (!n || !message) return;
    await this.update(client, message, managerSummaryMessage(n.summary, n.id, raisedByOf(n.sender), n.raisedAt, n.acknowledgedAt ?? this.now()));
  }

  /**
   * Runs a turn for someone who reached the bot outside its DM and posts the result in the DM; the place they came
   * from then gets the ephemeral pointer (unless this was a redelivery).
   */
  private async continueInDm(
    client: WebClient,
    person: SlackPerson,
    key: string,
    input: TurnRequest['input'],
    from: { channel: string; respond?: RespondFn | undefined },
    knownDm?: string,
  ): Promise<void> {
    const dm = knownDm ?? (await this.openDm(client, person));
    if (!dm) {
      await this.ephemeral(client, from.channel, person.user, noticeMessage(NO_PRIVATE_CHAT), from.respond);
      return;
    }
    const outcome = await this.turn(person, dm, key, input);
    if (outcome.status === 'duplicate') return;
    await this.post(client, dm, viewMessage(outcome.result.view, outcome.result.notice));
    await this.ephemeral(client, from.channel, person.user, { text: channelPointerText() }, from.respond);
  }

  /** The bot's DM with a person (conversations.open returns the existing one); null when it cannot be opened. */
  private async openDm(client: WebClient, person: SlackPerson): Promise<string | null> {
    try {
      const opened = await client.conversations.open({ users: person.user });
      return opened.channel?.id ?? null;
    } catch (e) {
      this.deps.log.warn({ user: userIdOf(person), err: describeSlackError(e) }, 'slack: could not open a direct message');
      return null;
    }
  }

  /** Posts in a DM; once the turn is stored a failed post is logged, not retried (a redelivery is a duplicate). */
  private async post(client: WebClient, channel: string, message: Message): Promise<void> {
    try {
      await client.chat.postMessage({ channel, text: message.text, ...(message.blocks && { blocks: message.blocks }) });
    } catch (e) {
      this.deps.log.error({ channel, err: describeSlackError(e) }, 'slack: reply failed');
    }
  }

  private async update(client: WebClient, at: Posted, message: Message): Promise<void> {
    try {
      await client.chat.update({ channel: at.channel, ts: at.ts, text: message.text, ...(message.blocks && { blocks: message.blocks }) });
    } catch (e) {
      this.deps.log.warn({ channel: at.channel, err: describeSlackError(e) }, 'slack: message update failed');
    }
  }

  /**
   * A message only this person sees. chat.postEphemeral needs the bot in the channel; for a slash command in a
   * channel it is not in, the command's response_url (ephemeral by default) carries it instead.
   */
  private async ephemeral(client: WebClient, channel: string, user: string, message: Message, respond?: RespondFn): Promise<void> {
    try {
      await client.chat.postEphemeral({ channel, user, text: message.text, ...(message.blocks && { blocks: message.blocks }) });
      return;
    } catch (e) {
      const code = platformError(e);
      if (!respond || (code !== 'not_in_channel' && code !== 'channel_not_found')) {
        this.deps.log.warn({ channel, err: describeSlackError(e) }, 'slack: ephemeral message failed');
        return;
      }
    }
    try {
      await respond({ response_type: 'ephemeral', text: message.text, ...(message.blocks && { blocks: message.blocks }) });
    } catch (e) {
      this.deps.log.warn({ channel, err: describeSlackError(e) }, 'slack: ephemeral response failed');
    }
  }
}

function errorNotice(result: StepResult): Notice {
  return { kind: 'error', title: result.error?.message ?? 'That did not work.', lines: [] };
}

const contextInbound = (context: Record<string, unknown>): Inbound | null => {
  const inbound = context.inbound as Inbound | undefined;
  return inbound && typeof inbound === 'object' && 'kind' in inbound ? inbound : null;
};

/**
 * The Bolt app over our receiver. No token check at start or per request (a static `authorize` hands Bolt the bot
 * token), so start-up never calls Slack and an unreachable Slack cannot crash it. Bolt's own filters are off:
 * ignoreSelf needs the bot's ids from auth.test, and the handlers drop bot messages themselves.
 */
export function createSlackApp(receiver: RestifyReceiver, deps: SlackBotDeps): SlackBot {
  const { log } = deps;
  const bot = new SlackBot(deps);
  const app = new App({
    receiver,
    authorize: () => Promise.resolve({ botToken: deps.token }),
    ignoreSelf: false,
    convoStore: false,
    logger: sdkLogger(log),
    logLevel: LogLevel.WARN,
    clientOptions: turnClientOptions(deps.apiUrl, log),
  });
  app.error((e) => {
    log.error({ err: describeSlackError(e.original ?? e), code: e.code }, 'slack: listener failed');
    return Promise.resolve();
  });
  app.event('message', async ({ context, client }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'event') await bot.onDirectMessage(client, inbound);
  });
  app.event('app_mention', async ({ context, client }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'event') await bot.onMention(client, inbound);
  });
  app.event('app_home_opened', async ({ context, client }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'event') await bot.onHomeOpened(client, inbound);
  });
  // The manifest declares one command (/cse); whatever name a workspace gives it, it arrives here.
  app.command(/^\//, async ({ context, client, ack, respond }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'command') await bot.onCommand(client, ack, respond, inbound.command, inbound.key);
    else await ack();
  });
  app.action(/.*/, async ({ context, client, ack }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'block_actions') await bot.onBlockAction(client, ack as Ack, inbound.payload, inbound.key);
    else await ack();
  });
  app.view({ type: 'view_submission', callback_id: new RegExp(`^(${CALLBACK.checklist}|${CALLBACK.caseRef})$`) }, async ({ context, client, ack }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'view_submission') await bot.onViewSubmission(client, ack as Ack, inbound.payload, inbound.key);
    else await ack();
  });
  return bot;
}
