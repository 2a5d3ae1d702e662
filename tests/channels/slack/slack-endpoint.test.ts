/**
 * POST /slack/events as a protocol endpoint: signatures and timestamps, malformed bodies, the URL check, the 3 s
 * ack whatever the Web API does, and redeliveries answered without a second reply. The other routes of the one
 * server still parse their JSON.
 */
import nock from 'nock';
import { slackSignature } from '../../../src/channels/slack/slack-signature';
import {
  ALEX,
  answerButton,
  click,
  dmMessage,
  dmOf,
  eventCallback,
  interaction,
  nockSlackApi,
  offline,
  posted,
  SIGNING_SECRET,
  slashCommand,
  startSlack,
  TEAM,
  type SlackApi,
  type SlackHarness,
} from './harness';

offline();

describe('Slack endpoint: requests', () => {
  let h: SlackHarness;
  let api: SlackApi;

  beforeEach(async () => {
    nock.cleanAll();
    api = nockSlackApi();
    h = await startSlack();
  });
  afterEach(async () => {
    await h.close();
  });

  const nothingStored = async () => expect(await h.store.getConversation(`slack:${TEAM}:${ALEX}`)).toBeNull();

  it('answers the URL verification challenge', async () => {
    const res = await h.post({ token: 'legacy', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    expect(res).toMatchObject({ status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } });
  });

  it('refuses a bad or missing signature with 401 and does nothing', async () => {
    const body = dmMessage('hello');
    const other = slackSignature('another-signing-secret', Math.floor(h.now().getTime() / 1000), JSON.stringify(body));
    expect((await h.post(body, { signature: other })).status).toBe(401);
    expect((await h.post(body, { signature: 'v0=' + '0'.repeat(64) })).status).toBe(401);
    expect((await h.post(body, { signature: 'v0=short' })).status).toBe(401);
    const none = await h.post(body, { signature: null });
    expect(none).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    // Signed over other bytes (the body re-serialised): refused too.
    const reformatted = slackSignature(SIGNING_SECRET, Math.floor(h.now().getTime() / 1000), JSON.stringify(body, null, 1));
    expect((await h.post(body, { signature: reformatted })).status).toBe(401);
    expect(api.calls).toHaveLength(0);
    await nothingStored();
  });

  it('refuses a timestamp more than five minutes old (a replay) with 401', async () => {
    const body = dmMessage('hello');
    const old = Math.floor(h.now().getTime() / 1000) - 5 * 60 - 1;
    expect((await h.post(body, { timestamp: old })).status).toBe(401);
    expect((await h.post(slashCommand(''), { timestamp: old })).status).toBe(401);
    const recent = Math.floor(h.now().getTime() / 1000) - 4 * 60;
    expect((await h.post(body, { timestamp: recent })).status).toBe(200);
    expect(posted(api, dmOf(ALEX))).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"type":"event_callback",', 'application/json'],
    ['a JSON array', '[1,2]', 'application/json'],
    ['an event with no event_id', JSON.stringify({ ...eventCallback({ type: 'message', channel: 'D1', user: ALEX, ts: '1.2' }), event_id: undefined }), 'application/json'],
    ['a message event with a bad ts', JSON.stringify(eventCallback({ type: 'message', channel: 'D1', user: ALEX, ts: 'yesterday', channel_type: 'im' })), 'application/json'],
    ['an interaction payload that is not JSON', 'payload=%7Bnope', 'application/x-www-form-urlencoded'],
    ['block_actions with no actions', interaction({ type: 'block_actions', user: { id: ALEX }, team: { id: TEAM }, trigger_id: 't.1', actions: [] }), 'application/x-www-form-urlencoded'],
    ['a slash command with no user', slashCommand('').replace(/&user_id=[^&]*/, ''), 'application/x-www-form-urlencoded'],
    ['a form that is neither', 'hello=world', 'application/x-www-form-urlencoded'],
  ])('answers 400 to a signed but malformed body (%s), stores nothing and calls nobody', async (_what, body, contentType) => {
    const res = await h.post(body, { contentType });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad_request' });
    expect(api.calls).toHaveLength(0);
    await nothingStored();
  });

  it('refuses any other content type with 415 before reading the body or checking the signature', async () => {
    const res = await h.post('hello', { contentType: 'text/plain' });
    expect(res).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect((await h.post('hello', { contentType: 'text/plain', signature: null })).status).toBe(415);
    expect(api.calls).toHaveLength(0);
    await nothingStored();
  });

  it('acknowledges SSL checks and events it does not act on', async () => {
    expect((await h.post('ssl_check=1&token=legacy')).status).toBe(200);
    expect((await h.post(eventCallback({ type: 'reaction_added', user: ALEX, reaction: 'thumbsup', event_ts: '1.2' }))).status).toBe(200);
    expect((await h.post(interaction({ type: 'view_closed', user: { id: ALEX }, team: { id: TEAM }, view: { id: 'V1' } }))).status).toBe(200);
    expect(api.calls).toHaveLength(0);
  });

  it('acks within a moment even when the Web API takes 2 s, then does the work', async () => {
    api.slow('chat.postMessage', 2000);
    const res = await h.post(dmMessage('hello'), { noWait: true });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1000);
    const answeredAt = Date.now();
    await h.settled();
    const reply = api.of('chat.postMessage');
    expect(reply).toHaveLength(1);
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(1500);

    // A click is acked before its chat.update and the next view (both slow here).
    api.slow('chat.update', 2000);
    const clicked = click(h, api, answerButton('no'));
    const started = Date.now();
    // click() waits for the work; the HTTP answer itself came first.
    const { res: clickRes } = await clicked;
    expect(clickRes.ms).toBeLessThan(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('answers a redelivery (X-Slack-Retry-Num) and a repeated event_id without a second reply', async () => {
    const body = dmMessage('hello', ALEX, 'Ev0REPEAT01');
    await h.post(body);
    expect(posted(api, dmOf(ALEX))).toHaveLength(1);
    const retry = await h.post(body, { retryNum: 1 });
    expect(retry.status).toBe(200);
    const again = await h.post(dmMessage('no', ALEX, 'Ev0REPEAT01'));
    expect(again.status).toBe(200);
    expect(posted(api, dmOf(ALEX))).toHaveLength(1);
    expect((await h.view()).node).toBe('@danger');
  });

  it('drops a redelivery that reaches another replica: the stored inbound key makes it a duplicate', async () => {
    const body = dmMessage('hello', ALEX, 'Ev0REPLICA1');
    await h.post(body);
    const replica = await startSlack({ store: h.store });
    try {
      const retry = await replica.post(body, { retryNum: 1 });
      expect(retry.status).toBe(200);
      expect(posted(api, dmOf(ALEX))).toHaveLength(1);
      // A slash command redelivered to the other replica (same trigger id) is not run twice either.
      const command = slashCommand('contacts');
      await h.post(command);
      const posts = posted(api, dmOf(ALEX)).length;
      await replica.post(command);
      expect(posted(api, dmOf(ALEX))).toHaveLength(posts);
    } finally {
      await replica.close(false);
    }
  });

  it('keeps the JSON body parser on the other routes, and shows Slack on /healthz', async () => {
    expect(await h.health()).toMatchObject({ status: 'ok', slack: true });
    const web = await startSlack({ webChat: true });
    try {
      const res = await fetch(web.url.replace('/slack/events', '/api/web/messages'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session: 'session-1', messageId: 'msg-0001', open: true }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { view: { node: string } }).view.node).toBe('@danger');
      const bad = await fetch(web.url.replace('/slack/events', '/api/web/messages'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
      expect(bad.status).toBe(400);
    } finally {
      await web.close();
    }
  });

  it('calls nothing at start-up: no auth.test, so an unreachable Slack cannot stop the server', async () => {
    const fresh = await startSlack();
    try {
      expect(api.calls).toHaveLength(0);
      expect(await fresh.health()).toMatchObject({ status: 'ok' });
    } finally {
      await fresh.close();
    }
  });
});
