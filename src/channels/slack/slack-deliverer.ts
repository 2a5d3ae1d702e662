/**
 * Delivers outbox rows on Slack: a turn's replies (messages posted or replaced, ephemeral notes), the risk summary
 * to a manager (in the DM the bot opens with them), and to the sender the acknowledgement or the news that the
 * summary could not be delivered.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ConversationService } from '../../conversation/conversation-service';
import type { Deliverer, DeliveryResult } from '../../conversation/outbox-dispatcher';
import type { OutboxRow } from '../../store/types';
import { AcknowledgedPayload, ManagerPayload, SenderPayload } from '../../conversation/outbox-payloads';
import { managerSummaryMessage, senderMessage, type SlackMessage } from './blocks';
import { createWebClient, deliveryClientOptions, describeSlackError, platformError, postToResponseUrl, slackFailure, type WebClient } from './slack-client';
import { SlackReply } from './slack-reply';
import { personOf, SlackAddress, type SlackPerson } from './slack-payload';
import { raisedByOf } from './slack-bot';

class PermanentFailure extends Error {}

/** The Slack Deliverer for the OutboxDispatcher. Its client never retries by itself: the dispatcher does. */
export class SlackDeliverer implements Deliverer {
  constructor(
    private readonly client: WebClient,
    private readonly notifications: Pick<ConversationService, 'getNotification'>,
    private readonly log: Logger,
  ) {}

  /** A deliverer with its own Web API client (bot token, no SDK retries, rate limits reported). */
  static create(options: { token: string; apiUrl: string; notifications: Pick<ConversationService, 'getNotification'>; log: Logger }): SlackDeliverer {
    return new SlackDeliverer(createWebClient(options.token, deliveryClientOptions(options.apiUrl, options.log)), options.notifications, options.log);
  }

  async deliver(row: OutboxRow): Promise<DeliveryResult> {
    try {
      switch (row.kind) {
        case 'reply':
          await this.reply(SlackReply.parse(row.payload));
          break;
        case 'notify-manager': {
          const p = ManagerPayload.parse(row.payload);
          const manager = personOf(row.recipient);
          if (!manager) throw new PermanentFailure('recipient is not a Slack user id');
          const channel = await this.openDm(manager);
          await this.post(channel, managerSummaryMessage(p.summary, row.id, raisedByOf(p.sender.userId), p.raisedAt));
          break;
        }
        case 'notify-sender': {
          const p = SenderPayload.parse(row.payload);
          const failed = await this.notifications.getNotification(p.failedMessage);
          await this.toSender(row.recipient, p.address, senderMessage(p.reason, failed?.summary.caseRef ?? null));
          break;
        }
        case 'acknowledged': {
          const p = AcknowledgedPayload.parse(row.payload);
          await this.toSender(row.recipient, p.address, senderMessage('acknowledged', p.caseRef));
          break;
        }
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof z.ZodError || e instanceof PermanentFailure) {
        const error = e instanceof PermanentFailure ? e.message : 'payload invalid';
        this.log.error({ outbox: row.id, kind: row.kind, error }, 'slack: outbox row cannot be delivered');
        return { ok: false, retryable: false, error };
      }
      const failure = slackFailure(e);
      this.log.warn({ outbox: row.id, kind: row.kind, err: describeSlackError(e), retryable: failure.retryable }, 'slack: delivery failed');
      return failure;
    }
  }

  /**
   * A reply of a turn. An ephemeral note needs the bot in the channel; where it is not (a slash command in a
   * channel it was never added to), the command's response URL carries the note instead.
   */
  private async reply(reply: SlackReply): Promise<void> {
    const content = { text: reply.text, ...(reply.blocks && { blocks: reply.blocks as unknown as SlackMessage['blocks'] }) };
    switch (reply.op) {
      case 'post':
        await this.client.chat.postMessage({ channel: reply.channel, ...content });
        return;
      case 'update':
        await this.client.chat.update({ channel: reply.channel, ts: reply.ts, ...content });
        return;
      case 'ephemeral':
        try {
          await this.client.chat.postEphemeral({ channel: reply.channel, user: reply.user, ...content });
        } catch (e) {
          const code = platformError(e);
          if (!reply.responseUrl || (code !== 'not_in_channel' && code !== 'channel_not_found')) throw e;
          await postToResponseUrl(reply.responseUrl, { response_type: 'ephemeral', ...content });
        }
        return;
    }
  }

  /** The sender's DM as stored with their conversation, else the one conversations.open gives. */
  private async toSender(recipient: string, rawAddress: unknown, message: SlackMessage): Promise<void> {
    const address = SlackAddress.safeParse(rawAddress);
    const person = address.success ? { team: address.data.team, user: address.data.user } : personOf(recipient);
    if (!person) throw new PermanentFailure('no usable Slack address for the recipient');
    const channel = address.success && address.data.dmChannel ? address.data.dmChannel : await this.openDm(person);
    await this.post(channel, message);
  }

  private async openDm(person: SlackPerson): Promise<string> {
    const opened = await this.client.conversations.open({ users: person.user });
    const id = opened.channel?.id;
    if (!id) throw new PermanentFailure('conversations.open returned no channel');
    return id;
  }

  private async post(channel: string, message: SlackMessage): Promise<void> {
    await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
  }
}
