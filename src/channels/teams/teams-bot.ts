/**
 * One Teams turn: parse what the person did into a conversation input, run it through the ConversationService, and
 * render the result as Adaptive Cards. Views, answers and summaries only ever go to a personal (1:1) chat; a channel
 * or group chat gets a pointer card and nothing else.
 */
import { CardFactory, MessageFactory, type ConversationParameters, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { ConversationService, TurnOutcome, TurnRequest } from '../../conversation/conversation-service';
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

export interface TeamsBotDeps {
  connection: TeamsConnection;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
  /** Called when a turn queued an outbox message (a summary for a manager, an acknowledgement for a sender). */
  onQueued?: () => void;
}

/** An HTTP answer for the channel service; for an invoke its body is the invoke response. */
export interface HttpReply {
  status: number;
  body?: unknown;
}

/** What a card click leads to: shared by Action.Execute (invoke) and Action.Submit (message) clicks. */
interface ClickOutcome {
  /** Replaces the clicked card (answered, refreshed with an error, or a polite notice). */
  replace?: AdaptiveCard;
  /** When the card stays as it is: a short confirmation (Teams shows it under the card for Execute). */
  toast?: string;
  /** New messages, sent after the click is answered. */
  send: AdaptiveCard[];
  /** A redelivery: an invoke must still be answered, a message gets nothing. */
  duplicate?: boolean;
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

/** The message that carries one card. */
export function cardMessage(card: AdaptiveCard) {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}


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

/** The turn logic, run by the CloudAdapter once the request is authenticated. */
export class TeamsBot {
  constructor(private readonly deps: TeamsBotDeps) {}

  /**
   * Handles one activity. `respond` answers the HTTP request: an invoke is answered as soon as its card is known, so
   * a slow send of the next message cannot make Teams time the click out. Other activities get 200 once done.
   */
  async onTurn(context: TurnContext, activity: TeamsActivity, respond: (reply: HttpReply) => void): Promise<void> {
    if (activity.type === 'message') {
      if (scopeOf(activity) === 'shared') await this.pointToPrivateChat(context, activity);
      else await this.onPersonalMessage(context, activity);
      respond({ status: 200 });
      return;
    }
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') {
      await this.onExecute(context, activity, respond);
      return;
    }
    // conversationUpdate, installationUpdate, typing, reactions, other invokes: nothing to do.
    respond({ status: 200, body: activity.type === 'invoke' ? {} : undefined });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }

  private request(activity: TeamsActivity, input: TurnRequest['input']): TurnRequest {
    return {
      conversationId: `teams:${activity.conversation.id}`,
      channel: 'teams',
      userId: userIdOf(activity.from),
      address: addressOf(activity),
      inboundKey: `teams:${activity.id}`,
      input,
      now: this.now(),
    };
  }

  private async handle(request: TurnRequest): Promise<TurnOutcome> {
    const outcome = await this.deps.conversations.handle(request);
    if (outcome.status === 'reply' && outcome.result.effects.some((e) => e.type === 'notify-manager')) this.deps.onQueued?.();
    return outcome;
  }

  private async onPersonalMessage(context: TurnContext, activity: TeamsActivity): Promise<void> {
    if (activity.value !== undefined && activity.value !== null) {
      const action = parseCardAction(activity.value);
      if (action) {
        await this.onSubmit(context, activity, action);
        return;
      }
    }
    const text = messageText(activity);
    const outcome = await this.handle(this.request(activity, text ? { type: 'text', text } : { type: 'open' }));
    if (outcome.status === 'duplicate') return;
    await this.send(context, [viewCard(outcome.result.view, outcome.result.notice)], activity);
  }

  /** Action.Execute: the invoke response replaces the clicked card; the next view follows as a new message. */
  private async onExecute(context: TurnContext, activity: TeamsActivity, respond: (reply: HttpReply) => void): Promise<void> {
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
    const outcome = await this.click(activity, action);
    respond(outcome.replace ? cardResponse(outcome.replace) : messageResponse(outcome.toast ?? 'Done.'));
    await this.send(context, outcome.send, activity);
  }

  /** Action.Submit (the fallback for clients without Universal Actions): same outcome, the old card is updated by id. */
  private async onSubmit(context: TurnContext, activity: TeamsActivity, action: CardAction): Promise<void> {
    const outcome = await this.click(activity, action);
    if (outcome.duplicate) return;
    if (outcome.replace) {
      const updated = activity.replyToId ? await this.update(context, activity, activity.replyToId, outcome.replace) : false;
      if (!updated) outcome.send.unshift(outcome.replace);
    } else if (outcome.send.length === 0 && outcome.toast) {
      outcome.send.push(noticeCard({ kind: 'info', title: outcome.toast, lines: [] }));
    }
    await this.send(context, outcome.send, activity);
  }

  private async click(activity: TeamsActivity, action: CardAction): Promise<ClickOutcome> {
    const { log } = this.deps;
    log.info({ activity: activity.id, conversation: activity.conversation.id, verb: action.verb }, 'teams: card action');
    switch (action.verb) {
      case 'answer':
        return this.answer(activity, action.ref, action.value);
      case 'command': {
        const outcome = await this.handle(this.request(activity, { type: 'command', command: action.command }));
        if (outcome.status === 'duplicate') return { toast: 'Already done.', send: [], duplicate: true };
        return { toast: outcome.result.notice?.title ?? 'Done.', send: [viewCard(outcome.result.view, outcome.result.notice)] };
      }
      case 'send-summary': {
        const input: Input = { type: 'send-summary', ref: action.ref, manager: { id: action.manager } };
        const outcome = await this.handle(this.request(activity, input));
        if (outcome.status === 'duplicate') return { toast: 'Already sent.', send: [], duplicate: true };
        const { result } = outcome;
        const notice = result.notice ?? { kind: result.error ? 'error' : 'info', title: result.error?.message ?? 'Done.', lines: [] };
        // An error (an old outcome card, no outcome yet) leaves the card alone and says why; a click that started a
        // new conversation (the old one was removed) also shows where to start.
        if (result.error) return { toast: notice.title, send: outcome.isNew ? [viewCard(result.view, notice)] : [] };
        return { toast: notice.title, send: [noticeCard(notice)] };
      }
      case 'acknowledge':
        return this.acknowledge(activity, action.notification);
    }
  }

  private async answer(activity: TeamsActivity, ref: string, value: string | string[]): Promise<ClickOutcome> {
    const outcome = await this.handle(this.request(activity, { type: 'answer', ref, value }));
    if (outcome.status === 'duplicate') return { replace: noticeCard(ALREADY_ANSWERED), send: [], duplicate: true };
    const { result } = outcome;
    // A click on a card of a conversation that no longer exists (removed after SESSION_TTL_DAYS) started a new one.
    if (outcome.isNew) return { replace: noticeCard(result.notice ?? ALREADY_ANSWERED), send: [viewCard(result.view)] };
    if (result.error?.code === 'stale_answer') return { replace: noticeCard(ALREADY_ANSWERED), send: [] };
    if (result.error) return { replace: viewCard(result.view, result.notice ?? errorNotice(result)), send: [] };
    // The view the click was judged against becomes the answered card.
    const previous = outcome.previous?.ref === ref ? outcome.previous : null;
    const replace = previous ? answeredCard(previous, answerLabel(previous, value)) : noticeCard({ kind: 'info', title: 'Answer recorded.', lines: [] });
    return { replace, send: [viewCard(result.view, result.notice)] };
  }

  private async acknowledge(activity: TeamsActivity, notificationId: string): Promise<ClickOutcome> {
    const { conversations, log } = this.deps;
    const managerId = userIdOf(activity.from);
    const status = await conversations.acknowledge(notificationId, managerId, this.now());
    if (status === 'unknown') return { toast: 'That summary was not sent to you.', send: [] };
    if (status === 'acknowledged') this.deps.onQueued?.();
    const notification = await conversations.getNotification(notificationId);
    if (!notification) return { toast: 'Acknowledged.', send: [] };
    log.info({ notification: notificationId, status }, 'teams: summary acknowledged');
    return {
      replace: managerSummaryCard(notification.summary, notification.id, raisedByOf(notification.sender), notification.raisedAt, notification.acknowledgedAt ?? this.now()),
      send: [],
    };
  }

  /**
   * A mention in a channel or group chat: open a 1:1 chat with the person, start (or show) the procedure there, then
   * say so in the thread with the pointer card, which names nothing about the child.
   */
  private async pointToPrivateChat(context: TurnContext, activity: TeamsActivity): Promise<void> {
    const { connection, log } = this.deps;
    const tenantId = tenantOf(activity);
    if (!tenantId) {
      await this.send(context, [noticeCard(NO_PRIVATE_CHAT)], activity);
      return;
    }
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: activity.recipient.id, name: '' },
      members: [{ id: activity.from.id, name: '' }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    let duplicate = false;
    try {
      await connection.adapter.createConversationAsync(connection.appId, activity.channelId, activity.serviceUrl, connection.audience, parameters, async (personal) => {
        const address: TeamsAddress = {
          channelId: activity.channelId,
          serviceUrl: activity.serviceUrl,
          tenantId,
          conversation: { id: personal.activity.conversation.id, conversationType: 'personal', tenantId },
          bot: { id: activity.recipient.id },
          user: { id: activity.from.id, ...(activity.from.aadObjectId !== undefined && { aadObjectId: activity.from.aadObjectId }) },
        };
        const outcome = await this.handle({
          conversationId: `teams:${address.conversation.id}`,
          channel: 'teams',
          userId: userIdOf(activity.from),
          address,
          inboundKey: `teams:${activity.id}`,
          // Only an emergency is acted on from what was said in the channel; anything else opens where they are.
          input: commandOf(messageText(activity)) === 'emergency' ? { type: 'command', command: 'emergency' } : { type: 'open' },
          now: this.now(),
        });
        if (outcome.status === 'duplicate') {
          duplicate = true;
          return;
        }
        await personal.sendActivity(cardMessage(viewCard(outcome.result.view, outcome.result.notice)));
      });
    } catch (e) {
      log.warn({ activity: activity.id, conversation: activity.conversation.id, err: describeError(e) }, 'teams: could not open a private chat');
      await this.send(context, [noticeCard(NO_PRIVATE_CHAT)], activity);
      return;
    }
    if (!duplicate) await this.send(context, [channelPointerCard()], activity);
  }

  /** Sends cards in order; once the turn is stored a failed send is logged, not retried (a redelivery is a duplicate). */
  private async send(context: TurnContext, cards: AdaptiveCard[], activity: TeamsActivity): Promise<void> {
    for (const card of cards) {
      try {
        await context.sendActivity(cardMessage(card));
      } catch (e) {
        this.deps.log.error({ activity: activity.id, conversation: activity.conversation.id, err: describeError(e) }, 'teams: reply failed');
        return;
      }
    }
  }

  private async update(context: TurnContext, activity: TeamsActivity, id: string, card: AdaptiveCard): Promise<boolean> {
    try {
      await context.updateActivity({ ...cardMessage(card), id, type: 'message' });
      return true;
    } catch (e) {
      this.deps.log.warn({ activity: activity.id, conversation: activity.conversation.id, err: describeError(e) }, 'teams: card update failed');
      return false;
    }
  }
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
