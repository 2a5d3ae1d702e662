import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type restify from 'restify';
import type { Logger } from 'pino';
import { answerLabel, type Engine } from '../../engine';
import type { ConversationService, JudgedTurn } from '../../conversation/conversation-service';
import { answeredCard, noticeCard, parseCardAction, viewCard } from '../teams/cards';
import { WebMessage, webTurn } from './web-channel';
import { guarded, type Handler } from '../../http/guarded';
import { acceptBody, BODY_RULES } from '../../http/body';
import { pageOnly } from '../../http/same-origin';

export interface WebDeps {
  engine: Engine;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
  /** Off unless the server listens on loopback or WEB_CHAT=on: the page has no sign-in. */
  enabled: boolean;
  /** The host names the page answers to; any other Host, or another site's Origin, is refused (see pageOnly). */
  hosts: readonly string[];
  /** Pack provenance per area, shown on the page. */
  provenance: { id: string; name: string; provenance: string }[];
}

const PUBLIC = join(__dirname, 'public');
// The renderer is served from node_modules: nothing is fetched from a CDN.
const VENDOR = join(require.resolve('adaptivecards/package.json'), '..', 'dist');

/** Static files are read once at start; the page is small and never changes while running. */
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/web/app.js': { file: join(PUBLIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/web/app.css': { file: join(PUBLIC, 'app.css'), type: 'text/css; charset=utf-8' },
  '/web/vendor/adaptivecards.min.js': { file: join(VENDOR, 'adaptivecards.min.js'), type: 'text/javascript; charset=utf-8' },
  '/web/vendor/adaptivecards.css': { file: join(VENDOR, 'adaptivecards.css'), type: 'text/css; charset=utf-8' },
};


/** Mounts the local try-it page and its JSON channel on the one server. */
export function mountWeb(server: restify.Server, deps: WebDeps): void {
  const { conversations, log } = deps;
  const files = Object.fromEntries(Object.entries(STATIC).map(([path, s]) => [path, { body: readFileSync(s.file), type: s.type }]));
  const route = (handler: Handler) => guarded(log, handler);
  const page = pageOnly(deps.hosts, log);

  for (const [path, file] of Object.entries(files)) {
    server.get(
      path,
      page,
      route((_req, res) => {
        if (!deps.enabled) {
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          res.sendRaw(path === '/' ? 200 : 404, 'The local web chat is disabled: the server is not listening on a loopback address. Set WEB_CHAT=on to enable it (it has no sign-in).');
          return;
        }
        res.setHeader('content-type', file.type);
        res.setHeader('cache-control', 'no-cache');
        res.setHeader('x-content-type-options', 'nosniff');
        res.sendRaw(200, file.body);
      }),
    );
  }

  server.get(
    '/api/web/areas',
    page,
    route((_req, res) => {
      if (!deps.enabled) return void res.send(404, { error: 'web_chat_disabled', message: 'The web chat is disabled on this server.' });
      res.send(200, { areas: deps.provenance });
    }),
  );

  server.post(
    '/api/web/messages',
    page,
    acceptBody(BODY_RULES.web, log),
    route(async (req, res) => {
      if (!deps.enabled) return void res.send(404, { error: 'web_chat_disabled', message: 'The web chat is disabled on this server.' });
      const parsed = WebMessage.safeParse(req.body);
      if (!parsed.success) {
        res.send(400, { error: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
        return;
      }
      let message = parsed.data;
      // A card click carries the card's own data, exactly as Teams would send it; it is read the same way.
      if (message.action !== undefined) {
        const action = message.action.verb === 'send-summary' ? ({ verb: 'send-summary' } as const) : parseCardAction(message.action);
        if (!action || action.verb === 'acknowledge') {
          res.send(400, { error: 'bad_request', message: 'action: not an action of this bot' });
          return;
        }
        if (action.verb === 'send-summary') {
          // The local page has no directory of managers and no way to reach one; say so rather than pretend.
          const notice = { kind: 'info' as const, title: 'On this local page the risk summary cannot be sent to a manager.', lines: ['In Teams or Slack the outcome offers to send it to your line manager.'] };
          res.send(200, { view: null, notice, error: null, card: noticeCard(notice), answered: null, stale: null });
          return;
        }
        message = {
          session: message.session,
          messageId: message.messageId,
          ...(action.verb === 'answer' ? { answer: { ref: action.ref, value: action.value } } : { command: action.command }),
        };
      }
      const now = deps.clock().toISOString();
      const answer = message.answer;
      // The page's answer is decided with the turn and stored with it: a message the page sends again (its request
      // timed out, the page retried) gets the same answer, not a second turn.
      const turn = {
        ...webTurn(message, now),
        reply: ({ result, previous }: JudgedTurn) => ({
          messages: [],
          response: {
            view: result.view,
            notice: result.notice ?? null,
            error: result.error ?? null,
            card: viewCard(result.view, result.notice),
            answered: previous && answer && !result.error && result.changed ? answeredCard(previous, answerLabel(previous, answer.value)) : null,
            stale: result.error?.code === 'stale_answer' ? noticeCard(result.notice ?? { kind: 'error', title: result.error.message, lines: [] }) : null,
          },
        }),
      };
      const outcome = await conversations.handle(turn);
      if (outcome.status === 'duplicate') {
        res.send(200, outcome.response ?? { duplicate: true });
        return;
      }
      res.send(200, outcome.response);
    }),
  );
}
