/**
 * Entry points outside the DM: /cse in a channel and an @mention get an ephemeral pointer there and nothing else,
 * and the procedure starts in the person's DM; /cse in the DM is typed text; the App Home shows the areas, the
 * conversation in progress and a Start button that starts in the DM.
 */
import nock from 'nock';
import { CHANNEL_POINTER_TEXT } from '../../../src/channels/slack/blocks';
import {
  API_HOST,
  actionId,
  ALEX,
  answerButton,
  CHANNEL,
  channelMention,
  click,
  dmMessage,
  dmOf,
  elementsOf,
  homeAction,
  homeOpened,
  interaction,
  nockSlackApi,
  offline,
  posted,
  slashCommand,
  startSlack,
  TEAM,
  type ApiCall,
  type SlackApi,
  type SlackHarness,
} from './harness';

offline();

const inChannel = { channel_id: CHANNEL, channel_name: 'general' };

/** Words that only a view, an answer or a contact would carry: none may reach a channel. */
const SENSITIVE = /indicator|immediate danger|risk level|case reference|contact|phone|@|tel:|mailto:|nottingham|sandwell|999|children|toolkit/i;

describe('Slack outside the DM', () => {
  let h: SlackHarness;
  let api: SlackApi;
  const dm = dmOf(ALEX);

  beforeEach(async () => {
    nock.cleanAll();
    api = nockSlackApi();
    h = await startSlack();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Every Web API call aimed at the channel, whatever the method. */
  const channelBound = (): ApiCall[] => api.calls.filter((c) => c.args.channel === CHANNEL);

  function expectOnlyThePointer(): void {
    const calls = channelBound();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe('chat.postEphemeral');
    expect(calls[0]?.args).toMatchObject({ channel: CHANNEL, user: ALEX, text: CHANNEL_POINTER_TEXT });
    expect(calls[0]?.args.blocks).toBeUndefined();
    expect(JSON.stringify(calls[0]?.args)).not.toMatch(SENSITIVE);
  }

  it('/cse in a channel: an ephemeral pointer there, the first view in the DM', async () => {
    const res = await h.post(slashCommand('', inChannel));
    expect(res).toMatchObject({ status: 200, body: null });
    expect(api.of('conversations.open')[0]?.args).toMatchObject({ users: ALEX });
    const dmPosts = posted(api, dm);
    expect(dmPosts).toHaveLength(1);
    expect(dmPosts[0]?.text).toContain('immediate danger');
    expectOnlyThePointer();
    // The pointer comes after the DM is there to point at.
    expect(api.calls.findIndex((c) => c.method === 'chat.postEphemeral')).toBeGreaterThan(api.calls.findIndex((c) => c.method === 'chat.postMessage'));
    expect((await h.view()).node).toBe('@danger');

    // The procedure then goes on in the DM, where the conversation lives.
    await click(h, api, answerButton('no'));
    expect((await h.view()).node).toBe('@area');
    expectOnlyThePointer();
  });

  it('/cse contacts and /cse help from a channel: the answer in the DM, the pointer in the channel', async () => {
    await h.post(slashCommand('', inChannel));
    await click(h, api, answerButton('no'));
    await click(h, api, answerButton('nottingham-city'));
    api.clear();
    await h.post(slashCommand('contacts', inChannel));
    expect(posted(api, dm).at(-1)?.text).toMatch(/Nottingham City contacts/);
    await h.post(slashCommand('help', inChannel));
    expect(posted(api, dm).at(-1)?.text).toMatch(/Help/);
    const calls = channelBound();
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.method).toBe('chat.postEphemeral');
      expect(c.args.text).toBe(CHANNEL_POINTER_TEXT);
    }
  });

  it('does not take other text typed after /cse in a channel as an answer', async () => {
    await h.post(slashCommand('', inChannel));
    await h.post(slashCommand('yes', inChannel));
    expect((await h.view()).node).toBe('@danger');
  });

  it('/cse in the DM: no pointer, and its text is what a typed message would be', async () => {
    await h.post(slashCommand(''));
    expect(posted(api, dm)).toHaveLength(1);
    await h.post(slashCommand('toolkit'));
    expect(posted(api, dm).at(-1)?.text).toMatch(/Carrying on where you were/);
    await h.post(slashCommand('no'));
    expect((await h.view()).node).toBe('@area');
    expect(api.of('chat.postEphemeral')).toHaveLength(0);
  });

  it('an @mention in a channel: the pointer there, the procedure in the DM; only "emergency" is acted on', async () => {
    await h.post(channelMention('can you help with a worry about a child?'));
    expect(posted(api, dm)).toHaveLength(1);
    expect((await h.view()).node).toBe('@danger');
    expectOnlyThePointer();
    await h.post(channelMention('emergency'));
    expect((await h.view()).node).toBe('@emergency');
    expect(channelBound()).toHaveLength(2);
    expect(channelBound().every((c) => c.method === 'chat.postEphemeral' && c.args.text === CHANNEL_POINTER_TEXT)).toBe(true);
  });

  it('falls back to the response_url when the bot is not in the channel', async () => {
    api.failWith('chat.postEphemeral', 'not_in_channel');
    const hook = nock('https://hooks.slack.com')
      .post(`/commands/${TEAM}/1234/abcd`, (body: { response_type?: string; text?: string }) => body.response_type === 'ephemeral' && body.text === CHANNEL_POINTER_TEXT)
      .reply(200, 'ok');
    await h.post(slashCommand('', inChannel));
    expect(hook.isDone()).toBe(true);
    expect(posted(api, dm)).toHaveLength(1);
  });

  it('uses a response_url on the origin of SLACK_API_URL (a proxy, a test), whatever its scheme', async () => {
    api.failWith('chat.postEphemeral', 'not_in_channel');
    const hook = nock(API_HOST)
      .post('/hooks/cse-1', (body: { response_type?: string; text?: string }) => body.response_type === 'ephemeral' && body.text === CHANNEL_POINTER_TEXT)
      .reply(200, 'ok');
    await h.post(slashCommand('', inChannel, ALEX, `${API_HOST}/hooks/cse-1`));
    expect(hook.isDone()).toBe(true);
    expect(posted(api, dm)).toHaveLength(1);
  });

  it.each([
    ['plain http on another host', 'http://hooks.example.net/commands/1'],
    ['https on a host that is not Slack', 'https://collector.example.com/steal'],
    ['with credentials', 'https://user:pass@hooks.slack.com/commands/1'],
    ['not a URL at all', 'not a url'],
  ])('never refuses /cse for its response_url (%s): the command runs, and that URL is never called', async (_what, url) => {
    api.failWith('chat.postEphemeral', 'not_in_channel');
    const res = await h.post(slashCommand('', inChannel, ALEX, url));
    expect(res.status).toBe(200);
    expect(posted(api, dm)).toHaveLength(1);
    // The pointer could not be posted (the bot is not in the channel) and there is no trusted URL to carry it: that
    // is recorded, and nothing went anywhere else (nock refuses every host it was not told about).
    expect(nock.pendingMocks()).toEqual([]);
    const failed = (await h.store.audit({ conversationId: `slack:${TEAM}:${ALEX}` })).filter((a) => a.kind === 'notification-failed');
    expect(failed).toHaveLength(1);
  });

  it('tells the person when their DM cannot be opened, and starts nothing', async () => {
    api.failWith('conversations.open', 'user_disabled');
    await h.post(slashCommand('', inChannel));
    const calls = channelBound();
    expect(calls).toHaveLength(1);
    expect(String(calls[0]?.args.text)).toMatch(/could not open a direct message/);
    expect(JSON.stringify(calls[0]?.args)).not.toMatch(/indicator|risk level|case reference/i);
    expect(await h.store.getConversation(`slack:${TEAM}:${ALEX}`)).toBeNull();
  });

  it('App Home: the areas and their contacts, then the conversation in progress; Start begins in the DM', async () => {
    await h.post(homeOpened());
    const first = api.of('views.publish');
    expect(first).toHaveLength(1);
    expect(first[0]?.args.user_id).toBe(ALEX);
    const home = JSON.stringify(first[0]?.args.view);
    expect(home).toContain('"type":"home"');
    expect(home).toContain('Nottingham City');
    expect(home).toContain('Sandwell');
    expect(home).not.toContain('In progress');

    await h.post(dmMessage('hello'));
    await click(h, api, answerButton('no'));
    await h.post(homeOpened());
    const second = JSON.stringify(api.of('views.publish')[1]?.args.view);
    expect(second).toContain('In progress');
    expect(second).toContain((await h.view()).title.slice(0, 20));

    // Start (from the Home tab: a view container, no message) starts afresh in the DM.
    const start = elementsOf((api.of('views.publish')[1]?.args.view as { blocks: unknown[] }).blocks).find(actionId('cse_start'))!;
    const posts = posted(api, dm).length;
    await h.post(interaction(homeAction({ action_id: start.action_id, value: start.value })));
    expect(api.of('conversations.open').at(-1)?.args).toMatchObject({ users: ALEX });
    expect(posted(api, dm)).toHaveLength(posts + 1);
    expect((await h.view()).node).toBe('@danger');
    expect(api.calls.filter((c) => c.args.channel !== undefined && c.args.channel !== dm)).toHaveLength(0);
  });
});
