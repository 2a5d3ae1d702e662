/** Connector clients are built once per bot, service URL and audience, not once per activity. */
import type { Activity } from 'botbuilder';
import nock from 'nock';
import { ConnectorReplyError, connectTeams } from '../../../src/channels/teams/teams-connection';
import { connectorFailure } from '../../../src/channels/teams/teams-deliverer';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'msteams', serviceUrl, conversation: { id: 'a:1' }, from: { id: '29:u' }, recipient: { id: '28:bot' } }) as unknown as Activity;

describe('Teams connection', () => {
  it('reuses one connector client per service URL and audience across activities', async () => {
    const { auth } = connectTeams({ appType: 'MultiTenant' });
    const first = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const second = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const a = await first.connectorFactory!.create('https://smba.example/emea/', first.audience);
    const b = await second.connectorFactory!.create('https://smba.example/emea/', second.audience);
    expect(b).toBe(a);
    const other = await second.connectorFactory!.create('https://smba.example/amer/', second.audience);
    expect(other).not.toBe(a);
    // Proactive sends (the outbox) get the same client for the same service URL.
    const proactive = await auth.createConnectorFactory(first.claimsIdentity).create('https://smba.example/emea/', first.audience);
    expect(proactive).toBe(a);
    expect(await auth.createUserTokenClient(first.claimsIdentity)).toBe(await auth.createUserTokenClient(second.claimsIdentity));
  });
});

describe('Teams connection: a turn reply sent as plain JSON', () => {
  const SERVICE = 'https://smba.example/emea/';
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  async function client() {
    const { auth } = connectTeams({ appType: 'MultiTenant' });
    const result = await auth.authenticateRequest(activity(SERVICE), '');
    return result.connectorFactory!.create(SERVICE, result.audience);
  }

  it('posts the activity to the reply URL and returns the resource id', async () => {
    let body: unknown;
    const scope = nock('https://smba.example')
      .post('/emea/v3/conversations/a%3A1%3Bmessageid%3D9/activities/act%2F1', (b: unknown) => ((body = b), true))
      .reply(200, { id: 'reply-1' });
    const c = await client();
    const sent = await c.conversations.replyToActivity('a:1;messageid=9', 'act/1', { type: 'message', text: 'hello' });
    expect(sent).toEqual({ id: 'reply-1' });
    expect(body).toEqual({ type: 'message', text: 'hello' });
    expect(scope.isDone()).toBe(true);
  });

  it('fails like the SDK does: status, the error code from the body, and the Retry-After header', async () => {
    nock('https://smba.example').post(/activities/).reply(429, { error: { code: 'Throttled', message: 'slow down' } }, { 'Retry-After': '7' });
    const c = await client();
    const error = await c.conversations.replyToActivity('a:1', 'act-1', { type: 'message' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorReplyError);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 429, code: 'Throttled' });
    expect(connectorFailure(error, 0)).toEqual({ ok: false, retryable: true, error: '429 Throttled', retryAfterMs: 7000 });
    nock('https://smba.example').post(/activities/).reply(403, { error: { code: 'ConversationBlockedByUser' } });
    expect(connectorFailure(await c.conversations.replyToActivity('a:1', 'act-1', { type: 'message' }).catch((e: unknown) => e), 0)).toEqual({ ok: false, retryable: false, error: '403 ConversationBlockedByUser' });
  });
});
