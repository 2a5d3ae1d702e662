/**
 * One Slack turn: what a person did (a DM, /cse, an @mention, a click, a modal, the App Home) becomes a conversation
 * input, runs through the ConversationService, and the result is rendered with Block Kit in their direct message
 * with the bot. Views, answers and summaries only ever go to a DM; a channel gets an ephemeral pointer and nothing
 * else. Every handler acks first (Slack gives 3 s), except where the ack itself carries the answer.
 */
import { App, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ConversationService, JudgedTurn, TurnOutcome, TurnRequest } from '../../conversation/conversation-service';
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
} from './blocks';
import { describeSlackError, sdkLogger, turnClientOptions, type WebClient } from './slack-client';
import { ephemeral, post, trustedResponseUrl, update, type SlackReply } from './slack-reply';
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
}

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

  /**
   * Runs a turn whose messages (`reply`, decided from the judged turn) are stored with it and sent by the outbox
   * right after the commit, retried until Slack takes them.
   */
  private async turn(person: SlackPerson, dmChannel: string | null, inboundKey: string, input: TurnRequest['input'], reply: (turn: JudgedTurn) => SlackReply[], response?: (turn: JudgedTurn) => unknown): Promise<TurnOutcome> {
    const address: SlackAddress = { team: person.team, user: person.user, dmChannel };
    const outcome = await this.deps.conversations.handle({
      conversationId: conversationIdOf(person),
      channel: 'slack',
      userId: userIdOf(person),
      address,
      inboundKey,
      input,
      now: this.now(),
      reply: (turn) => {
        const answer = response?.(turn);
        return { messages: reply(turn).map((payload) => ({ payload })), ...(answer !== undefined && { response: answer }) };
      },
    });
    return outcome;
  }

  /** Messages that answer no turn (a click that opens nothing, an acknowledgement): through the outbox too. */
  private say(person: SlackPerson, replies: SlackReply[], lane?: string): Promise<void> {
    return this.deps.conversations.sendOutsideTurn({
      conversationId: lane ?? conversationIdOf(person),
      channel: 'slack',
      recipient: userIdOf(person),
      messages: replies.map((payload) => ({ payload })),
      now: this.now(),
    });
  }

  // ---- Events ----

  /** A direct message to the bot: starts or continues the procedure there. */
  async onDirectMessage(_client: WebClient, inbound: Extract<Inbound, { kind: 'event' }>): Promise<void> {
    const { event } = inbound;
    if (event.type !== 'message') return;
    // Only what a person typed in the bot's DM: not the bot's own posts, edits, joins or other subtypes.
    if (event.channel_type !== 'im' || event.subtype !== undefined || event.bot_id !== undefined || !event.user) return;
    const person = { team: inbound.team, user: event.user };
    const text = (event.text ?? '').trim();
    const dm = event.channel;
    await this.turn(person, dm, inbound.key, text ? { type: 'text', text } : { type: 'open' }, ({ result }) => [post(dm, viewMessage(result.view, result.notice))]);
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
    await this.continueInDm(client, person, inbound.key, command === 'emergency' ? { type: 'command', command } : { type: 'open' }, { channel: event.channel, responseUrl: null });
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
  async onCommand(client: WebClient, ack: Ack, command: SlashCommand, key: string): Promise<void> {
    await ack();
    const person = { team: command.team_id, user: command.user_id };
    const text = command.text.trim();
    const responseUrl = trustedResponseUrl(command.response_url, this.deps.apiUrl);
    const dm = await this.openDm(client, person);
    if (!dm) {
      await this.say(person, [ephemeral(command.channel_id, person.user, noticeMessage(NO_PRIVATE_CHAT), responseUrl)]);
      return;
    }
    if (command.channel_id === dm) {
      await this.turn(person, dm, key, text ? { type: 'text', text } : { type: 'open' }, ({ result }) => [post(dm, viewMessage(result.view, result.notice))]);
      return;
    }
    // Outside the DM only a command word is acted on (contacts, help, emergency …); other text is not an answer.
    const word = commandOf(text);
    const input: Input | { type: 'open' } = typeof word === 'string' ? { type: 'command', command: word } : { type: 'open' };
    await this.continueInDm(client, person, key, input, { channel: command.channel_id, responseUrl }, dm);
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
        const { ref, value } = action;
        await this.turn(person, dm, key, { type: 'answer', ref, value }, (turn) => afterAnswer(turn, person, dm, ref, value, message));
        return;
      }
      case 'command':
      case 'start': {
        const dm = message?.channel ?? (await this.openDm(client, person));
        if (!dm) return;
        // Start (App Home) starts afresh; the Home's "Carry on" button is the resume command.
        const input: Input = { type: 'command', command: action.kind === 'start' ? 'restart' : action.command };
        await this.turn(person, dm, key, input, ({ result }) => [post(dm, viewMessage(result.view, result.notice))]);
        return;
      }
      case 'send-summary': {
        const dm = message?.channel ?? (await this.openDm(client, person));
        if (!dm) return;
        const input: Input = { type: 'send-summary', ref: action.ref, manager: { id: userIdOf({ team: person.team, user: action.manager }) } };
        await this.turn(person, dm, key, input, (turn) => summarySent(turn, person, dm));
        return;
      }
      case 'acknowledge':
        await this.acknowledge(person, action.notification, message);
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
    // A refused case reference is shown on the still-open modal, if the ack can still carry it; then nothing is
    // posted. Decided inside the turn, so what is stored is what happened.
    const onModal = (turn: JudgedTurn): string | null =>
      turn.result.error?.code === 'invalid_answer' && view.callback_id === CALLBACK.caseRef && !turn.isNew && Date.now() - started < MODAL_ERRORS_WITHIN_MS ? turn.result.error.message.slice(0, 150) : null;
    const outcome = await this.turn(
      person,
      dm,
      key,
      { type: 'answer', ref: submitted.ref, value: submitted.value },
      (turn) => (onModal(turn) !== null || !dm ? [] : afterAnswer(turn, person, dm, submitted.ref, submitted.value, origin)),
      (turn) => {
        const error = onModal(turn);
        return error === null ? undefined : { response_action: 'errors', errors: { [CASE_REF_BLOCK]: error } };
      },
    );
    const response = outcome.response as Record<string, unknown> | null;
    await ack(response ?? undefined);
  }

  // ---- The pieces ----

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
      if (message) await this.say(person, [ephemeral(message.channel, person.user, noticeMessage(ALREADY_ANSWERED_NOTICE))]);
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
        await this.say(person, [ephemeral(message.channel, person.user, noticeMessage(notice))]);
      }
    }
  }

  private async acknowledge(person: SlackPerson, notificationId: string, message: Posted | null): Promise<void> {
    const { conversations, log } = this.deps;
    const status = await conversations.acknowledge(notificationId, userIdOf(person), this.now());
    if (status === 'unknown') {
      if (message) await this.say(person, [ephemeral(message.channel, person.user, noticeMessage(NOT_SENT_TO_YOU))]);
      return;
    }
    log.info({ notification: notificationId, status }, 'slack: summary acknowledged');
    const n = await conversations.getNotification(notificationId);
    if (!n || !message) return;
    await this.say(person, [update(message, managerSummaryMessage(n.summary, n.id, raisedByOf(n.sender), n.raisedAt, n.acknowledgedAt ?? this.now()))]);
  }

  /**
   * Runs a turn for someone who reached the bot outside its DM and posts the result in the DM; the place they came
   * from then gets the ephemeral pointer. Both are the turn's messages, so a redelivery sends neither again.
   */
  private async continueInDm(
    client: WebClient,
    person: SlackPerson,
    key: string,
    input: TurnRequest['input'],
    from: { channel: string; responseUrl: string | null },
    knownDm?: string,
  ): Promise<void> {
    const dm = knownDm ?? (await this.openDm(client, person));
    if (!dm) {
      await this.say(person, [ephemeral(from.channel, person.user, noticeMessage(NO_PRIVATE_CHAT), from.responseUrl)]);
      return;
    }
    await this.turn(person, dm, key, input, ({ result }) => [post(dm, viewMessage(result.view, result.notice)), ephemeral(from.channel, person.user, { text: channelPointerText() }, from.responseUrl)]);
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
}

/** What an answer's turn says: the answered message replaced in place and the next view posted, or why not. Pure. */
function afterAnswer(turn: JudgedTurn, person: SlackPerson, dm: string, ref: string, value: string | string[], message: Posted | null): SlackReply[] {
  const { result } = turn;
  // The conversation was removed (SESSION_TTL_DAYS) since the question was asked: say so and start again.
  if (turn.isNew) return [post(dm, viewMessage(result.view, result.notice))];
  if (result.error?.code === 'stale_answer') return [ephemeral(dm, person.user, noticeMessage(ALREADY_ANSWERED_NOTICE))];
  if (result.error) {
    const shown = viewMessage(result.view, result.notice ?? errorNotice(result));
    return [message ? update(message, shown) : post(dm, shown)];
  }
  const replies: SlackReply[] = [];
  if (message) {
    // The view the click was judged against becomes the answered message.
    const previous = turn.previous?.ref === ref ? turn.previous : null;
    replies.push(update(message, previous ? answeredMessage(previous, answerLabel(previous, value)) : noticeMessage({ kind: 'info', title: 'Answer recorded.', lines: [] })));
  }
  replies.push(post(dm, viewMessage(result.view, result.notice)));
  return replies;
}

/** What pressing "Send summary" says. Pure. */
function summarySent(turn: JudgedTurn, person: SlackPerson, dm: string): SlackReply[] {
  const { result } = turn;
  const notice = result.notice ?? { kind: result.error ? 'error' : 'info', title: result.error?.message ?? 'Done.', lines: [] };
  if (turn.isNew) return [post(dm, viewMessage(result.view, notice))];
  // An error (an old outcome message, no outcome yet) leaves the messages alone and says why, to the person only.
  return [result.error ? ephemeral(dm, person.user, noticeMessage(notice)) : post(dm, noticeMessage(notice))];
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
  app.command(/^\//, async ({ context, client, ack }) => {
    const inbound = contextInbound(context);
    if (inbound?.kind === 'command') await bot.onCommand(client, ack, inbound.command, inbound.key);
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
