/**
 * The manager summary on Slack: sent from the outcome message's user picker and Send button, queued with the turn,
 * delivered by the Slack deliverer in the DM the bot opens with the manager, acknowledged there, and the sender told
 * either way. Rate limits wait for Retry-After; a manager who cannot be reached is final.
 */
import nock from 'nock';
import { senderMessage } from '../../../src/channels/slack/blocks';
import {
  actionId,
  ALEX,
  blockActions,
  click,
  dmOf,
  findButton,
  interaction,
  MORGAN,
  nockSlackApi,
  offline,
  posted,
  runToOutcome,
  startSlack,
  TEAM,
  type ApiCall,
  type SlackApi,
  type SlackHarness,
} from './harness';

offline();

describe('Slack manager summary', () => {
  let h: SlackHarness;
  let api: SlackApi;
  const dm = dmOf(ALEX);
  const managerDm = dmOf(MORGAN);
  const conversationId = `slack:${TEAM}:${ALEX}`;

  beforeEach(async () => {
    nock.cleanAll();
    api = nockSlackApi();
    h = await startSlack();
  });
  afterEach(async () => {
    await h.close();
  });

  const managerState = (user = MORGAN) => ({ values: { cse_manager_block: { cse_manager: { type: 'users_select', selected_user: user } } } });

  /** Alex reaches the outcome, picks Morgan in the user picker and presses Send summary. */
  async function sendSummary(): Promise<void> {
    await runToOutcome(h, api);
    expect((await h.view()).kind).toBe('outcome');
    const posts = posted(api, dm).length;
    const { res } = await click(h, api, actionId('cse_send_summary'), ALEX, managerState());
    expect(res.status).toBe(200);
    expect(posted(api, dm)).toHaveLength(posts + 1);
    expect(posted(api, dm).at(-1)?.text).toMatch(/Sending the risk summary to your manager/);
  }

  async function notificationId(): Promise<string> {
    const rows = await h.store.audit({ conversationId });
    const sent = rows.find((a) => a.kind === 'notification-sent' || a.kind === 'notification-failed');
    const id = sent?.code?.replace(/^notify-manager:/, '');
    if (!id) throw new Error('no notification in the audit');
    return id;
  }

  /** Morgan clicks Acknowledge on the summary in their DM. */
  async function acknowledge(user = MORGAN) {
    const { message, element } = findButton(api, managerDm, actionId('cse_acknowledge'));
    return { res: await h.post(interaction(blockActions({ action_id: element.action_id, value: element.value, block_id: element.block_id }, message, user))), message };
  }

  it('queues the summary with the turn; the dispatcher at once opens a DM with the manager and posts it there', async () => {
    await sendSummary();
    // Sent right after the turn's commit, without waiting for a poll.
    expect(api.of('conversations.open', (c) => c.args.users === MORGAN)).toHaveLength(1);
    const toManager = posted(api, managerDm);
    expect(toManager).toHaveLength(1);
    const summary = JSON.stringify(toManager[0]?.blocks);
    expect(summary).toContain('AB123');
    // The sender is named by their Slack id only: raisedBy is the mention "<@U…>", no stored name.
    expect(summary).toContain(`<@${ALEX}>`);
    expect(toManager[0]?.text).toContain(`<@${ALEX}>`);
    expect(summary).toContain(await notificationId());
    expect(summary).toContain('cse_acknowledge');
    // The notification text (what a phone's lock screen shows) carries no case reference.
    expect(toManager[0]?.text).not.toContain('AB123');
    const row = await h.store.getOutbox(await notificationId());
    expect(row).toMatchObject({ status: 'sent', recipient: `${TEAM}:${MORGAN}`, channel: 'slack' });
    expect(await h.dispatcher.runOnce()).toBe(0);
  });

  it('records an acknowledgement, marks the manager message acknowledged, and tells the sender', async () => {
    await sendSummary();
    await h.dispatcher.runOnce();
    const id = await notificationId();

    h.advance(60_000);
    const { res, message } = await acknowledge();
    expect(res.status).toBe(200);
    const update = api.of('chat.update').at(-1);
    expect(update?.args).toMatchObject({ channel: managerDm, ts: message.ts });
    expect(JSON.stringify(update?.args.blocks)).toContain('Acknowledged');
    expect(JSON.stringify(update?.args.blocks)).not.toContain('cse_acknowledge"');
    const rows = await h.store.audit({ conversationId });
    expect(rows.filter((a) => a.kind === 'acknowledged')).toEqual([expect.objectContaining({ userId: `${TEAM}:${MORGAN}`, code: id })]);

    const posts = posted(api, dm).length;
    expect(await h.dispatcher.runOnce()).toBe(1);
    const told = posted(api, dm);
    expect(told).toHaveLength(posts + 1);
    expect(told.at(-1)?.blocks).toEqual(senderMessage('acknowledged', 'AB123').blocks);

    // A second click shows the same acknowledged message and queues nothing more.
    await acknowledge();
    expect(api.of('chat.update').at(-1)?.args.blocks).toEqual(update?.args.blocks);
    expect(await h.dispatcher.runOnce()).toBe(0);
  });

  it('refuses an acknowledgement from someone the summary was not sent to', async () => {
    await sendSummary();
    await h.dispatcher.runOnce();
    const updates = api.of('chat.update').length;
    await acknowledge(ALEX);
    expect(String(api.of('chat.postEphemeral').at(-1)?.args.text)).toMatch(/not sent to you/);
    expect(api.of('chat.update')).toHaveLength(updates);
    const rows = await h.store.audit({ conversationId });
    expect(rows.some((a) => a.kind === 'acknowledged')).toBe(false);
  });

  const toManager = (c: ApiCall) => c.args.channel === managerDm;

  it('waits out a rate limit (429, Retry-After: 7) and then delivers', async () => {
    api.failHttp('chat.postMessage', 429, { 'retry-after': '7' }, 1, toManager);
    const attemptAt = h.now().getTime();
    await sendSummary();
    const row = (await h.store.audit({ conversationId })).find((a) => a.kind === 'notification-sent');
    expect(row).toBeUndefined();
    const pending = (await h.store.claimOutbox('peek', new Date(attemptAt + 60_000).toISOString(), new Date(attemptAt + 61_000).toISOString(), 10))[0];
    expect(pending?.kind).toBe('notify-manager');
    expect(Date.parse(pending!.nextAttemptAt) - attemptAt).toBeGreaterThanOrEqual(7000);
    expect(pending?.lastError).toMatch(/429/);
    expect(posted(api, managerDm)).toHaveLength(0);
  });

  it('retries a rate-limited delivery no sooner than Retry-After says', async () => {
    api.failHttp('chat.postMessage', 429, { 'retry-after': '7' }, 1, toManager);
    await sendSummary();
    expect(posted(api, managerDm)).toHaveLength(0);
    h.advance(6_000);
    expect(await h.dispatcher.runOnce()).toBe(0);
    h.advance(1_000);
    expect(await h.dispatcher.runOnce()).toBe(1);
    expect(posted(api, managerDm)).toHaveLength(1);
    expect((await h.store.getOutbox(await notificationId()))?.status).toBe('sent');
  });

  it('marks the row failed when the manager is not found, and tells the sender', async () => {
    api.failWith('conversations.open', 'user_not_found', 1, (c) => c.args.users === MORGAN);
    await sendSummary();
    const id = await notificationId();
    const row = await h.store.getOutbox(id);
    expect(row?.status).toBe('failed');
    expect(row?.lastError).toBe('user_not_found');
    expect(posted(api, managerDm)).toHaveLength(0);

    const posts = posted(api, dm).length;
    expect(await h.dispatcher.runOnce()).toBe(1);
    const told = posted(api, dm);
    expect(told).toHaveLength(posts + 1);
    expect(told.at(-1)?.blocks).toEqual(senderMessage('not-found', 'AB123').blocks);
  });

  it('treats an inactive account as final too, and retries a 503', async () => {
    api.failHttp('chat.postMessage', 503, {}, 1, toManager);
    await sendSummary();
    const pendingAfter503 = await h.store.audit({ conversationId });
    expect(pendingAfter503.some((a) => a.kind === 'notification-failed')).toBe(false);
    h.advance(2_000);
    api.failWith('chat.postMessage', 'account_inactive');
    expect(await h.dispatcher.runOnce()).toBe(1);
    const row = await h.store.getOutbox(await notificationId());
    expect(row).toMatchObject({ status: 'failed', lastError: 'account_inactive' });
  });

  it('does not queue anything for a summary from an old outcome message', async () => {
    await runToOutcome(h, api);
    const { message, element } = findButton(api, dm, actionId('cse_send_summary'));
    await h.post(interaction(blockActions({ action_id: 'cse_cmd:restart', value: 'restart', block_id: 'cse_commands' }, message)));
    await h.post(interaction(blockActions({ action_id: element.action_id, value: element.value, block_id: element.block_id }, message, ALEX, managerState())));
    expect(String(api.of('chat.postEphemeral').at(-1)?.args.text)).toMatch(/earlier run/);
    expect(await h.dispatcher.runOnce()).toBe(0);
  });
});
