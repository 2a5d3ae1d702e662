/**
 * The manager summary: sent from the outcome card's people picker, queued in the outbox, delivered by the Teams
 * deliverer in a 1:1 chat with the manager, acknowledged there, and the sender told either way.
 */
import nock from 'nock';
import { senderCard } from '../../../src/channels/teams/cards';
import {
  ALEX,
  BOT_ID,
  cardOf,
  eventually,
  executeClick,
  MORGAN,
  NOTTINGHAM_REFER,
  nockConnector,
  nockOpenIdMetadata,
  nockTokenEndpoint,
  offline,
  personalConversation,
  personalMessage,
  startTeams,
  submitClick,
  TENANT,
  type TeamsHarness,
} from './harness';

offline();

describe('Teams manager summary', () => {
  let h: TeamsHarness;
  let connector: ReturnType<typeof nockConnector>;
  const dm = personalConversation(ALEX).id;
  const managerDm = `a:1dm-${MORGAN.aadObjectId}`;
  const managerConversation = { conversationType: 'personal', tenantId: TENANT, id: managerDm };

  beforeEach(async () => {
    nock.cleanAll();
    nockOpenIdMetadata();
    nockTokenEndpoint();
    connector = nockConnector();
    h = await startTeams();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Alex reaches the outcome and sends the summary to Morgan with the outcome card's Send button. */
  async function sendSummary(): Promise<void> {
    await h.post(personalMessage('what do I do?'));
    for (const typed of NOTTINGHAM_REFER) await h.post(personalMessage(typed));
    const outcome = await h.view(dm);
    expect(outcome.kind).toBe('outcome');
    const before = connector.sentTo(dm).length;
    const res = await h.post(executeClick({ verb: 'send-summary', ref: outcome.ref, manager: MORGAN.aadObjectId }, `bot-msg-${before}`));
    expect(res.status).toBe(200);
    // The outcome card stays (it has the contacts); Teams shows the notice under it, and it follows as a message.
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/summary/i) as unknown });
    await eventually(() => connector.sentTo(dm).length === before + 1, 'the notice');
  }

  async function notificationId(): Promise<string> {
    const audit = await h.store.audit({ conversationId: `teams:${dm}` });
    const sent = audit.find((a) => a.kind === 'notification-sent' || a.kind === 'notification-failed');
    const id = sent?.code?.replace(/^notify-manager:/, '');
    if (!id) throw new Error('no notification in the audit');
    return id;
  }

  const managerClick = (data: Record<string, unknown>) => ({ ...executeClick(data, 'manager-card', MORGAN), conversation: managerConversation });

  it('queues the summary with the turn, and the dispatcher delivers it at once to the manager in a new 1:1 chat', async () => {
    await sendSummary();

    // Sent right after the turn's commit, without waiting for a poll; nothing is left for the next one.
    expect(await h.dispatcher.runOnce()).toBe(0);
    const creates = connector.creates();
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({ isGroup: false, members: [{ id: MORGAN.aadObjectId }], tenantId: TENANT, bot: { id: BOT_ID } });
    const toManager = connector.sentTo(managerDm);
    expect(toManager).toHaveLength(1);
    expect(toManager[0]?.authorization).toBe('Bearer bot-outbound-token');
    const card = JSON.stringify(cardOf(toManager[0]!));
    expect(card).toContain('AB123');
    expect(card).toContain(`a colleague (Teams user ${ALEX.aadObjectId})`);
    expect(card).not.toContain(ALEX.name);
    expect(card).toContain(await notificationId());
  });

  it('records an acknowledgement, replaces the card with the acknowledged version, and tells the sender', async () => {
    await sendSummary();
    await h.dispatcher.runOnce();
    const id = await notificationId();
    const original = cardOf(connector.sentTo(managerDm)[0]!);

    h.advance(60_000);
    const res = await h.post(managerClick({ verb: 'acknowledge', notification: id }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } });
    expect(res.body?.value).not.toEqual(original);
    expect(JSON.stringify(res.body?.value)).not.toContain('"verb":"acknowledge"');
    const audit = await h.store.audit({ conversationId: `teams:${dm}` });
    expect(audit.filter((a) => a.kind === 'acknowledged')).toEqual([expect.objectContaining({ userId: MORGAN.aadObjectId, code: id })]);

    const before = connector.sentTo(dm).length;
    expect(await h.dispatcher.runOnce()).toBe(1);
    const told = connector.sentTo(dm);
    expect(told).toHaveLength(before + 1);
    expect(cardOf(told[before]!)).toEqual(senderCard('acknowledged', 'AB123'));

    // A second click shows the same acknowledged card and queues nothing more.
    const again = await h.post(managerClick({ verb: 'acknowledge', notification: id }));
    expect(again.body?.value).toEqual(res.body?.value);
    expect(await h.dispatcher.runOnce()).toBe(0);
  });

  it('acknowledges through the Action.Submit fallback by updating the card message', async () => {
    await sendSummary();
    await h.dispatcher.runOnce();
    const id = await notificationId();
    const res = await h.post({ ...submitClick({ verb: 'acknowledge', notification: id }, 'bot-msg-99', MORGAN), conversation: managerConversation });
    expect(res.status).toBe(200);
    const updates = connector.updates(managerDm);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.path).toBe(`/teams/v3/conversations/${managerDm}/activities/bot-msg-99`);
    cardOf(updates[0]!);
  });

  it('refuses an acknowledgement from someone the summary was not sent to', async () => {
    await sendSummary();
    await h.dispatcher.runOnce();
    const id = await notificationId();
    const res = await h.post(executeClick({ verb: 'acknowledge', notification: id }, 'manager-card', ALEX));
    expect(res.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/not sent to you/) as unknown });
    const audit = await h.store.audit({ conversationId: `teams:${dm}` });
    expect(audit.some((a) => a.kind === 'acknowledged')).toBe(false);
  });

  it('marks the row failed on a 403 (app not installed for the manager) and tells the sender', async () => {
    connector.fail((r) => r.path === '/teams/v3/conversations' && JSON.stringify(r.body).includes(MORGAN.aadObjectId), 403);
    await sendSummary();
    const id = await notificationId();
    const row = await h.store.getOutbox(id);
    expect(row?.status).toBe('failed');
    expect(row?.lastError).toMatch(/^403\b/);
    expect(connector.sentTo(managerDm)).toHaveLength(0);

    const before = connector.sentTo(dm).length;
    expect(await h.dispatcher.runOnce()).toBe(1);
    const told = connector.sentTo(dm);
    expect(told).toHaveLength(before + 1);
    expect(cardOf(told[before]!)).toEqual(senderCard('not-installed', 'AB123'));
  });

  it('retries a 412 later instead of failing', async () => {
    connector.fail((r) => r.path === '/teams/v3/conversations', 412);
    await sendSummary();
    const id = await notificationId().catch(() => null);
    expect(id).toBeNull(); // not sent, not failed: pending
    expect(await h.dispatcher.runOnce()).toBe(0);
    h.advance(5_000);
    expect(await h.dispatcher.runOnce()).toBe(1);
    expect(connector.sentTo(managerDm)).toHaveLength(1);
  });

  it('does not queue anything for a summary from an old outcome card', async () => {
    await h.post(personalMessage('what do I do?'));
    for (const typed of NOTTINGHAM_REFER) await h.post(personalMessage(typed));
    const outcome = await h.view(dm);
    await h.post(personalMessage('restart'));
    const res = await h.post(executeClick({ verb: 'send-summary', ref: outcome.ref, manager: MORGAN.aadObjectId }, 'bot-msg-11'));
    expect(res.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect(await h.dispatcher.runOnce()).toBe(0);
  });
});
