/**
 * The Teams connection's outbound calls: plain JSON to the Bot Connector's own URLs over connector clients reused per
 * bot, service URL and audience, failing in the shape the outbox's retry decisions read.
 */
import nock from 'nock';
import type { Activity } from 'botbuilder';
import { BOT_FRAMEWORK_SCOPE, ConnectorReplyError, connectTeams } from '../../../src/channels/teams/teams-connection';
import { connectorFailure } from '../../../src/channels/teams/teams-deliverer';

const SERVICE = 'https://smba.example/emea/';
const target = { serviceUrl: SERVICE, conversationId: 'a:1;messageid=9' };

describe('Teams connection: outbound calls', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('reuses one connector client per bot, service URL and audience, where the SDK builds one per call', async () => {
    const { auth } = connectTeams({ appType: 'MultiTenant' });
    const { claimsIdentity } = await auth.authenticateRequest({ type: 'message', channelId: 'msteams', serviceUrl: SERVICE, conversation: { id: 'a:1' }, from: { id: '29:u' }, recipient: { id: '28:bot' } } as unknown as Activity, '');
    const client = (serviceUrl: string) => auth.createConnectorFactory(claimsIdentity).create(serviceUrl, BOT_FRAMEWORK_SCOPE);
    const a = await client(SERVICE);
    expect(await client(SERVICE)).toBe(a);
    expect(await client('https://smba.example/amer/')).not.toBe(a);
  });

  it('posts into the conversation, replies to an activity, and replaces one, at the Connector\'s URLs', async () => {
    const { outbound } = connectTeams({ appType: 'MultiTenant' });
    const bodies: unknown[] = [];
    const scope = nock('https://smba.example')
      .post('/emea/v3/conversations/a%3A1%3Bmessageid%3D9/activities', (b: unknown) => (bodies.push(b), true))
      .reply(200, { id: 'sent-1' })
      .post('/emea/v3/conversations/a%3A1%3Bmessageid%3D9/activities/act%2F1', (b: unknown) => (bodies.push(b), true))
      .reply(200, { id: 'reply-1' })
      .put('/emea/v3/conversations/a%3A1%3Bmessageid%3D9/activities/card-1', (b: unknown) => (bodies.push(b), true))
      .reply(200, { id: 'card-1' })
      .post('/emea/v3/conversations', (b: unknown) => (bodies.push(b), true))
      .reply(201, { id: 'a:dm-1' });
    expect(await outbound.send(target, { type: 'message', text: 'hello' })).toBe('sent-1');
    expect(await outbound.send(target, { type: 'message', text: 'under it' }, 'act/1')).toBe('reply-1');
    await outbound.update(target, 'card-1', { type: 'message', text: 'answered' });
    expect(await outbound.createConversation(SERVICE, { isGroup: false, members: [{ id: '29:u', name: '' }] } as never)).toBe('a:dm-1');
    expect(bodies).toEqual([
      { type: 'message', text: 'hello' },
      { type: 'message', text: 'under it', replyToId: 'act/1' },
      { type: 'message', text: 'answered', id: 'card-1' },
      { isGroup: false, members: [{ id: '29:u', name: '' }] },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('fails like the SDK does: status, the error code from the body, and the Retry-After header', async () => {
    const { outbound } = connectTeams({ appType: 'MultiTenant' });
    nock('https://smba.example').post(/activities/).reply(429, { error: { code: 'Throttled', message: 'slow down' } }, { 'Retry-After': '7' });
    const error = await outbound.send(target, { type: 'message' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorReplyError);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 429, code: 'Throttled' });
    expect(connectorFailure(error, 0)).toEqual({ ok: false, retryable: true, error: '429 Throttled', retryAfterMs: 7000 });
    nock('https://smba.example').post(/activities/).reply(403, { error: { code: 'ConversationBlockedByUser' } });
    expect(connectorFailure(await outbound.send(target, { type: 'message' }).catch((e: unknown) => e), 0)).toEqual({ ok: false, retryable: false, error: '403 ConversationBlockedByUser' });
  });
});
