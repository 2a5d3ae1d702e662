import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './log';
import { loadCatalogue, ProcedureInvalidError, formatProblem } from './procedure/load';
import { createEngine, UnknownAreaError } from './engine';
import { createStore } from './store';
import { ConversationService } from './conversation/conversation-service';
import { OutboxDispatcher } from './conversation/outbox-dispatcher';
import { TurnGate } from './conversation/turn-gate';
import { createServer } from './server';
import { pageHosts } from './http/same-origin';
import { connectTeams } from './channels/teams/teams-connection';
import { mountTeams } from './channels/teams/mount-teams';
import { TeamsDeliverer } from './channels/teams/teams-deliverer';

/**
 * Turns working at once in this process, per channel (see TurnGate). Slack must be acknowledged within 3 s, and an
 * ack waits for every turn working when its request arrives, so Slack admits few; a Teams request is answered when
 * its turn is done, and more turns at once share each SQLite commit. Measured (docs/benchmarks.md): at 200
 * conversations Slack's ack p99 is lowest with 2 at the same turns a second; Teams does ~20% more turns a second
 * with 8 than with 4.
 */
const SLACK_TURNS = 2;
const TEAMS_TURNS = 8;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether the sign-in-less local page may be served. */
export function webChatEnabled(config: Config): boolean {
  if (config.WEB_CHAT === 'on') return true;
  if (config.WEB_CHAT === 'off') return false;
  return LOOPBACK.test(config.HOST);
}

/** Wires configuration, packs, engine, store, dispatcher and server together, then listens. */
export async function main(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL);
  const catalogue = loadCatalogue(config.DIALOGS_DIR);
  const enabled = config.ENABLED_AREAS;
  if (enabled) {
    const unknown = enabled.filter((a) => !catalogue.procedures.some((p) => p.area === a));
    if (unknown.length > 0) throw new UnknownAreaError(`ENABLED_AREAS names areas with no pack: ${unknown.join(', ')}`);
  }
  const procedures = enabled ? catalogue.procedures.filter((p) => enabled.includes(p.area)) : catalogue.procedures;
  const engine = createEngine({ procedures, common: catalogue.common, defaultArea: config.DEFAULT_AREA });
  const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const clock = () => new Date();
  const conversations = new ConversationService(engine, store, log);
  const teams = connectTeams({
    appId: config.MicrosoftAppId,
    appPassword: config.MicrosoftAppPassword,
    appType: config.MicrosoftAppType,
    tenantId: config.MicrosoftAppTenantId,
  });
  const teamsAuth = teams.authenticated ? 'authenticated' : 'unauthenticated';
  // Slack is on when both its variables are set (loadConfig refuses one without the other). Nothing here calls Slack,
  // so start-up with Slack unreachable works; the first request or delivery finds out.
  const slack = config.SLACK_BOT_TOKEN && config.SLACK_SIGNING_SECRET ? { token: config.SLACK_BOT_TOKEN, signingSecret: config.SLACK_SIGNING_SECRET, apiUrl: config.SLACK_API_URL } : null;
  // Bolt and Slack's Web API client are loaded only when Slack is configured: a Teams-only bot starts sooner and
  // holds less memory without them (docs/benchmarks.md).
  const slackModules = slack
    ? { ...(await import('./channels/slack/mount-slack')), ...(await import('./channels/slack/slack-deliverer')) }
    : null;
  const deliverers = {
    teams: new TeamsDeliverer(teams, conversations, log),
    ...(slack && slackModules && { slack: slackModules.SlackDeliverer.create({ token: slack.token, apiUrl: slack.apiUrl, notifications: conversations, log }) }),
  };
  // A process of its own even where a restarted container gets the same host name and pid.
  const worker = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const dispatcher = new OutboxDispatcher(store, deliverers, log, { worker, clock });
  conversations.attach(dispatcher);
  if (store.dialect === 'sqlite') {
    // One process uses a SQLite file at a time (replicas need PostgreSQL), so a lease held by anyone else belongs to
    // a process that is gone: its replies go out now instead of when the lease runs out.
    const released = await store.releaseForeignLeases(worker, clock().toISOString());
    if (released > 0) log.info({ released }, 'outbox: leases of a stopped process released');
  }
  const webChat = webChatEnabled(config);
  const webHosts = pageHosts(config.HOST, config.WEB_CHAT_HOSTS);
  const server = createServer({ engine, conversations, log, clock, webChat, webHosts, storeDialect: store.dialect, teams: teamsAuth, slack: slack !== null });
  // A few turns working at once keep the event loop free to read (and acknowledge) new requests, and bound the memory
  // held by turns in flight.
  mountTeams(server, { connection: teams, conversations, log, clock, gate: new TurnGate(TEAMS_TURNS) });
  const slackChannel =
    slack && slackModules
      ? slackModules.mountSlack(server, { ...slack, conversations, areas: slackModules.homeAreasOf(procedures), log, clock, gate: new TurnGate(SLACK_TURNS) })
      : null;
  if (!teams.authenticated) {
    // Loud on purpose: without an app id anyone who can reach /api/messages can drive the bot and make it call any
    // serviceUrl they name. Fine for the Bot Framework Emulator on a laptop, never for a deployment.
    log.warn({ teams: teamsAuth }, 'MicrosoftAppId is not set: Teams requests are NOT authenticated');
    process.stderr.write(
      '\n*** WARNING: MicrosoftAppId is not set. POST /api/messages accepts requests WITHOUT authentication. ***\n' +
        '*** Use this only for local testing with the Bot Framework Emulator; never expose this server. ***\n\n',
    );
  }

  // Retention: idle conversations after SESSION_TTL_DAYS, records only when RECORD_RETENTION_DAYS is set.
  // Every replica may run it; deletions are idempotent and each run is recorded in the audit trail.
  const runRetention = () =>
    store
      .retention(clock().toISOString(), config.SESSION_TTL_DAYS, config.RECORD_RETENTION_DAYS ?? null)
      .then((counts) => log.info({ ...counts }, 'retention run'))
      .catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'retention run failed'));
  const retentionTimer = setInterval(() => void runRetention(), 6 * 60 * 60 * 1000);
  retentionTimer.unref();
  void runRetention();

  await new Promise<void>((resolve) => {
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  dispatcher.start();
  const address = server.address();
  log.info(
    {
      port: address.port,
      host: config.HOST,
      store: store.dialect,
      areas: engine.areas.map((a) => a.id),
      defaultArea: engine.fixedArea,
      webChat,
      teams: teamsAuth,
      slack: slack !== null,
    },
    'listening',
  );
  process.stdout.write(
    `CSE guidance bot listening on http://${config.HOST}:${address.port} ` +
      `(areas: ${engine.areas.map((a) => a.name).join(', ')}; store: ${store.dialect}; web chat: ${webChat ? 'on' : 'off'}; ` +
      `Teams: POST /api/messages, ${teams.authenticated ? `app ${teams.appId}` : 'UNAUTHENTICATED'}; ` +
      `Slack: ${slack ? 'POST /slack/events' : 'not configured'})\n`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    server.close();
    clearInterval(retentionTimer);
    // Slack work already acknowledged finishes first (its turns hand replies to the dispatcher), then the dispatcher
    // sends what it holds; anything left is in the store for the next start.
    void Promise.resolve(slackChannel?.idle())
      .then(() => dispatcher.stop())
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return { server, store, dispatcher, engine };
}

if (require.main === module) {
  main().catch((e: unknown) => {
    if (e instanceof ProcedureInvalidError) {
      process.stderr.write(`Refusing to start: a procedure pack is invalid.\n${e.problems.map(formatProblem).join('\n')}\n`);
    } else if (e instanceof ConfigError || e instanceof UnknownAreaError) {
      process.stderr.write(`Refusing to start: ${e.message}\n`);
    } else {
      process.stderr.write(`Refusing to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exit(1);
  });
}
