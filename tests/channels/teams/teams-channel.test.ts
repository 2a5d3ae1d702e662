/**
 * Channel and group chat mentions: the thread gets the pointer card and nothing else; the procedure runs in a 1:1
 * chat the bot opens with the person.
 */
import { join } from 'node:path';
import nock from 'nock';
import { channelPointerCard, CHANNEL_POINTER_TEXT } from '../../../src/channels/teams/cards';
import { loadCatalogue } from '../../../src/procedure/load';
import {
  ALEX,
  BOT_ID,
  cardOf,
  channelMention,
  clickData,
  executeClick,
  groupChatMention,
  nockConnector,
  nockOpenIdMetadata,
  nockTokenEndpoint,
  offline,
  personalConversation,
  personalMessage,
  startTeams,
  TENANT,
  type ConnectorRequest,
  type TeamsHarness,
} from './harness';

offline();

const catalogue = loadCatalogue(join(__dirname, '../../../dialogs'));
/** Words that must never reach a channel: every contact's name, phone and e-mail, every indicator, every step title. */
const sensitive = catalogue.procedures.flatMap((p) => [
  ...p.contacts.flatMap((c) => [c.name, c.phone, c.email].filter((x): x is string => typeof x === 'string' && x.length > 3)),
  ...p.indicatorLists.flatMap((l) => l.groups.flatMap((g) => g.indicators.map((i) => i.text))),
]);

function assertNothingSensitive(requests: ConnectorRequest[], extra: string[] = []) {
  const text = JSON.stringify(requests.map((r) => r.body));
  for (const s of [...sensitive, ...extra]) expect(text).not.toContain(s);
}

describe('Teams channel and group chat', () => {
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

  it('answers a channel mention with the pointer card only, and starts the procedure in a new 1:1 chat', async () => {
    const mention = channelMention('what do I do?');
    const res = await h.post(mention);
    expect(res.status).toBe(200);

    // A 1:1 conversation is created with the person, in the channel's tenant, through the activity's serviceUrl.
    const creates = connector.creates();
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({ isGroup: false, members: [{ id: ALEX.id }], tenantId: TENANT, channelData: { tenant: { id: TENANT } }, bot: { id: BOT_ID } });

    // The thread gets exactly one message: the pointer card, as a reply to the mention.
    const inChannel = connector.sentTo(mention.conversation.id as string);
    expect(inChannel).toHaveLength(1);
    expect(inChannel[0]?.path).toBe(`/teams/v3/conversations/${mention.conversation.id as string}/activities/${mention.id}`);
    expect(cardOf(inChannel[0]!)).toEqual(channelPointerCard());
    expect(JSON.stringify(inChannel[0]?.body)).toContain(CHANNEL_POINTER_TEXT);

    // The first view goes to the new 1:1 chat.
    const first = await h.view(dm);
    const inDm = connector.sentTo(dm);
    expect(inDm).toHaveLength(1);
    expect(JSON.stringify(cardOf(inDm[0]!))).toContain(first.title.slice(0, 30));
    assertNothingSensitive(inChannel, [first.title]);

    const stored = await h.store.getConversation(`teams:${dm}`);
    expect(stored?.userId).toBe(ALEX.aadObjectId);
    expect(stored?.address).toMatchObject({ conversation: { id: dm, conversationType: 'personal' }, user: { id: ALEX.id }, tenantId: TENANT });
    // Nothing is stored for the channel conversation itself.
    expect(await h.store.getConversation(`teams:${mention.conversation.id as string}`)).toBeNull();
  });

  it('never posts answers, views or outcomes in the channel, however far the person has got', async () => {
    await h.post(personalMessage('hi'));
    for (const typed of ['no', '1', 'done', 'AB123', '1,2,3,4']) await h.post(personalMessage(typed));
    const mention = channelMention('emergency contacts please');
    await h.post(mention);
    const inChannel = connector.sentTo(mention.conversation.id as string);
    expect(inChannel).toHaveLength(1);
    expect(cardOf(inChannel[0]!)).toEqual(channelPointerCard());
    assertNothingSensitive(inChannel, ['AB123', (await h.view(dm)).title]);
    // The person is shown where they are, in the 1:1 chat.
    expect(connector.sentTo(dm)).toHaveLength(7);
  });

  it('goes straight to the emergency step in the 1:1 chat when the mention says emergency', async () => {
    const mention = channelMention('emergency');
    await h.post(mention);
    expect((await h.view(dm)).node).toBe('@emergency');
    const inChannel = connector.sentTo(mention.conversation.id as string);
    expect(inChannel).toHaveLength(1);
    expect(cardOf(inChannel[0]!)).toEqual(channelPointerCard());
  });

  it('does the same for a group chat mention', async () => {
    const mention = groupChatMention('toolkit');
    await h.post(mention);
    const inChat = connector.sentTo(mention.conversation.id as string);
    expect(inChat).toHaveLength(1);
    expect(cardOf(inChat[0]!)).toEqual(channelPointerCard());
    expect(connector.creates()).toHaveLength(1);
    expect(connector.sentTo(dm)).toHaveLength(1);
  });

  it('posts nothing more for a redelivered mention', async () => {
    const mention = channelMention('start');
    await h.post(mention);
    await h.post(mention);
    expect(connector.sentTo(mention.conversation.id as string)).toHaveLength(1);
    expect(connector.sentTo(dm)).toHaveLength(1);
  });

  it('says it could not open a private chat (and nothing else) when Teams refuses to create one', async () => {
    connector.fail((r) => r.path === '/teams/v3/conversations', 403);
    const mention = channelMention('what do I do?');
    expect((await h.post(mention)).status).toBe(200);
    const inChannel = connector.sentTo(mention.conversation.id as string);
    expect(inChannel).toHaveLength(1);
    expect(JSON.stringify(cardOf(inChannel[0]!))).toContain('could not open a private chat');
    assertNothingSensitive(inChannel);
    expect(await h.store.getConversation(`teams:${dm}`)).toBeNull();
  });

  it('does not act on a card click that arrives from a channel', async () => {
    await h.post(personalMessage('hi'));
    const view = await h.view(dm);
    const click = { ...executeClick(clickData(view, 'no'), 'x'), conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: '19:general-abc123@thread.tacv2' } };
    const res = await h.post(click);
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect((await h.view(dm)).ref).toBe(view.ref);
    expect(connector.sentTo('19:general-abc123@thread.tacv2')).toHaveLength(0);
  });
});
