/**
 * POST /api/messages on the one restify server. Order of checks: the body is JSON within its limit (else 4xx, from
 * the body reader), it is a well-formed activity (else 400, from us), the request is authenticated (else 401), then
 * the bot runs the turn. Nothing the sender controls can turn into a 500 with an SDK message in it.
 */
import type restify from 'restify';
import type { Logger } from 'pino';
import type { Activity } from 'botbuilder';
import type { ConversationService } from '../../conversation/conversation-service';
import { parseActivity, type TeamsActivity } from './teams-activity';
import type { TurnGate } from '../../conversation/turn-gate';
import { guarded } from '../../http/guarded';
import { acceptBody, BODY_RULES } from '../../http/body';
import { TeamsBot, describeError, type HttpReply } from './teams-bot';
import type { TeamsConnection } from './teams-connection';

export interface TeamsDeps {
  connection: TeamsConnection;
  conversations: ConversationService;
  log: Logger;
  clock: () => Date;
  /** How many Teams turns work at once (see TurnGate). */
  gate?: TurnGate;
}

export const TEAMS_ROUTE = '/api/messages';

const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/** 401 for anything wrong with the token; 503 when the signing keys could not be fetched; anything else is ours. */
function authFailureStatus(e: unknown): 401 | 503 | null {
  if (!(e instanceof Error)) return null;
  if (JWT_ERRORS.has(e.name)) return 401;
  const status = (e as { statusCode?: unknown }).statusCode;
  if (status === 401 || status === 403) return 401;
  if (e.name === 'FetchError' || (typeof status === 'number' && /openID config|Keys/i.test(e.message))) return 503;
  return null;
}

/** Mounts the Teams endpoint; returns the bot so callers (tests) can reach its logic. */
export function mountTeams(server: restify.Server, deps: TeamsDeps): TeamsBot {
  const { connection, log } = deps;
  const bot = new TeamsBot(deps);

  const handle = async (req: restify.Request, res: restify.Response): Promise<void> => {
    const parsed = parseActivity(req.body);
    if (!parsed.ok) {
      log.warn({ route: TEAMS_ROUTE, problem: parsed.message.slice(0, 300) }, 'teams: malformed activity');
      res.send(400, { error: 'bad_request', message: parsed.message });
      return;
    }
    const { activity } = parsed;
    if (deps.gate) await deps.gate.run(() => authenticateAndRun(req, res, activity));
    else await authenticateAndRun(req, res, activity);
  };

  const authenticateAndRun = async (req: restify.Request, res: restify.Response, activity: TeamsActivity): Promise<void> => {
    const header = req.headers.authorization ?? '';
    try {
      // The claims it returns are not needed: replies go out with the bot's own credentials (teams-connection).
      await connection.auth.authenticateRequest(activity as unknown as Activity, header);
    } catch (e) {
      const status = authFailureStatus(e);
      if (status === null) throw e;
      log.warn({ route: TEAMS_ROUTE, activity: activity.id, status, err: describeError(e), reason: e instanceof Error ? e.message.slice(0, 200) : '' }, 'teams: request refused');
      if (status === 401) res.send(401, { error: 'unauthorized', message: 'The request could not be authenticated.' });
      else res.send(503, { error: 'auth_unavailable', message: 'The signing keys could not be fetched. Try again later.' });
      return;
    }

    let reply: HttpReply | null = null;
    const respond = (r: HttpReply) => {
      if (reply) return;
      reply = r;
      if (r.body === undefined) res.send(r.status);
      else res.send(r.status, r.body);
    };
    // The turn runs on the authenticated activity directly: it needs no SDK turn context, since everything the bot
    // says goes through the outbox (teams-deliverer), not through a context's sendActivity.
    try {
      await bot.onTurn(activity, respond);
    } catch (e) {
      log.error({ route: TEAMS_ROUTE, activity: activity.id, conversation: activity.conversation.id, err: describeError(e) }, 'teams: turn failed');
      respond({ status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side. Please try again.' } });
      return;
    }
    respond({ status: 200 });
  };

  server.post(TEAMS_ROUTE, acceptBody(BODY_RULES.teams, log), guarded(log, handle, describeError));
  return bot;
}
