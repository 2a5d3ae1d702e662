import restify from 'restify';
import type { Logger } from 'pino';
import type { Engine } from './engine';
import type { ConversationService } from './conversation/conversation-service';
import { WebMessage, webTurn } from './channels/web/web-channel';

export interface ServerDeps {
  engine: Engine;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
  /** Whether the local try-it page and its endpoint are on (loopback, or WEB_CHAT=on). */
  webChat: boolean;
  storeDialect: 'sqlite' | 'postgres';
  /** Called after a turn queued outbound messages, so they go out without waiting for the next poll. */
  onQueued?: () => void;
}

type Handler = (req: restify.Request, res: restify.Response) => Promise<void>;

/** Restify wants handlers that settle; this one turns a thrown error into a 500 without leaking its text. */
function guarded(log: Logger, handler: Handler): restify.RequestHandler {
  return (req, res, next) => {
    handler(req, res).then(
      () => next(),
      (e: unknown) => {
        log.error({ route: req.getRoute()?.path, err: e instanceof Error ? e.message : String(e) }, 'request failed');
        if (!res.headersSent) res.send(500, { error: 'internal_error', message: 'Something went wrong on our side. Please try again.' });
        next();
      },
    );
  };
}

/** The one HTTP server: health, the web channel, and (added by their channels) Teams and Slack. */
export function createServer(deps: ServerDeps): restify.Server {
  const { engine, conversations, log } = deps;
  const server = restify.createServer({ name: 'cse-guidance-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 64 * 1024, rejectUnknown: true }));

  server.get(
    '/healthz',
    guarded(log, (_req, res) => {
      res.send(200, { status: 'ok', areas: engine.areas.map((a) => a.id), store: deps.storeDialect, webChat: deps.webChat });
      return Promise.resolve();
    }),
  );

  server.get(
    '/',
    guarded(log, (_req, res) => {
      const areas = engine.areas.map((a) => a.name).join(', ');
      const body = deps.webChat
        ? `CSE guidance bot is running. Areas: ${areas}. Web chat API: POST /api/web/messages.`
        : `CSE guidance bot is running. Areas: ${areas}. The local web chat is disabled: the server is not on a loopback address (set WEB_CHAT=on to enable it).`;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.sendRaw(200, body);
      return Promise.resolve();
    }),
  );

  server.post(
    '/api/web/messages',
    guarded(log, async (req, res) => {
      if (!deps.webChat) {
        res.send(404, { error: 'web_chat_disabled', message: 'The web chat is disabled on this server.' });
        return;
      }
      const parsed = WebMessage.safeParse(req.body);
      if (!parsed.success) {
        res.send(400, { error: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
        return;
      }
      const outcome = await conversations.handle(webTurn(parsed.data, deps.clock().toISOString()));
      if (outcome.status === 'duplicate') {
        res.send(200, { duplicate: true });
        return;
      }
      const { result } = outcome;
      if (result.effects.some((e) => e.type === 'notify-manager')) deps.onQueued?.();
      res.send(200, { view: result.view, notice: result.notice ?? null, error: result.error ?? null });
    }),
  );

  return server;
}
