import restify from 'restify';
import type { Logger } from 'pino';
import type { Engine } from './engine';
import type { ConversationService } from './conversation/conversation-service';
import { mountWeb } from './channels/web/web-routes';
import { guarded } from './http/guarded';
import { guardBoundary } from './http/boundary';
import { LOOPBACK_HOSTS } from './http/same-origin';

export interface ServerDeps {
  engine: Engine;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
  /** Whether the local try-it page and its endpoint are on (loopback, or WEB_CHAT=on). */
  webChat: boolean;
  /** The host names the local page answers to (see pageHosts); the loopback names when not given. */
  webHosts?: readonly string[];
  storeDialect: 'sqlite' | 'postgres';
  /** Shown on /healthz when the Teams endpoint is mounted (see mountTeams): whether its requests are authenticated. */
  teams?: 'authenticated' | 'unauthenticated';
  /** Shown on /healthz: whether the Slack endpoint is mounted (see mountSlack). */
  slack?: boolean;
}

/** The one HTTP server: health, the web channel, and (added by their channels) Teams and Slack. */
export function createServer(deps: ServerDeps): restify.Server {
  const { engine, conversations, log } = deps;
  // No body parser for all routes: each route that takes a body reads it by its own rule (src/http/body.ts), which
  // also decides whether to send 100 Continue, so restify must not send it for every request.
  const server = restify.createServer({ name: 'cse-guidance-bot', handleUncaughtExceptions: false, noWriteContinue: true });
  guardBoundary(server, log);

  server.get(
    '/healthz',
    guarded(log, (_req, res) => {
      res.send(200, {
        status: 'ok',
        areas: engine.areas.map((a) => a.id),
        store: deps.storeDialect,
        webChat: deps.webChat,
        ...(deps.teams !== undefined && { teams: deps.teams }),
        ...(deps.slack !== undefined && { slack: deps.slack }),
      });
    }),
  );

  mountWeb(server, {
    engine,
    conversations,
    log,
    clock: deps.clock,
    enabled: deps.webChat,
    hosts: deps.webHosts ?? LOOPBACK_HOSTS,
    provenance: engine.areas.map((a) => ({ ...a, provenance: engine.provenance(a.id) ?? '' })),
  });

  return server;
}
