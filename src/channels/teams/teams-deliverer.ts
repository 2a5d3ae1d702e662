/**
 * Delivers outbox rows on Teams: a turn's replies (cards posted, or a clicked card replaced), the risk summary to a
 * manager (in a 1:1 chat the bot opens), and to the sender the acknowledgement or the news that the summary could
 * not be delivered.
 */
import type { ConversationParameters } from 'botbuilder';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ConversationService } from '../../conversation/conversation-service';
import type { Deliverer, DeliveryResult } from '../../conversation/outbox-dispatcher';
import type { OutboxRow } from '../../store/types';
import { AcknowledgedPayload, ManagerPayload, SenderPayload } from '../../conversation/outbox-payloads';
import { managerSummaryCard, senderCard, type AdaptiveCard } from './cards';
import { TeamsAddress } from './teams-activity';
import { describeError, raisedByOf } from './teams-bot';
import type { TeamsConnection } from './teams-connection';
import { cardActivity, TeamsReply } from './teams-reply';

type Failure = Extract<DeliveryResult, { ok: false }>;

class PermanentFailure extends Error {}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
function retryAfterMs(e: unknown, now: number): number | undefined {
  const headers = (e as { response?: { headers?: unknown } }).response?.headers;
  let raw: unknown;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') raw = (headers as { get(name: string): unknown }).get('retry-after');
  else if (headers && typeof headers === 'object') raw = (headers as Record<string, unknown>)['retry-after'];
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(String(raw));
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Maps a Bot Connector failure to the dispatcher's terms. 403 (not installed for the person, blocked) and 404 (no such
 * conversation or user) cannot be helped by retrying; 429, 412, 408 and 5xx can (Retry-After honoured); other 4xx not.
 * The error text starts with the status, which the dispatcher reads to tell the sender why.
 */
export function connectorFailure(e: unknown, now = Date.now()): Failure {
  const status = (e as { statusCode?: unknown }).statusCode ?? (e as { response?: { status?: unknown } }).response?.status;
  const rawCode = (e as { code?: unknown }).code;
  const code = typeof rawCode === 'string' && /^[\w.-]{1,60}$/.test(rawCode) ? rawCode : null;
  if (typeof status !== 'number') {
    // No HTTP answer: a network failure or a bug in the SDK; retrying is the best we can do.
    return { ok: false, retryable: true, error: `network ${code ?? (e instanceof Error ? e.name : 'error')}` };
  }
  const error = `${status} ${code ?? (status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : 'HttpError')}`;
  const retryable = status === 408 || status === 412 || status === 429 || status >= 500;
  const after = retryable ? retryAfterMs(e, now) : undefined;
  return { ok: false, retryable, error, ...(after !== undefined && { retryAfterMs: after }) };
}

/** The Teams Deliverer for the OutboxDispatcher. */
export class TeamsDeliverer implements Deliverer {
  constructor(
    private readonly connection: TeamsConnection,
    private readonly notifications: Pick<ConversationService, 'getNotification'>,
    private readonly log: Logger,
  ) {}

  async deliver(row: OutboxRow): Promise<DeliveryResult> {
    try {
      switch (row.kind) {
        case 'reply':
          await this.reply(TeamsReply.parse(row.payload));
          break;
        case 'notify-manager':
          await this.toManager(row);
          break;
        case 'notify-sender': {
          const p = SenderPayload.parse(row.payload);
          const failed = await this.notifications.getNotification(p.failedMessage);
          await this.toSender(p.address, senderCard(p.reason, failed?.summary.caseRef ?? null));
          break;
        }
        case 'acknowledged': {
          const p = AcknowledgedPayload.parse(row.payload);
          await this.toSender(p.address, senderCard('acknowledged', p.caseRef));
          break;
        }
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof z.ZodError || e instanceof PermanentFailure) {
        const error = e instanceof PermanentFailure ? e.message : 'payload invalid';
        this.log.error({ outbox: row.id, kind: row.kind, error }, 'teams: outbox row cannot be delivered');
        return { ok: false, retryable: false, error };
      }
      const failure = connectorFailure(e);
      this.log.warn({ outbox: row.id, kind: row.kind, err: describeError(e), retryable: failure.retryable }, 'teams: delivery failed');
      return failure;
    }
  }

  /**
   * A card posted, or a clicked card replaced. A card that can no longer be replaced (a 4xx that no retry helps:
   * deleted, too old) is posted as a new message instead, so the answer is still shown.
   */
  private async reply(reply: TeamsReply): Promise<void> {
    const { outbound } = this.connection;
    const target = { serviceUrl: reply.address.serviceUrl, conversationId: reply.address.conversation.id };
    const activity = cardActivity(reply.address, reply.card);
    if (reply.op === 'send') {
      await outbound.send(target, activity, reply.replyToId);
      return;
    }
    try {
      await outbound.update(target, reply.activityId, activity);
    } catch (e) {
      if (!reply.orSend || connectorFailure(e).retryable) throw e;
      this.log.warn({ err: describeError(e) }, 'teams: card could not be replaced; posting it instead');
      await outbound.send(target, activity);
    }
  }

  /** Opens (or reopens: Teams returns the existing one) a 1:1 chat with the manager, reached through the sender's tenant. */
  private async toManager(row: OutboxRow): Promise<void> {
    const p = ManagerPayload.parse(row.payload);
    const address = parseAddress(p.sender.address);
    const tenantId = address.tenantId ?? address.conversation.tenantId;
    if (!tenantId) throw new PermanentFailure('no tenant in the sender address');
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: address.bot.id, name: '' },
      members: [{ id: row.recipient, name: '' }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    const card = managerSummaryCard(p.summary, row.id, raisedByOf(p.sender.userId), p.raisedAt);
    const { outbound } = this.connection;
    const conversationId = await outbound.createConversation(address.serviceUrl, parameters);
    const manager: TeamsAddress = {
      ...address,
      conversation: { id: conversationId, conversationType: 'personal', tenantId },
      user: { id: row.recipient },
    };
    await outbound.send({ serviceUrl: address.serviceUrl, conversationId }, cardActivity(manager, card));
  }

  private async toSender(rawAddress: unknown, card: AdaptiveCard): Promise<void> {
    const address = parseAddress(rawAddress);
    await this.connection.outbound.send({ serviceUrl: address.serviceUrl, conversationId: address.conversation.id }, cardActivity(address, card));
  }
}

function parseAddress(raw: unknown): TeamsAddress {
  const parsed = TeamsAddress.safeParse(raw);
  if (!parsed.success) throw new PermanentFailure('no usable Teams address for the recipient');
  return parsed.data;
}
