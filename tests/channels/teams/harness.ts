/**
 * Test harness for the Teams channel: the real restify server on port 0 with a temp SQLite store, a locally
 * generated RSA key behind nock'd Bot Framework OpenID metadata, a nock'd Entra token endpoint, and a nock'd Bot
 * Connector (serviceUrl) that records every request it gets. Nothing leaves the machine.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
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
import { connectTeams } from '../../../src/channels/teams/teams-connection';
import { mountTeams } from '../../../src/channels/teams/mount-teams';
import { TeamsDeliverer } from '../../../src/channels/teams/teams-deliverer';
import { CASE_REF_VALUE, CHECKLIST_VALUE } from '../../../src/channels/teams/cards';

export const APP_ID = '5f8c1a2e-6b3d-4e7f-9a10-bc2d3e4f5a6b';
export const TENANT = '0d5e2c7a-1b4f-4c3e-8d9a-7f6e5d4c3b2a';
export const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
export const CONNECTOR = 'https://smba.trafficmanager.net';
export const BOT_ID = `28:${APP_ID}`;
export const METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';
const JWKS_URL = 'https://login.botframework.com/v1/.well-known/keys';
export const KID = 'test-signing-key';

/** Alex, the practitioner; Morgan, their manager. Ids as Teams sends them. */
export const ALEX = { id: '29:1AlexTeamsUserId-abc', aadObjectId: 'a11ce000-0000-4000-8000-00000000a1ec', name: 'Alex Practitioner' };
export const MORGAN = { id: '29:1MorganTeamsUserId-xyz', aadObjectId: '0e9a0000-0000-4000-8000-0000000e9a00', name: 'Morgan Manager' };

const catalogue = loadCatalogue(join(__dirname, '../../../dialogs'));

/** The one key pair of this test file: botbuilder caches signing keys statically per metadata URL. */
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Answers the OpenID metadata and JWKS requests of botbuilder's token validation, as login.botframework.com would. */
export function nockOpenIdMetadata(): void {
  const jwk = keys.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  nock('https://login.botframework.com')
    .persist()
    .get('/v1/.well-known/openidconfiguration')
    .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: JWKS_URL, id_token_signing_alg_values_supported: ['RS256'] })
    .get('/v1/.well-known/keys')
    .reply(200, { keys: [{ kty: 'RSA', use: 'sig', kid: KID, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
}

/** The bot's own outbound token (client credentials, single tenant), as Entra ID would answer. */
export function nockTokenEndpoint(): { requests: () => number } {
  let count = 0;
  nock('https://login.microsoftonline.com')
    .persist()
    .post(`/${TENANT}/oauth2/v2.0/token`)
    .query(true)
    .reply(() => {
      count++;
      return [200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'bot-outbound-token' }];
    });
  return { requests: () => count };
}

export interface TokenOptions {
  claims?: Record<string, unknown>;
  privateKey?: KeyObject;
  kid?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

/** A Bot Framework channel token as Teams' connector would send it. */
export function channelToken(options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: 'https://api.botframework.com',
    aud: APP_ID,
    serviceurl: SERVICE_URL,
    nbf: now - 600,
    iat: now - 600,
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  };
  return jwt.sign(payload, (options.privateKey ?? keys.privateKey).export({ type: 'pkcs8', format: 'pem' }), {
    algorithm: 'RS256',
    keyid: options.kid ?? KID,
  });
}

export interface ConnectorRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/** A nock'd Bot Connector: records requests, answers createConversation with a stable 1:1 id, and can fail on cue. */
export function nockConnector() {
  const requests: ConnectorRequest[] = [];
  let n = 0;
  const failures: { match: (r: ConnectorRequest) => boolean; status: number; headers?: Record<string, string>; times: number }[] = [];
  const answer = (method: string) =>
    function (this: { req: { headers: Record<string, string | string[] | undefined> } }, uri: string, body: unknown): [number, unknown, Record<string, string>?] {
      const raw = this.req.headers.authorization;
      const r: ConnectorRequest = { method, path: decodeURIComponent(uri), body: (body ?? {}) as Record<string, unknown>, authorization: Array.isArray(raw) ? raw[0] : raw };
      requests.push(r);
      const failure = failures.find((f) => f.times > 0 && f.match(r));
      if (failure) {
        failure.times--;
        return [failure.status, { error: { code: failure.status === 403 ? 'Forbidden' : 'Failure', message: 'nope' } }, failure.headers];
      }
      if (method === 'POST' && /\/v3\/conversations$/.test(r.path)) {
        const members = (r.body.members as { id: string }[] | undefined) ?? [];
        return [201, { id: `a:1dm-${members[0]?.id ?? 'unknown'}` }];
      }
      return [200, { id: `bot-msg-${++n}` }];
    };
  const scope = nock(CONNECTOR).persist().post(/^\/teams\/v3\//).reply(answer('POST')).put(/^\/teams\/v3\//).reply(answer('PUT'));
  return {
    scope,
    requests,
    /** The next `times` requests that match get `status`. */
    fail(match: (r: ConnectorRequest) => boolean, status: number, times = 1, headers?: Record<string, string>) {
      failures.push({ match, status, headers, times });
    },
    /** Activities sent into a conversation (new messages and replies), oldest first. */
    sentTo(conversationId: string) {
      return requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/teams/v3/conversations/${conversationId}/activities`));
    },
    updates(conversationId: string) {
      return requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`/teams/v3/conversations/${conversationId}/activities/`));
    },
    creates() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/teams/v3/conversations');
    },
  };
}

/** The Adaptive Card a connector request carries (asserting it is one). */
export function cardOf(r: ConnectorRequest): Record<string, unknown> {
  const attachments = r.body.attachments as { contentType: string; content: Record<string, unknown> }[] | undefined;
  if (!attachments?.[0]) throw new Error(`no attachment in ${r.method} ${r.path}`);
  expect(attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachments[0].content;
}

let activitySeq = 1_700_000_000_000;
const nextId = () => String(++activitySeq);

const base = (from: typeof ALEX, conversation: Record<string, unknown>) => ({
  timestamp: '2026-11-22T10:00:00.000Z',
  localTimestamp: '2026-11-22T10:00:00.000+00:00',
  id: nextId(),
  channelId: 'msteams',
  serviceUrl: SERVICE_URL,
  from,
  conversation,
  recipient: { id: BOT_ID, name: 'CSE Guidance' },
  entities: [{ locale: 'en-GB', country: 'GB', platform: 'Web', timezone: 'Europe/London', type: 'clientInfo' }],
  channelData: { tenant: { id: TENANT } },
  locale: 'en-GB',
  localTimezone: 'Europe/London',
});

export const personalConversation = (user = ALEX) => ({ conversationType: 'personal', tenantId: TENANT, id: `a:1dm-${user.id}` });

/** A message typed in the personal chat. */
export function personalMessage(text: string, user = ALEX) {
  return { ...base(user, personalConversation(user)), type: 'message', text, textFormat: 'plain' };
}

/** A message in a team channel that @mentions the bot (the thread's root post). */
export function channelMention(text: string, user = ALEX) {
  const id = nextId();
  const activity = {
    ...base(user, { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: `19:general-abc123@thread.tacv2;messageid=${id}` }),
    id,
    type: 'message',
    text: `<at>CSE Guidance</at> ${text}`,
    textFormat: 'plain',
    attachments: [{ contentType: 'text/html', content: `<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">CSE Guidance</span> ${text}</div></div>` }],
    channelData: {
      teamsChannelId: '19:general-abc123@thread.tacv2',
      teamsTeamId: '19:team-def456@thread.tacv2',
      channel: { id: '19:general-abc123@thread.tacv2' },
      team: { id: '19:team-def456@thread.tacv2' },
      tenant: { id: TENANT },
    },
  };
  activity.entities = [{ mentioned: { id: BOT_ID, name: 'CSE Guidance' }, text: '<at>CSE Guidance</at>', type: 'mention' } as never, ...activity.entities];
  return activity;
}

/** A group chat message that @mentions the bot. */
export function groupChatMention(text: string, user = ALEX) {
  const activity = { ...base(user, { isGroup: true, conversationType: 'groupChat', tenantId: TENANT, id: '19:meeting-chat-789@thread.v2' }), type: 'message', text: `<at>CSE Guidance</at> ${text}` };
  activity.entities = [{ mentioned: { id: BOT_ID, name: 'CSE Guidance' }, text: '<at>CSE Guidance</at>', type: 'mention' } as never, ...activity.entities];
  return activity;
}

/** An Action.Execute click: an adaptiveCard/action invoke on the card message `replyToId`. */
export function executeClick(data: Record<string, unknown>, replyToId: string, user = ALEX) {
  return {
    ...base(user, personalConversation(user)),
    id: `f:${nextId()}`,
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb: data.verb, data }, trigger: 'manual' },
  };
}

/** An Action.Submit click (the fallback): a message whose value is the button's data merged with the inputs. */
export function submitClick(data: Record<string, unknown>, replyToId: string, user = ALEX) {
  return { ...base(user, personalConversation(user)), type: 'message', replyToId, value: data };
}

/** The data a card button would send for a typed answer on this view (the same answers the transcript tests type). */
export function clickData(view: View, typed: string): Record<string, unknown> {
  switch (view.kind) {
    case 'question':
    case 'risk-level': {
      const n = Number(typed);
      const option = Number.isInteger(n) ? view.options[n - 1] : view.options.find((o) => o.value === typed || o.label.toLowerCase().startsWith(typed));
      if (!option) throw new Error(`no option "${typed}" on ${view.ref}`);
      return { verb: 'answer', ref: view.ref, value: option.value };
    }
    case 'checklist': {
      const wanted = typed === 'none' ? [] : typed.split(',').map(Number);
      const toggles = Object.fromEntries(view.groups.flatMap((g) => g.items).map((i) => [`ind:${i.id}`, wanted.includes(i.n) ? 'true' : 'false']));
      return { verb: 'answer', ref: view.ref, value: CHECKLIST_VALUE, ...toggles };
    }
    case 'case-reference':
      return { verb: 'answer', ref: view.ref, value: CASE_REF_VALUE, caseRef: typed };
    case 'actions':
      return { verb: 'answer', ref: view.ref, value: 'done' };
    case 'outcome':
      throw new Error('an outcome has nothing to answer');
  }
}

/** Typed answers that take a Nottingham City run to the refer-to-Children-&-Families-Direct outcome (both areas enabled). */
export const NOTTINGHAM_REFER = ['no', '1', 'done', 'AB123', '1,2,3,4', '1,5,9,20,37', 'no', 'no', 'no', '3'];

export interface TeamsHarnessOptions {
  /** '' to run with authentication off. */
  appId?: string;
  log?: Logger;
}

/** Starts the whole thing: store, engine, service, the server with Teams mounted, and a dispatcher with the Teams deliverer. */
export async function startTeams(options: TeamsHarnessOptions = {}) {
  const appId = options.appId ?? APP_ID;
  const store: Store = await createStore({ dataDir: mkdtempSync(join(tmpdir(), 'cse-teams-')) });
  const engine = createEngine(catalogue);
  const log = options.log ?? createLogger('silent');
  let now = new Date('2026-11-22T10:00:00Z');
  const clock = () => now;
  const conversations = new ConversationService(engine, store, log);
  const connection = connectTeams({ appId, appPassword: appId ? 'test-secret' : undefined, appType: 'SingleTenant', tenantId: TENANT });
  const teams = connection.authenticated ? 'authenticated' : 'unauthenticated';
  const server: Server = createServer({ engine, conversations, log, clock, webChat: false, storeDialect: store.dialect, teams });
  mountTeams(server, { connection, conversations, log, clock });
  const dispatcher = new OutboxDispatcher(store, { teams: new TeamsDeliverer(connection, conversations, log) }, log, { worker: 'test-worker', clock, baseDelayMs: 1000 });
  conversations.attach(dispatcher);
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${server.address().port}/api/messages`;

  /** Posts an activity with a valid channel token (unless `token` says otherwise: null for none). */
  const post = async (activity: unknown, token: string | null = appId ? channelToken() : null) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await res.text();
    // The turn's messages are sent from the outbox after the request is answered: a test reads the connector once
    // they are (a retry scheduled for later is not waited for).
    await dispatcher.idle();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };

  return {
    store,
    engine,
    conversations,
    connection,
    dispatcher,
    post,
    url,
    health: async () => (await fetch(url.replace('/api/messages', '/healthz'))).json() as Promise<Record<string, unknown>>,
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** The current view of a Teams conversation, as the engine shows it. */
    async view(conversationId: string): Promise<View> {
      const peeked = await conversations.peek(`teams:${conversationId}`, now.toISOString());
      if (!peeked) throw new Error(`no conversation ${conversationId}`);
      return peeked.view;
    },
    async close() {
      await dispatcher.stop();
      server.close();
      await store.close();
    },
  };
}
export type TeamsHarness = Awaited<ReturnType<typeof startTeams>>;

/** Waits until `check` holds: an invoke is answered before the next view is sent, so that send lands a moment later. */
export async function eventually(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sets nock up for a suite: no network but the local server, metadata + token endpoint answered. */
export function offline(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    // Dispose of the global HTTP interceptor so the next test file in this worker installs its own.
    nock.restore();
  });
}
