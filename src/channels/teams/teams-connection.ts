/**
 * The Bot Framework plumbing: one CloudAdapter and its authentication, built from the four Microsoft* settings.
 * botbuilder is imported only under src/channels/teams/ (the SDK is out of support, so it must stay swappable).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationParameters } from 'botbuilder';

export interface TeamsSettings {
  /** Empty or unset: inbound requests are NOT authenticated and outbound calls carry no token (local tools only). */
  appId?: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}

/** What authenticating one request yields: the caller's claims and a factory for outbound connector clients. */
export type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/** Where an outbound activity goes: the channel service and the conversation. */
export interface ConnectorTarget {
  serviceUrl: string;
  conversationId: string;
}

/**
 * Everything the bot says on Teams, with its own credentials: opening a 1:1 chat, posting into a conversation and
 * replacing a posted card. Failures reject with a RestError-shaped error (statusCode, code, response.headers).
 */
export interface ConnectorOutbound {
  createConversation(serviceUrl: string, parameters: ConversationParameters): Promise<string>;
  /** Posts into the conversation; with `replyToId`, as a reply to that activity (Conversations.replyToActivity). */
  send(target: ConnectorTarget, activity: Record<string, unknown>, replyToId?: string): Promise<string | null>;
  update(target: ConnectorTarget, activityId: string, activity: Record<string, unknown>): Promise<void>;
}

export interface TeamsConnection {
  /** Checks inbound requests (mount-teams). */
  auth: ConfigurationBotFrameworkAuthentication;
  outbound: ConnectorOutbound;
  /** The bot's app id ('' when authentication is off). */
  appId: string;
  authenticated: boolean;
  /** The OAuth scope of outbound connector calls (public cloud). */
  audience: string;
}

/** Public-cloud Bot Framework scope for tokens the bot sends to the channel service. */
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ClaimsIdentity = AuthenticateRequestResult['claimsIdentity'];
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;

/** A Map that forgets its oldest entry past `max` (serviceUrl comes from the request, so the keys are not ours). */
class Bounded<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}
  async get(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const made = await make();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, made);
    return made;
  }
}

/** An error shaped like the SDK's RestError, which the channel's error handling reads (statusCode, code, response). */
export class ConnectorReplyError extends Error {
  override readonly name = 'RestError';
  constructor(
    readonly statusCode: number,
    readonly code: string | undefined,
    readonly response: { status: number; headers: { get(name: string): string | undefined } },
  ) {
    super(`Bot Connector answered ${statusCode}${code ? ` ${code}` : ''}`);
  }
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** How long one call to the Bot Connector may take; the outbox retries one that timed out. */
export const CONNECTOR_TIMEOUT_MS = 15_000;

/** Sends JSON with the client's own credentials (they add the bearer token when the bot has an app id). */
async function sendJson(client: ConnectorClient, method: 'POST' | 'PUT', url: URL, body: unknown): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const signable = { headers: { set: (name: string, value: string) => void (headers[name.toLowerCase()] = value), get: (name: string) => headers[name.toLowerCase()] } };
  await client.credentials.signRequest(signable as unknown as Parameters<ConnectorClient['credentials']['signRequest']>[0]);
  const payload = JSON.stringify(body);
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method, agent: https ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) }, timeout: CONNECTOR_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed);
          const code = (parsed as { error?: { code?: unknown } } | undefined)?.error?.code;
          const responseHeaders: IncomingHttpHeaders = res.headers;
          reject(
            new ConnectorReplyError(status, typeof code === 'string' ? code : undefined, {
              status,
              headers: { get: (name: string) => [responseHeaders[name.toLowerCase()]].flat()[0] },
            }),
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Bot Connector did not answer in ${CONNECTOR_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The SDK's authentication, but reusing connector clients: every outbound call (teams-bot, the outbox) asks for a
 * client for its service URL, and the SDK would build a new one, with its own HTTP pipeline, each time (about a tenth
 * of a turn's CPU when profiled, docs/benchmarks.md). The clients hold no per-call state (their credentials fetch
 * and cache tokens themselves), so one per bot identity, service URL and audience is kept.
 */
class ReusingAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Bounded<ConnectorClient>(256);

  override createConnectorFactory(identity: ClaimsIdentity): ConnectorFactory {
    const factory = super.createConnectorFactory(identity);
    const bot = identity.getClaimValue('aud') ?? '';
    const reusing: Pick<ConnectorFactory, 'create'> = {
      create: (serviceUrl: string, audience?: string) => this.connectors.get(`${bot}\n${serviceUrl}\n${audience ?? ''}`, () => factory.create(serviceUrl, audience)),
    };
    return reusing;
  }
}

/** The adapter, with the bot's own identity for outbound calls made outside a turn (the SDK keeps it protected). */
class TeamsAdapter extends CloudAdapter {
  botIdentity(appId: string): ClaimsIdentity {
    return this.createClaimsIdentity(appId);
  }
}

const conversationUrl = (root: string, conversationId: string, rest = '') => new URL(`v3/conversations/${encodeURIComponent(conversationId)}/activities${rest}`, root);

/**
 * The outbound calls as plain JSON over the reused connector clients (the same URLs, bodies and bearer tokens the
 * SDK sends), so no turn context or SDK pipeline is built for a message.
 */
function outboundOf(adapter: TeamsAdapter, auth: ConfigurationBotFrameworkAuthentication, appId: string, audience: string): ConnectorOutbound {
  const clientFor = async (serviceUrl: string) => {
    const identity = adapter.botIdentity(appId);
    const client = await auth.createConnectorFactory(identity).create(serviceUrl, audience);
    const base = (client as unknown as { baseUri?: string }).baseUri ?? serviceUrl;
    return { client, root: base.endsWith('/') ? base : `${base}/` };
  };
  return {
    async createConversation(serviceUrl, parameters) {
      const { client, root } = await clientFor(serviceUrl);
      const created = (await sendJson(client, 'POST', new URL('v3/conversations', root), parameters)) as { id?: unknown } | undefined;
      if (typeof created?.id !== 'string' || created.id === '') throw new Error('Bot Connector created a conversation without an id');
      return created.id;
    },
    async send(target, activity, replyToId) {
      const { client, root } = await clientFor(target.serviceUrl);
      const url = conversationUrl(root, target.conversationId, replyToId === undefined ? '' : `/${encodeURIComponent(replyToId)}`);
      const sent = (await sendJson(client, 'POST', url, replyToId === undefined ? activity : { ...activity, replyToId })) as { id?: unknown } | undefined;
      return typeof sent?.id === 'string' ? sent.id : null;
    },
    async update(target, activityId, activity) {
      const { client, root } = await clientFor(target.serviceUrl);
      await sendJson(client, 'PUT', conversationUrl(root, target.conversationId, `/${encodeURIComponent(activityId)}`), { ...activity, id: activityId });
    },
  };
}

/** Builds the connection; with an app id every inbound request's JWT is checked, without one nothing is. */
export function connectTeams(settings: TeamsSettings): TeamsConnection {
  const appId = settings.appId?.trim() ?? '';
  const auth = new ReusingAuthentication({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: settings.appPassword ?? '',
    // Without an app id the SDK would refuse SingleTenant/MSI at construction; there is nothing to sign in with anyway.
    MicrosoftAppType: appId ? settings.appType : 'MultiTenant',
    MicrosoftAppTenantId: settings.tenantId ?? '',
  });
  const adapter = new TeamsAdapter(auth);
  return { auth, outbound: outboundOf(adapter, auth, appId, BOT_FRAMEWORK_SCOPE), appId, authenticated: appId !== '', audience: BOT_FRAMEWORK_SCOPE };
}
