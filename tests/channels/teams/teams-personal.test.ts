/**
 * Personal (1:1) chat over the real /api/messages endpoint: typed runs, Action.Execute clicks answered in place,
 * Action.Submit fallback clicks, stale clicks, duplicates and malformed activities.
 */
import nock from 'nock';
import {
  ALEX,
  cardOf,
  clickData,
  eventually,
  executeClick,
  NOTTINGHAM_REFER,
  nockConnector,
  nockOpenIdMetadata,
  nockTokenEndpoint,
  offline,
  personalConversation,
  personalMessage,
  startTeams,
  submitClick,
  type TeamsHarness,
} from './harness';

offline();

describe('Teams personal chat', () => {
  let h: TeamsHarness;
  let connector: ReturnType<typeof nockConnector>;
  const dm = personalConversation(ALEX).id;

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

  it('runs a whole procedure to its outcome by typed answers, one card per turn', async () => {
    const first = await h.post(personalMessage('what do I do?'));
    expect(first.status).toBe(200);
    for (const typed of NOTTINGHAM_REFER) expect((await h.post(personalMessage(typed))).status).toBe(200);

    const sent = connector.sentTo(dm);
    expect(sent).toHaveLength(NOTTINGHAM_REFER.length + 1);
    for (const r of sent) {
      cardOf(r);
      expect(r.authorization).toBe('Bearer bot-outbound-token');
      // The reply goes back to the user, with no name of theirs echoed from the store.
      expect(r.body.recipient).toMatchObject({ id: ALEX.id });
    }
    expect((await h.view(dm)).kind).toBe('outcome');
    const records = await h.store.caseRecords({ caseRef: 'AB123' });
    expect(records).toHaveLength(1);
    expect(records[0]?.outcome).toBe('outcome-refer-children-and-families-direct');
  });

  it('stores the user by Entra id and an address without any display name', async () => {
    await h.post(personalMessage('start'));
    const stored = await h.store.getConversation(`teams:${dm}`);
    expect(stored?.userId).toBe(ALEX.aadObjectId);
    expect(stored?.channel).toBe('teams');
    expect(stored?.address).toEqual({
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/teams/',
      tenantId: expect.any(String) as unknown,
      conversation: { id: dm, conversationType: 'personal', tenantId: expect.any(String) as unknown },
      bot: { id: expect.stringMatching(/^28:/) as unknown },
      user: { id: ALEX.id, aadObjectId: ALEX.aadObjectId },
    });
    expect(JSON.stringify(stored)).not.toContain(ALEX.name);
    expect(JSON.stringify(stored)).not.toContain('CSE Guidance');
  });

  it('runs a whole procedure by Action.Execute clicks: each clicked card is replaced by its answered version', async () => {
    await h.post(personalMessage('hi'));
    let cardId = 'bot-msg-1';
    for (const typed of NOTTINGHAM_REFER) {
      const view = await h.view(dm);
      const before = connector.sentTo(dm).length;
      const res = await h.post(executeClick(clickData(view, typed), cardId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } });
      // The answered card has no buttons left to click.
      expect(JSON.stringify(res.body?.value)).not.toMatch(/Action\.(Execute|Submit)/);
      await eventually(() => connector.sentTo(dm).length === before + 1, 'the next view');
      const next = connector.sentTo(dm)[before]!;
      cardOf(next);
      cardId = `bot-msg-${connector.requests.length}`;
    }
    expect((await h.view(dm)).kind).toBe('outcome');
    expect(await h.store.caseRecords({ caseRef: 'AB123' })).toHaveLength(1);
    // Execute answers come back in the invoke response: no card was updated through the connector.
    expect(connector.updates(dm)).toHaveLength(0);
  });

  it('shows the answer on the answered card', async () => {
    await h.post(personalMessage('hi'));
    const view = await h.view(dm);
    const res = await h.post(executeClick(clickData(view, 'no'), 'bot-msg-1'));
    const answered = JSON.stringify(res.body?.value);
    const option = view.kind === 'question' ? view.options.find((o) => o.value === 'no') : undefined;
    expect(option).toBeDefined();
    expect(answered).toContain(option!.label);
  });

  it('answers a second click on a just-answered card with the answer recorded, changing nothing and sending nothing else', async () => {
    await h.post(personalMessage('hi'));
    const first = await h.view(dm);
    await h.post(executeClick(clickData(first, 'no'), 'bot-msg-1'));
    expect(connector.sentTo(dm)).toHaveLength(2);
    const stored = await h.store.getConversation(`teams:${dm}`);
    const requestsBefore = connector.requests.length;

    // The other button of the same card (a double click, or two clicks racing): the card keeps what was recorded.
    const stale = await h.post(executeClick(clickData(first, 'yes'), 'bot-msg-1'));
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const labels = first.kind === 'question' ? first.options : [];
    expect(JSON.stringify(stale.body?.value)).toContain(`You answered: ${labels.find((o) => o.value === 'no')!.label}`);
    expect(JSON.stringify(stale.body?.value)).not.toContain(labels.find((o) => o.value === 'yes')!.label);
    // post() waits for the outbox to be idle: nothing was sent.
    expect(connector.requests.length).toBe(requestsBefore);
    const after = await h.store.getConversation(`teams:${dm}`);
    expect(after?.state).toEqual(stored?.state);
    const audit = await h.store.audit({ conversationId: `teams:${dm}` });
    expect(audit.at(-1)?.code).toBe('stale_answer');

    // A card two questions back is only "already answered": its answer may have been changed since.
    await h.post(personalMessage('1'));
    const older = await h.post(executeClick(clickData(first, 'yes'), 'bot-msg-1'));
    expect(JSON.stringify(older.body?.value)).toContain('That question was already answered');
    expect(connector.requests.length).toBe(requestsBefore + 1);
  });

  it('starts afresh (saying so) when a card of a conversation that no longer exists is clicked', async () => {
    const res = await h.post(executeClick({ verb: 'answer', ref: 'nottingham-city/open-case#7', value: 'no' }, 'old-card'));
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(res.body?.value)).toContain('earlier conversation');
    await eventually(() => connector.sentTo(dm).length === 1, 'the first view');
    expect((await h.view(dm)).node).toBe('@danger');
  });

  it('refreshes the clicked card with the error when the answer does not fit, and sends nothing else', async () => {
    await h.post(personalMessage('hi'));
    await h.post(personalMessage('no'));
    await h.post(personalMessage('1'));
    await h.post(personalMessage('done'));
    const view = await h.view(dm);
    expect(view.kind).toBe('case-reference');
    const before = connector.requests.length;
    const res = await h.post(executeClick(clickData(view, 'Jane Doe'), 'bot-msg-4'));
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(res.body?.value)).toMatch(/case reference is the council/i);
    expect((await h.view(dm)).ref).toBe(view.ref);
    // post() waits for the outbox to be idle: nothing was sent.
    expect(connector.requests.length).toBe(before);
    // The typed name is neither stored nor echoed anywhere outside the card that already shows it.
    expect(JSON.stringify(await h.store.getConversation(`teams:${dm}`))).not.toContain('Jane');
  });

  it('handles Action.Submit clicks: the old card is updated in place by replyToId, the next view is a new message', async () => {
    await h.post(personalMessage('hi'));
    const view = await h.view(dm);
    const res = await h.post(submitClick(clickData(view, 'no'), 'bot-msg-1'));
    expect(res.status).toBe(200);
    const updates = connector.updates(dm);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.path).toBe(`/teams/v3/conversations/${dm}/activities/bot-msg-1`);
    expect(JSON.stringify(cardOf(updates[0]!))).not.toMatch(/Action\.(Execute|Submit)/);
    const sent = connector.sentTo(dm);
    expect(sent).toHaveLength(2);
    cardOf(sent[1]!);
    expect((await h.view(dm)).ref).not.toBe(view.ref);

    // The same card clicked again with the other answer (Submit): the card keeps the answer that was recorded (the
    // losing click's update must not overwrite the winner's), and nothing else is sent.
    const again = await h.post(submitClick(clickData(view, 'yes'), 'bot-msg-1'));
    expect(again.status).toBe(200);
    expect(connector.updates(dm)).toHaveLength(2);
    expect(cardOf(connector.updates(dm)[1]!)).toEqual(cardOf(connector.updates(dm)[0]!));
    expect(connector.sentTo(dm)).toHaveLength(2);
  });

  it('two different Action.Submit clicks on one card at once: the card ends showing the answer that was recorded', async () => {
    await h.post(personalMessage('hi'));
    const view = await h.view(dm);
    const [a, b] = await Promise.all([h.post(submitClick(clickData(view, 'no'), 'bot-msg-1')), h.post(submitClick(clickData(view, 'yes'), 'bot-msg-1'))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const recorded = (await h.store.audit({ conversationId: `teams:${dm}` })).find((r) => r.code?.startsWith('answer:'))?.code?.slice('answer:'.length);
    expect(['no', 'yes']).toContain(recorded);
    const label = view.kind === 'question' ? view.options.find((o) => o.value === recorded)!.label : '';
    const updates = connector.updates(dm);
    expect(updates).toHaveLength(2);
    // Both updates (the winner's and the loser's) show the recorded answer; whichever lands last, the card is right.
    for (const u of updates) expect(JSON.stringify(cardOf(u))).toContain(`You answered: ${label}`);
    // One next step, not two.
    expect(connector.sentTo(dm)).toHaveLength(2);
  });

  it('sends again, later and once, a reply Teams failed to take (500, then 429 with Retry-After)', async () => {
    await h.post(personalMessage('hi'));
    connector.fail((r) => r.method === 'POST' && r.path.startsWith(`/teams/v3/conversations/${dm}/activities`), 500);
    connector.fail((r) => r.method === 'POST' && r.path.startsWith(`/teams/v3/conversations/${dm}/activities`), 429, 1, { 'retry-after': '3' });
    const res = await h.post(personalMessage('no'));
    // The turn is stored and answered; its reply is not lost but waits for its retry.
    expect(res.status).toBe(200);
    expect(connector.sentTo(dm).filter((r) => JSON.stringify(r.body).includes('@area#'))).toHaveLength(1);
    const pending = (await h.store.claimOutbox('peek', new Date(h.now().getTime() + 60_000).toISOString(), new Date(h.now().getTime() + 61_000).toISOString(), 10))[0];
    expect(pending).toMatchObject({ kind: 'reply', attempts: 1, lastError: expect.stringMatching(/^500/) as unknown });
    await h.store.releaseLeases([pending!.id], 'peek', h.now().toISOString());
    h.advance(1_000);
    expect(await h.dispatcher.runOnce()).toBe(1);
    // Refused again with 429: not before Retry-After (3 s).
    h.advance(2_999);
    expect(await h.dispatcher.runOnce()).toBe(0);
    h.advance(1);
    expect(await h.dispatcher.runOnce()).toBe(1);
    const delivered = connector.sentTo(dm).filter((r) => JSON.stringify(r.body).includes('@area#'));
    // Three attempts reached the connector, one was taken: the user sees the question once.
    expect(delivered).toHaveLength(3);
    expect(await h.store.getOutbox(pending!.id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await h.dispatcher.runOnce()).toBe(0);
  });

  it('replies once to a redelivered activity', async () => {
    const message = personalMessage('what do I do?');
    expect((await h.post(message)).status).toBe(200);
    expect((await h.post(message)).status).toBe(200);
    expect(connector.sentTo(dm)).toHaveLength(1);

    const view = await h.view(dm);
    const click = executeClick(clickData(view, 'no'), 'bot-msg-1');
    const first = await h.post(click);
    await eventually(() => connector.sentTo(dm).length === 2, 'the next view');
    const second = await h.post(click);
    expect(first.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    // The redelivery gets the very answer the first delivery got (the answered card), and nothing is sent again.
    expect(second.body).toEqual(first.body);
    expect(connector.sentTo(dm)).toHaveLength(2);

    // A redelivered Action.Submit message: no new message and no card update.
    const next = await h.view(dm);
    const submit = submitClick(clickData(next, '1'), 'bot-msg-2');
    await h.post(submit);
    const requests = connector.requests.length;
    await h.post(submit);
    expect(connector.requests.length).toBe(requests);
  });

  it('strips an @mention of the bot in a personal chat before reading the text', async () => {
    await h.post(personalMessage('hi'));
    const message = {
      ...personalMessage('<at>CSE Guidance</at> no'),
      entities: [{ type: 'mention', text: '<at>CSE Guidance</at>', mentioned: { id: `28:${h.connection.appId}`, name: 'CSE Guidance' } }],
    };
    await h.post(message);
    const audit = await h.store.audit({ conversationId: `teams:${dm}` });
    expect(audit.at(-1)?.code).toBe('answer:no');
  });

  it.each([
    ['an empty object', {}],
    ['no type', { ...personalMessage('hi'), type: undefined }],
    ['a numeric type', { ...personalMessage('hi'), type: 7 }],
    ['conversation null', { ...personalMessage('hi'), conversation: null }],
    ['no conversation id', { ...personalMessage('hi'), conversation: { conversationType: 'personal' } }],
    ['no serviceUrl', { ...personalMessage('hi'), serviceUrl: undefined }],
    ['a serviceUrl that is not a URL', { ...personalMessage('hi'), serviceUrl: 'not a url' }],
    ['from null', { ...personalMessage('hi'), from: null }],
    ['no from.id', { ...personalMessage('hi'), from: { name: 'Alex' } }],
    ['no activity id', { ...personalMessage('hi'), id: undefined }],
    ['no channelId', { ...personalMessage('hi'), channelId: undefined }],
    ['a numeric text', { ...personalMessage('hi'), text: 42 }],
    ['an invoke with no name', { ...executeClick({ verb: 'answer', ref: 'x', value: 'no' }, 'bot-msg-1'), name: undefined }],
    ['an Execute invoke with no action', { ...executeClick({ verb: 'answer', ref: 'x', value: 'no' }, 'bot-msg-1'), value: 'string' }],
    ['expectReplies delivery', { ...personalMessage('hi'), deliveryMode: 'expectReplies' }],
  ])('answers 400 (JSON, never 500) to a malformed activity: %s', async (_what, activity) => {
    const res = await h.post(activity);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad_request', message: expect.any(String) as unknown });
    expect(connector.requests).toHaveLength(0);
    expect(await h.store.getConversation(`teams:${dm}`)).toBeNull();
  });

  it('answers 400 to a body that is not JSON (the body reader) and never reaches the adapter', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(res.status).toBe(400);
  });

  it('answers 200 and does nothing for activities it does not act on', async () => {
    const update = { ...personalMessage(''), type: 'conversationUpdate', text: undefined, membersAdded: [{ id: '28:bot' }] };
    expect((await h.post(update)).status).toBe(200);
    const typing = { ...personalMessage(''), type: 'typing', text: undefined };
    expect((await h.post(typing)).status).toBe(200);
    expect(connector.requests).toHaveLength(0);
  });

  it('answers an unrecognised card action with an error invoke response, not a 500', async () => {
    const res = await h.post(executeClick({ verb: 'launch-rockets' }, 'bot-msg-1'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
  });
});
