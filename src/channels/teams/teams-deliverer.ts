/**
 * Delivers outbox rows on Teams: the risk summary to a manager (in a 1:1 chat the bot opens), and to the sender the
 * acknowledgement or the news that the summary could not be delivered.
 */
import type { ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ConversationService } from '../../conversation/conversation-service';
import type { Deliverer, DeliveryResult } from '../../conversation/outbox-dispatcher';
import type { OutboxRow } from '../../store/types';
import { AcknowledgedPayload, ManagerPayload, SenderPayload } from '../../conversation/outbox-payloads';
import { managerSummaryCard, senderCard, type AdaptiveCard } from './cards';
import { TeamsAddress } from './teams-activity';
import { cardMessage, describeError, raisedByOf } from './teams-bot';
import type { TeamsConnection } from './teams-connection';

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
    const { adapter, appId, audience } = this.connection;
    await adapter.createConversationAsync(appId, address.channelId, address.serviceUrl, audience, parameters, async (context: TurnContext) => {
      await context.sendActivity(cardMessage(card));
    });
  }

  private async toSender(rawAddress: unknown, card: AdaptiveCard): Promise<void> {
    const address = parseAddress(rawAddress);
    const reference: Partial<ConversationReference> = {
      channelId: address.channelId,
      serviceUrl: address.serviceUrl,
      conversation: { ...address.conversation, isGroup: address.conversation.isGroup ?? false, name: '', conversationType: address.conversation.conversationType ?? 'personal' },
      bot: { id: address.bot.id, name: '' },
      user: { ...address.user, name: '' },
    };
    const { adapter, appId, audience } = this.connection;
    await adapter.continueConversationAsync(appId, reference, audience, async (context: TurnContext) => {
      await context.sendActivity(cardMessage(card));
    });
  }
}

function parseAddress(raw: unknown): TeamsAddress {
  const parsed = TeamsAddress.safeParse(raw);
  if (!parsed.success) throw new PermanentFailure('no usable Teams address for the recipient');
  return parsed.data;
}
