/**
 * Test harness for the Slack channel: the real restify server on port 0 with a temp SQLite store and the Slack
 * endpoint mounted; a nock'd Web API (SLACK_API_URL = https://slack.test/api/) that records every call and answers
 * like Slack; requests signed with a test signing secret; payloads in the shapes Slack sends. Nothing leaves the
 * machine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Server } from 'restify';
import type { Logger } from 'pino';
import { createEngine, type View } from '../../../src/engine';
import { loadCatalogue } from '../../../src/procedure/load';
import { createStore, type Store } from '../../../src/store';
import { ConversationService } from '../../../src/conversation/conversation-service';
import { OutboxDispatcher } from '../../../src/conversation/outbox-dispatcher';
import { createLogger } from '../../../src/log';
import { createServer } from '../../../src/server';
import { homeAreasOf, mountSlack } from '../../../src/channels/slack/mount-slack';
import { SlackDeliverer } from '../../../src/channels/slack/slack-deliverer';
import { slackSignature } from '../../../src/channels/slack/slack-signature';
import type { TurnGate } from '../../../src/conversation/turn-gate';

export const SIGNING_SECRET = 'test-signing-secret-8f14e45fceea167a';
export const BOT_TOKEN = 'xoxb-1111-2222-test-token';
export const API_HOST = 'https://slack.test';
export const API_URL = `${API_HOST}/api/`;
export const TEAM = 'T0CSE0001';
export const APP_ID = 'A0CSEBOT01';
export const BOT_USER = 'U0CSEBOT01';

/** Alex, the practitioner; Morgan, their manager; a team channel. Ids as Slack gives them. */
export const ALEX = 'U0ALEX0001';
export const MORGAN = 'U0MORGAN01';
export const CHANNEL = 'C0GENERAL1';
/** The DM conversations.open gives for each user (Slack returns the same one every time). */
export const dmOf = (user: string) => `D${user.slice(1)}`;

const catalogue = loadCatalogue(join(__dirname, '../../../dialogs'));

/** One Web API call as the nock'd Slack received it: the method and its arguments (JSON fields parsed). */
export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
  at: number;
  /** What the nock'd Slack answered. */
  response: Record<string, unknown>;
}

interface Failure {
  method: string;
  match: (c: ApiCall) => boolean;
  times: number;
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const JSON_FIELDS = new Set(['blocks', 'view', 'attachments']);

function argsOf(body: unknown): Record<string, unknown> {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? {});
  if (text.startsWith('{')) return JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = JSON_FIELDS.has(k) ? (JSON.parse(v) as unknown) : v;
  return out;
}

/** A nock'd Slack Web API: answers like Slack, records calls, fails or stalls on cue. */
export function nockSlackApi() {
  const calls: ApiCall[] = [];
  const failures: Failure[] = [];
  const delays: { method: string; ms: number }[] = [];
  let ts = 1_763_805_600;
  let views = 0;
  const nextTs = () => `${++ts}.000100`;
  const answer = (method: string, args: Record<string, unknown>): [number, Record<string, unknown>] => {
    switch (method) {
      case 'conversations.open':
        return [200, { ok: true, channel: { id: dmOf(String(args.users)) } }];
      case 'chat.postMessage':
        return [200, { ok: true, channel: args.channel, ts: nextTs(), message: { type: 'message', text: args.text } }];
      case 'chat.update':
        return [200, { ok: true, channel: args.channel, ts: args.ts, text: args.text }];
      case 'chat.postEphemeral':
        return [200, { ok: true, message_ts: nextTs() }];
      case 'views.open':
      case 'views.publish':
        return [200, { ok: true, view: { id: `V0VIEW${String(++views).padStart(4, '0')}`, hash: `hash-${views}` } }];
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  };
  const scope = nock(API_HOST)
    .persist()
    .post(/^\/api\/[\w.]+$/)
    .reply(function (this: nock.ReplyFnContext, uri: string, body: nock.Body, callback: (err: NodeJS.ErrnoException | null, result: nock.ReplyFnResult) => void) {
      const method = uri.replace(/^\/api\//, '');
      const raw = (this.req.headers as Record<string, string | string[] | undefined>).authorization;
      const call: ApiCall = { method, args: argsOf(body), authorization: Array.isArray(raw) ? raw[0] : raw, at: Date.now(), response: {} };
      calls.push(call);
      const failure = failures.find((f) => f.times > 0 && f.method === method && f.match(call));
      const [status, response, headers] = failure ? [failure.status, failure.body, failure.headers ?? {}] : [...answer(method, call.args), {}];
      if (failure) failure.times--;
      call.response = response;
      const result: nock.ReplyFnResult = [status, response as nock.Body, headers];
      const delay = delays.find((d) => d.method === method);
      if (delay) setTimeout(() => callback(null, result), delay.ms);
      else callback(null, result);
    });
  return {
    scope,
    calls,
    /** Calls of one method (optionally only those matching), oldest first. */
    of(method: string, match: (c: ApiCall) => boolean = () => true) {
      return calls.filter((c) => c.method === method && match(c));
    },
    /** The next `times` calls of `method` that match answer `{ok: false, error}` (HTTP 200, as Slack does). */
    failWith(method: string, error: string, times = 1, match: (c: ApiCall) => boolean = () => true) {
      failures.push({ method, match, times, status: 200, body: { ok: false, error } });
    },
    /** The next `times` calls of `method` get an HTTP status (429 with Retry-After, 503 …). */
    failHttp(method: string, status: number, headers: Record<string, string> = {}, times = 1, match: (c: ApiCall) => boolean = () => true) {
      failures.push({ method, match, times, status, body: status === 429 ? { ok: false, error: 'ratelimited' } : {}, headers });
    },
    /** Every call of `method` is answered `ms` later. */
    slow(method: string, ms: number) {
      delays.push({ method, ms });
    },
    clear() {
      calls.length = 0;
    },
  };
}
export type SlackApi = ReturnType<typeof nockSlackApi>;

let seq = 0;
const nextId = (prefix: string) => `${prefix}${String(++seq).padStart(6, '0')}`;

/** An Events API envelope, as Slack posts it. */
export function eventCallback(event: Record<string, unknown>, eventId = nextId('Ev0')) {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM,
    context_team_id: TEAM,
    api_app_id: APP_ID,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_763_805_600,
    authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: BOT_USER, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${eventId}`,
  };
}

/** A message typed in the bot's DM (message.im). */
export function dmMessage(text: string, user = ALEX, eventId?: string) {
  const ts = `${1_763_805_600 + ++seq}.000200`;
  return eventCallback(
    {
      client_msg_id: `${seq}-msg`,
      type: 'message',
      text,
      user,
      ts,
      blocks: [{ type: 'rich_text', block_id: 'b1', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }],
      team: TEAM,
      channel: dmOf(user),
      event_ts: ts,
      channel_type: 'im',
    },
    eventId,
  );
}

/** An @mention of the bot in a channel (app_mention). */
export function channelMention(text: string, user = ALEX) {
  const ts = `${1_763_805_600 + ++seq}.000300`;
  return eventCallback({ client_msg_id: `${seq}-m`, type: 'app_mention', text: `<@${BOT_USER}> ${text}`, user, ts, team: TEAM, channel: CHANNEL, event_ts: ts });
}

/** The Home tab opened (app_home_opened). */
export function homeOpened(user = ALEX) {
  return eventCallback({ type: 'app_home_opened', user, channel: dmOf(user), tab: 'home', event_ts: `${1_763_805_600 + ++seq}.000400` });
}

/** The /cse slash command's form body. */
export function slashCommand(
  text: string,
  where: { channel_id: string; channel_name: string } = { channel_id: dmOf(ALEX), channel_name: 'directmessage' },
  user = ALEX,
  responseUrl = `https://hooks.slack.com/commands/${TEAM}/1234/abcd`,
): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'council',
    channel_id: where.channel_id,
    channel_name: where.channel_name,
    user_id: user,
    user_name: 'alex.practitioner',
    command: '/cse',
    text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: nextId('1234567890.111.trig'),
  }).toString();
}

/** An interaction form body: `payload=<JSON>`. */
export const interaction = (payload: Record<string, unknown>): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

export interface ClickOn {
  /** The message the button is on: its channel and ts (from the chat.postMessage that posted it). */
  channel: string;
  ts: string;
  /** The message's blocks, as Slack echoes them back in the payload. */
  blocks?: unknown[];
}

/** A button click (block_actions) on a message in a DM. */
export function blockActions(action: { action_id: string; value?: string; block_id?: string; type?: string }, on: ClickOn, user = ALEX, state: Record<string, unknown> = { values: {} }) {
  const actionTs = `${1_763_805_600 + ++seq}.${String(seq).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    user: { id: user, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: APP_ID,
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: on.ts, channel_id: on.channel, is_ephemeral: false },
    trigger_id: nextId('1234567890.222.trig'),
    team: { id: TEAM, domain: 'council' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: on.channel, name: 'directmessage' },
    message: { type: 'message', user: BOT_USER, ts: on.ts, bot_id: 'B0CSEBOT01', app_id: APP_ID, text: '…', team: TEAM, blocks: on.blocks ?? [] },
    state,
    response_url: `https://hooks.slack.com/actions/${TEAM}/5678/efgh`,
    actions: [{ type: 'button', block_id: action.block_id ?? 'cse_options', text: { type: 'plain_text', text: 'x', emoji: true }, ...action, action_ts: actionTs }],
  };
}

/** A click on the App Home tab (container: view). */
export function homeAction(action: { action_id: string; value?: string }, user = ALEX) {
  const actionTs = `${1_763_805_600 + ++seq}.${String(seq).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    user: { id: user, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: APP_ID,
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: 'V0HOME0001' },
    trigger_id: nextId('1234567890.333.trig'),
    team: { id: TEAM, domain: 'council' },
    enterprise: null,
    is_enterprise_install: false,
    view: { id: 'V0HOME0001', type: 'home', team_id: TEAM, blocks: [], state: { values: {} }, hash: 'h', callback_id: '', external_id: '', app_id: APP_ID },
    actions: [{ type: 'button', block_id: 'cse_home_actions', text: { type: 'plain_text', text: 'x', emoji: true }, ...action, action_ts: actionTs }],
  };
}

/** A modal submitted (view_submission): the view as it was opened, with the inputs' state and Slack's ids. */
export function viewSubmission(opened: Record<string, unknown>, values: Record<string, Record<string, unknown>>, user = ALEX, viewId = 'V0MODAL001') {
  return {
    type: 'view_submission',
    team: { id: TEAM, domain: 'council' },
    user: { id: user, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: APP_ID,
    token: 'legacy-verification-token',
    trigger_id: nextId('1234567890.444.trig'),
    view: {
      id: viewId,
      team_id: TEAM,
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      external_id: '',
      ...opened,
      state: { values },
      hash: `${seq}.hash`,
      previous_view_id: null,
      root_view_id: viewId,
      app_id: APP_ID,
      app_installed_team_id: TEAM,
      bot_id: 'B0CSEBOT01',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Block Kit buttons and selects anywhere in a list of blocks. */
export function elementsOf(blocks: unknown): { action_id: string; value?: string; type: string; block_id: string }[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b: { type?: string; block_id?: string; elements?: unknown[]; accessory?: unknown }) => {
    const els = [...(b.type === 'actions' && Array.isArray(b.elements) ? b.elements : []), ...(b.accessory ? [b.accessory] : [])] as { action_id?: string; value?: string; type: string }[];
    return els.filter((e) => typeof e.action_id === 'string').map((e) => ({ ...e, action_id: e.action_id!, block_id: b.block_id ?? '' }));
  });
}

export interface SlackHarnessOptions {
  log?: Logger;
  /** Another harness's store, to run a second replica against it. */
  store?: Store;
  /** Mount the local web page's JSON route too (to show the body parser still serves it). */
  webChat?: boolean;
  /** Bound the turns working at once, as main.ts does. */
  gate?: TurnGate;
}

/** Starts the whole thing: store, engine, service, the server with Slack mounted, and a dispatcher with the Slack deliverer. */
export async function startSlack(options: SlackHarnessOptions = {}) {
  const store: Store = options.store ?? (await createStore({ dataDir: mkdtempSync(join(tmpdir(), 'cse-slack-')) }));
  const engine = createEngine(catalogue);
  const log = options.log ?? createLogger('silent');
  let now = new Date('2026-11-22T10:00:00Z');
  const clock = () => now;
  const conversations = new ConversationService(engine, store, log);
  const server: Server = createServer({ engine, conversations, log, clock, webChat: options.webChat ?? false, storeDialect: store.dialect, slack: true });
  const slack = mountSlack(server, {
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: API_URL,
    conversations,
    areas: homeAreasOf(catalogue.procedures),
    log,
    clock,
    ...(options.gate && { gate: options.gate }),
  });
  const deliverer = SlackDeliverer.create({ token: BOT_TOKEN, apiUrl: API_URL, notifications: conversations, log });
  const dispatcher = new OutboxDispatcher(store, { slack: deliverer }, log, { worker: 'test-worker', clock, baseDelayMs: 1000 });
  conversations.attach(dispatcher);
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  const url = `${base}/slack/events`;

  interface PostOptions {
    /** Seconds since the epoch to sign with; default the harness clock. */
    timestamp?: number;
    /** A signature to send instead of the right one (null: no signature header). */
    signature?: string | null;
    retryNum?: number;
    contentType?: string;
    /** Do not wait for the work behind the ack before resolving. */
    noWait?: boolean;
  }

  /** Posts a body (object → JSON, string → form) signed as Slack would, then waits for the work behind the ack. */
  const post = async (body: unknown, o: PostOptions = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = o.timestamp ?? Math.floor(now.getTime() / 1000);
    const signature = o.signature === undefined ? slackSignature(SIGNING_SECRET, timestamp, raw) : o.signature;
    const started = Date.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': o.contentType ?? (typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json'),
        'x-slack-request-timestamp': String(timestamp),
        ...(signature !== null && { 'x-slack-signature': signature }),
        ...(o.retryNum !== undefined && { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': 'http_timeout' }),
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      body: raw,
    });
    const text = await res.text();
    const answeredAt = Date.now();
    // The turn's messages are sent from the outbox once its work is done: a test reads the Web API once they are
    // (a retry scheduled for later is not waited for).
    if (!o.noWait) {
      await slack.idle();
      await dispatcher.idle();
    }
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed, ms: answeredAt - started };
  };

  return {
    store,
    engine,
    conversations,
    dispatcher,
    slack,
    post,
    url,
    now: () => now,
    health: async () => (await fetch(`${base}/healthz`)).json() as Promise<Record<string, unknown>>,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** The current view of a person's Slack conversation, as the engine shows it. */
    async view(user = ALEX): Promise<View> {
      const peeked = await conversations.peek(`slack:${TEAM}:${user}`, now.toISOString());
      if (!peeked) throw new Error(`no conversation for ${user}`);
      return peeked.view;
    },
    /** Resolves once every request's work and every message it queued are done. */
    async settled() {
      await slack.idle();
      await dispatcher.idle();
    },
    async close(closeStore = true) {
      await slack.idle();
      await dispatcher.stop();
      server.close();
      if (closeStore) await store.close();
    },
  };
}
export type SlackHarness = Awaited<ReturnType<typeof startSlack>>;

/** Sets nock up for a suite: no network but the local server. */
export function offline(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    // Dispose of the global interceptor so the next test file in this worker installs its own.
    nock.restore();
  });
}

/** A message the bot posted (chat.postMessage), with the ts Slack gave it. */
export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
}

/** The messages posted to a channel, oldest first. */
export function posted(api: SlackApi, channel: string): PostedMessage[] {
  return api
    .of('chat.postMessage', (c) => c.args.channel === channel && c.response.ok === true)
    .map((c) => ({ channel, ts: String(c.response.ts), text: String(c.args.text), blocks: (c.args.blocks as unknown[] | undefined) ?? [] }));
}

type Element = ReturnType<typeof elementsOf>[number];

/** Matches the answer button whose value is `value`. */
export const answerButton =
  (value: string | string[]) =>
  (e: Element): boolean => {
    if (!e.action_id.startsWith('cse_answer:') || !e.value) return false;
    return JSON.stringify((JSON.parse(e.value) as { value: unknown }).value) === JSON.stringify(value);
  };
export const actionId = (id: string) => (e: Element) => e.action_id === id;

/** Finds the latest message in `channel` with an element that matches; throws when there is none. */
export function findButton(api: SlackApi, channel: string, match: (e: Element) => boolean): { message: PostedMessage; element: Element } {
  for (const message of posted(api, channel).reverse()) {
    const element = elementsOf(message.blocks).find(match);
    if (element) return { message, element };
  }
  throw new Error(`no matching button in ${channel}`);
}

/** Clicks a button of the latest message in the person's DM that has one matching. */
export async function click(h: SlackHarness, api: SlackApi, match: (e: Element) => boolean, user = ALEX, state?: Record<string, unknown>) {
  const { message, element } = findButton(api, dmOf(user), match);
  const payload = blockActions({ action_id: element.action_id, value: element.value, block_id: element.block_id, type: element.type }, message, user, state);
  return { res: await h.post(interaction(payload)), message, payload };
}

/** The last modal views.open was called with (with the external_id the bot gave it). */
export function lastModal(api: SlackApi): Record<string, unknown> {
  const call = api.of('views.open').at(-1);
  if (!call) throw new Error('no views.open call');
  return call.args.view as Record<string, unknown>;
}

/** Opens the checklist modal from the DM and submits it with the indicators numbered `wanted` ticked. */
export async function tickIndicators(h: SlackHarness, api: SlackApi, wanted: number[], user = ALEX) {
  const view = await h.view(user);
  if (view.kind !== 'checklist') throw new Error(`not a checklist: ${view.kind}`);
  const opened = await click(h, api, actionId('cse_open_checklist'), user);
  const modal = lastModal(api);
  const ids = view.groups.flatMap((g) => g.items).filter((i) => wanted.includes(i.n));
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of modal.blocks as { type: string; block_id?: string; element?: { action_id: string; options?: { value: string }[] } }[]) {
    if (block.type !== 'input' || !block.element?.options) continue;
    const selected = block.element.options.filter((o) => ids.some((i) => i.id === o.value || `#${i.n}` === o.value));
    values[block.block_id!] = { [block.element.action_id]: { type: 'checkboxes', selected_options: selected } };
  }
  return { opened, res: await h.post(interaction(viewSubmission(modal, values, user))), modal };
}

/** Opens the case-reference modal from the DM and submits it with `typed`. */
export async function enterCaseRef(h: SlackHarness, api: SlackApi, typed: string, user = ALEX) {
  const opened = await click(h, api, actionId('cse_open_case_ref'), user);
  const modal = lastModal(api);
  const res = await h.post(interaction(viewSubmission(modal, { case_ref: { value: { type: 'plain_text_input', value: typed } } }, user)));
  return { opened, res, modal };
}

/**
 * Runs Alex's Nottingham City case to the refer-to-Children-&-Families-Direct outcome by clicks and modals: no
 * immediate danger, Nottingham City, records checked, case reference AB123, indicators 1-4 then 1,5,9,20,37, no, no,
 * not an open case, risk level medium.
 */
export async function runToOutcome(h: SlackHarness, api: SlackApi, user = ALEX): Promise<void> {
  await h.post(dmMessage('what do I do?', user));
  await click(h, api, answerButton('no'), user);
  await click(h, api, answerButton('nottingham-city'), user);
  await click(h, api, answerButton('done'), user);
  await enterCaseRef(h, api, 'AB123', user);
  await tickIndicators(h, api, [1, 2, 3, 4], user);
  await tickIndicators(h, api, [1, 5, 9, 20, 37], user);
  await click(h, api, answerButton('no'), user);
  await click(h, api, answerButton('no'), user);
  await click(h, api, answerButton('not-open-case'), user);
  await click(h, api, answerButton('medium'), user);
}
