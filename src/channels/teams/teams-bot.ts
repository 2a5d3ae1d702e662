/**
 * One Teams turn: parse what the person did into a conversation input, run it through the ConversationService, and
 * render the result as Adaptive Cards. Views, answers and summaries only ever go to a personal (1:1) chat; a channel
 * or group chat gets a pointer card and nothing else.
 */
import type { ConversationParameters } from 'botbuilder';
import type { Logger } from 'pino';
import type { ConversationService, JudgedTurn, ReplyMessage, TurnOutcome, TurnRequest } from '../../conversation/conversation-service';
import { answerLabel, commandOf, type Input, type Notice, type StepResult } from '../../engine';
import {
  answeredCard,
  channelPointerCard,
  managerSummaryCard,
  noticeCard,
  parseCardAction,
  viewCard,
  type AdaptiveCard,
  type CardAction,
} from './cards';
import { addressOf, executeData, messageText, scopeOf, tenantOf, userIdOf, type TeamsActivity, type TeamsAddress } from './teams-activity';
import type { TeamsConnection } from './teams-connection';
import { sendCard, updateCard } from './teams-reply';

export interface TeamsBotDeps {
  connection: TeamsConnection;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
}

/** An HTTP answer for the channel service; for an invoke its body is the invoke response. */
export interface HttpReply {
  status: number;
  body?: unknown;
}

/** What a card click leads to: shared by Action.Execute (invoke) and Action.Submit (message) clicks. */
export interface ClickOutcome {
  /** Replaces the clicked card (answered, refreshed with an error, or a polite notice). */
  replace?: AdaptiveCard;
  /** When the card stays as it is: a short confirmation (Teams shows it under the card for Execute). */
  toast?: string;
  /** New messages, sent after the click is answered. */
  send: AdaptiveCard[];
}

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const ALREADY_ANSWERED: Notice = { kind: 'info', title: 'That question was already answered.', lines: ['Your current step is further down this chat.'] };
const NOT_HERE: Notice = {
  kind: 'info',
  title: 'I only go through the procedure in a private chat.',
  lines: ['Open a chat with me, or mention me here and I will message you privately.'],
};
const NO_PRIVATE_CHAT: Notice = {
  kind: 'error',
  title: 'I could not open a private chat with you.',
  lines: ['Open a chat with me from the Apps list in Teams, then say "start".'],
};



/** Names never reach the store: the manager sees the sender's Teams id, which they can look up in their directory. */
export function raisedByOf(senderId: string | null): string {
  return senderId ? `a colleague (Teams user ${senderId})` : 'a colleague';
}

/** Only ids and error class names go to the logs: an SDK error message can quote a request body. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return typeof e;
  const status = (e as { statusCode?: unknown }).statusCode;
  const code = (e as { code?: unknown }).code;
  return [e.name, typeof status === 'number' ? status : null, typeof code === 'string' && /^[\w.-]{1,60}$/.test(code) ? code : null].filter((x) => x !== null).join(' ');
}

/** The turn logic, run once the request is authenticated. */
export class TeamsBot {
  constructor(private readonly deps: TeamsBotDeps) {}

  /**
   * Handles one activity. `respond` answers the HTTP request once the turn is stored: for an invoke with the card
   * that replaces the clicked one, otherwise 200. What the bot says goes to the outbox with the turn and is sent
   * after it (see ConversationService), so a failed or slow send is retried and never holds the request.
   */
  async onTurn(activity: TeamsActivity, respond: (reply: HttpReply) => void): Promise<void> {
    if (activity.type === 'message') {
      if (scopeOf(activity) === 'shared') await this.pointToPrivateChat(activity);
      else await this.onPersonalMessage(activity);
      respond({ status: 200 });
      return;
    }
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') {
      await this.onExecute(activity, respond);
      return;
    }
    // conversationUpdate, installationUpdate, typing, reactions, other invokes: nothing to do.
    respond({ status: 200, body: activity.type === 'invoke' ? {} : undefined });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }

  private request(activity: TeamsActivity, input: TurnRequest['input'], reply: TurnRequest['reply']): TurnRequest {
    return {
      conversationId: `teams:${activity.conversation.id}`,
      channel: 'teams',
      userId: userIdOf(activity.from),
      address: addressOf(activity),
      inboundKey: `teams:${activity.id}`,
      input,
      now: this.now(),
      reply,
    };
  }

  private handle(request: TurnRequest): Promise<TurnOutcome> {
    return this.deps.conversations.handle(request);
  }

  private async onPersonalMessage(activity: TeamsActivity): Promise<void> {
    if (activity.value !== undefined && activity.value !== null) {
      const action = parseCardAction(activity.value);
      if (action) {
        await this.onSubmit(activity, action);
        return;
      }
    }
    const text = messageText(activity);
    const address = addressOf(activity);
    await this.handle(
      this.request(activity, text ? { type: 'text', text } : { type: 'open' }, ({ result }) => ({ messages: [{ payload: sendCard(address, viewCard(result.view, result.notice)) }] })),
    );
  }

  /** Action.Execute: the invoke response replaces the clicked card; the next view follows as a new message. */
  private async onExecute(activity: TeamsActivity, respond: (reply: HttpReply) => void): Promise<void> {
    if (scopeOf(activity) === 'shared') {
      respond(messageResponse(NOT_HERE.title));
      return;
    }
    const data = executeData(activity);
    const action = data ? parseCardAction(data) : null;
    if (!action) {
      this.deps.log.warn({ activity: activity.id, conversation: activity.conversation.id }, 'teams: unrecognised card action');
      respond({ status: 200, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'That button is not one of mine.' } } });
      return;
    }
    this.deps.log.info({ activity: activity.id, conversation: activity.conversation.id, verb: action.verb }, 'teams: card action');
    if (action.verb === 'acknowledge') {
      const ack = await this.acknowledge(activity, action.notification);
      respond(ack.replace ? cardResponse(ack.replace) : messageResponse(ack.toast ?? 'Done.'));
      return;
    }
    const address = addressOf(activity);
    const outcome = await this.handle(
      this.request(activity, inputOf(action), (turn) => {
        const click = judgeClick(action, turn);
        return {
          response: click.replace ? cardResponse(click.replace) : messageResponse(click.toast ?? 'Done.'),
          messages: click.send.map((card) => ({ payload: sendCard(address, card) })),
        };
      }),
    );
    // A redelivered click gets the answer the first one got, so the card shows what was recorded.
    respond((outcome.response as HttpReply | null) ?? duplicateResponse(action));
  }

  /** Action.Submit (the fallback for clients without Universal Actions): same outcome, the old card is updated by id. */
  private async onSubmit(activity: TeamsActivity, action: CardAction): Promise<void> {
    this.deps.log.info({ activity: activity.id, conversation: activity.conversation.id, verb: action.verb }, 'teams: card action');
    const address = addressOf(activity);
    if (action.verb === 'acknowledge') {
      const ack = await this.acknowledge(activity, action.notification);
      const card = ack.replace ?? noticeCard({ kind: 'info', title: ack.toast ?? 'Done.', lines: [] });
      const payload = ack.replace && activity.replyToId ? updateCard(address, activity.replyToId, card) : sendCard(address, card);
      await this.deps.conversations.sendOutsideTurn({ conversationId: `teams:${activity.conversation.id}`, channel: 'teams', recipient: userIdOf(activity.from), messages: [{ payload }], now: this.now() });
      return;
    }
    await this.handle(
      this.request(activity, inputOf(action), (turn) => {
        const click = judgeClick(action, turn);
        const messages: ReplyMessage[] = [];
        if (click.replace) messages.push({ payload: activity.replyToId ? updateCard(address, activity.replyToId, click.replace) : sendCard(address, click.replace) });
        else if (click.send.length === 0 && click.toast) messages.push({ payload: sendCard(address, noticeCard({ kind: 'info', title: click.toast, lines: [] })) });
        for (const card of click.send) messages.push({ payload: sendCard(address, card) });
        return { messages };
      }),
    );
  }

  private async acknowledge(activity: TeamsActivity, notificationId: string): Promise<ClickOutcome> {
    const { conversations, log } = this.deps;
    const managerId = userIdOf(activity.from);
    const status = await conversations.acknowledge(notificationId, managerId, this.now());
    if (status === 'unknown') return { toast: 'That summary was not sent to you.', send: [] };
    const notification = await conversations.getNotification(notificationId);
    if (!notification) return { toast: 'Acknowledged.', send: [] };
    log.info({ notification: notificationId, status }, 'teams: summary acknowledged');
    return {
      replace: managerSummaryCard(notification.summary, notification.id, raisedByOf(notification.sender), notification.raisedAt, notification.acknowledgedAt ?? this.now()),
      send: [],
    };
  }

  /**
   * A mention in a channel or group chat: open a 1:1 chat with the person, start (or show) the procedure there, and
   * say so in the thread with the pointer card, which names nothing about the child. Both messages are the turn's.
   */
  private async pointToPrivateChat(activity: TeamsActivity): Promise<void> {
    const { connection, log } = this.deps;
    const here = addressOf(activity);
    const tenantId = tenantOf(activity);
    const noPrivateChat = () =>
      this.deps.conversations.sendOutsideTurn({
        conversationId: `teams:${activity.conversation.id}`,
        channel: 'teams',
        recipient: userIdOf(activity.from),
        messages: [{ payload: sendCard(here, noticeCard(NO_PRIVATE_CHAT), activity.id) }],
        now: this.now(),
      });
    if (!tenantId) {
      await noPrivateChat();
      return;
    }
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: activity.recipient.id, name: '' },
      members: [{ id: activity.from.id, name: '' }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    let personalId: string;
    try {
      personalId = await connection.outbound.createConversation(activity.serviceUrl, parameters);
    } catch (e) {
      log.warn({ activity: activity.id, conversation: activity.conversation.id, err: describeError(e) }, 'teams: could not open a private chat');
      await noPrivateChat();
      return;
    }
    const address: TeamsAddress = {
      channelId: activity.channelId,
      serviceUrl: activity.serviceUrl,
      tenantId,
      conversation: { id: personalId, conversationType: 'personal', tenantId },
      bot: { id: activity.recipient.id },
      user: { id: activity.from.id, ...(activity.from.aadObjectId !== undefined && { aadObjectId: activity.from.aadObjectId }) },
    };
    await this.handle({
      conversationId: `teams:${personalId}`,
      channel: 'teams',
      userId: userIdOf(activity.from),
      address,
      inboundKey: `teams:${activity.id}`,
      // Only an emergency is acted on from what was said in the channel; anything else opens where they are.
      input: commandOf(messageText(activity)) === 'emergency' ? { type: 'command', command: 'emergency' } : { type: 'open' },
      now: this.now(),
      reply: ({ result }) => ({
        messages: [
          { payload: sendCard(address, viewCard(result.view, result.notice)) },
          { payload: sendCard(here, channelPointerCard(), activity.id), lane: `teams:${activity.conversation.id}` },
        ],
      }),
    });
  }
}

/** The conversation input of a card click (acknowledge is not a turn). */
export function inputOf(action: Exclude<CardAction, { verb: 'acknowledge' }>): Input {
  switch (action.verb) {
    case 'answer':
      return { type: 'answer', ref: action.ref, value: action.value };
    case 'command':
      return { type: 'command', command: action.command };
    case 'send-summary':
      return { type: 'send-summary', ref: action.ref, manager: { id: action.manager } };
  }
}

/** What a click's turn leads to: shared by Action.Execute (invoke) and Action.Submit (message) clicks. Pure. */
export function judgeClick(action: Exclude<CardAction, { verb: 'acknowledge' }>, turn: JudgedTurn): ClickOutcome {
  const { result } = turn;
  switch (action.verb) {
    case 'answer': {
      // A click on a card of a conversation that no longer exists (removed after SESSION_TTL_DAYS) started a new one.
      if (turn.isNew) return { replace: noticeCard(result.notice ?? ALREADY_ANSWERED), send: [viewCard(result.view)] };
      if (result.error?.code === 'stale_answer') {
        // Two clicks on one card: the card shows the answer that was recorded, whichever click lost.
        const { recorded } = turn;
        return { replace: recorded ? answeredCard(recorded.view, answerLabel(recorded.view, recorded.value)) : noticeCard(ALREADY_ANSWERED), send: [] };
      }
      if (result.error) return { replace: viewCard(result.view, result.notice ?? errorNotice(result)), send: [] };
      // The view the click was judged against becomes the answered card.
      const previous = turn.previous?.ref === action.ref ? turn.previous : null;
      const replace = previous ? answeredCard(previous, answerLabel(previous, action.value)) : noticeCard({ kind: 'info', title: 'Answer recorded.', lines: [] });
      return { replace, send: [viewCard(result.view, result.notice)] };
    }
    case 'command':
      return { toast: result.notice?.title ?? 'Done.', send: [viewCard(result.view, result.notice)] };
    case 'send-summary': {
      const notice = result.notice ?? { kind: result.error ? 'error' : 'info', title: result.error?.message ?? 'Done.', lines: [] };
      // An error (an old outcome card, no outcome yet) leaves the card alone and says why; a click that started a
      // new conversation (the old one was removed) also shows where to start.
      if (result.error) return { toast: notice.title, send: turn.isNew ? [viewCard(result.view, notice)] : [] };
      return { toast: notice.title, send: [noticeCard(notice)] };
    }
  }
}

/** A redelivered click whose first answer is no longer kept. */
function duplicateResponse(action: CardAction): HttpReply {
  if (action.verb === 'answer') return cardResponse(noticeCard(ALREADY_ANSWERED));
  return messageResponse(action.verb === 'send-summary' ? 'Already sent.' : 'Already done.');
}

function errorNotice(result: StepResult): Notice {
  return { kind: 'error', title: result.error?.message ?? 'That did not work.', lines: [] };
}

function cardResponse(card: AdaptiveCard): HttpReply {
  return { status: 200, body: { statusCode: 200, type: ADAPTIVE_CARD, value: card } };
}

function messageResponse(text: string): HttpReply {
  return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text } };
}
