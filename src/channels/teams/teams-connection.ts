/**
 * The Bot Framework plumbing: one CloudAdapter and its authentication, built from the four Microsoft* settings.
 * botbuilder is imported only under src/channels/teams/ (the SDK is out of support, so it must stay swappable).
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';

export interface TeamsSettings {
  /** Empty or unset: inbound requests are NOT authenticated and outbound calls carry no token (local tools only). */
  appId?: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}

/** What authenticating one request yields: the caller's claims and a factory for outbound connector clients. */
export type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

export interface TeamsConnection {
  adapter: CloudAdapter;
  auth: ConfigurationBotFrameworkAuthentication;
  /** The bot's app id ('' when authentication is off). */
  appId: string;
  authenticated: boolean;
  /** The OAuth scope of outbound connector calls (public cloud). */
  audience: string;
}

/** Public-cloud Bot Framework scope for tokens the bot sends to the channel service. */
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

/** Builds the adapter; with an app id every inbound request's JWT is checked, without one nothing is. */
export function connectTeams(settings: TeamsSettings): TeamsConnection {
  const appId = settings.appId?.trim() ?? '';
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: settings.appPassword ?? '',
    // Without an app id the SDK would refuse SingleTenant/MSI at construction; there is nothing to sign in with anyway.
    MicrosoftAppType: appId ? settings.appType : 'MultiTenant',
    MicrosoftAppTenantId: settings.tenantId ?? '',
  });
  return { adapter: new CloudAdapter(auth), auth, appId, authenticated: appId !== '', audience: BOT_FRAMEWORK_SCOPE };
}
