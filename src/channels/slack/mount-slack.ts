/**
 * POST /slack/events on the one restify server: Events API, the /cse slash command and interactivity (buttons,
 * modals) all arrive here. Order of checks: the body is read as bytes within its limit (src/http/body.ts; raw, since
 * the signature covers the exact bytes), the signature and timestamp are verified (else 401), the body is parsed and
 * checked (else 400), then Bolt dispatches it and the request is answered as soon as a listener acks. Nothing a
 * sender controls turns into a 500.
 */
import type restify from 'restify';
import type { Logger } from 'pino';
import type { ConversationService } from '../../conversation/conversation-service';
import { provenance } from '../../engine';
import type { Procedure } from '../../procedure/schema';
import { describeSlackError } from './slack-client';
import { parseSlackBody } from './slack-payload';
import { RecentKeys, RestifyReceiver } from './slack-receiver';
import { verifySlackSignature } from './slack-signature';
import type { TurnGate } from '../../conversation/turn-gate';
import { createSlackApp, type HomeArea, type SlackBot } from './slack-bot';
import { acceptBody, BODY_RULES, rawBodyOf } from '../../http/body';

export const SLACK_ROUTE = '/slack/events';

export interface SlackDeps {
  token: string;
  signingSecret: string;
  /** Base of the Web API, https://slack.com/api/ unless SLACK_API_URL says otherwise (tests). */
  apiUrl: string;
  conversations: ConversationService;
  /** The enabled areas with their provenance and contacts, for the App Home tab. */
  areas: HomeArea[];
  log: Logger;
  clock: () => Date;
  /** How many Slack turns work at once (see TurnGate). */
  gate?: TurnGate;
}

export interface SlackChannel {
  bot: SlackBot;
  /** Resolves once the work behind every answered request is done (tests, shutdown). */
  idle(): Promise<void>;
}

/** The enabled areas as the App Home lists them: name, provenance line and every contact of the pack. */
export function homeAreasOf(procedures: Procedure[]): HomeArea[] {
  return procedures.map((p) => ({
    id: p.area,
    name: p.name,
    provenance: provenance(p),
    contacts: p.contacts.map((c) => ({ id: c.id, name: c.name, purpose: c.purpose, phone: c.phone, email: c.email })),
  }));
}

const header = (req: restify.Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Mounts the Slack endpoint; returns the bot so callers (tests) can reach its logic, and a way to wait for it. */
export function mountSlack(server: restify.Server, deps: SlackDeps): SlackChannel {
  const { log, clock } = deps;
  const receiver = new RestifyReceiver(log, deps.gate);
  const bot = createSlackApp(receiver, deps);
  const recent = new RecentKeys();

  const refuse = (res: restify.Response, status: 400 | 401, error: string, message: string) => {
    res.send(status, { error, message });
  };

  const handle = async (req: restify.Request, res: restify.Response): Promise<void> => {
    const raw = rawBodyOf(req);
    const signature = verifySlackSignature(deps.signingSecret, req.headers, raw, clock().getTime());
    if (!signature.ok) {
      log.warn({ route: SLACK_ROUTE, reason: signature.reason }, 'slack: request refused');
      refuse(res, 401, 'unauthorized', 'The request signature could not be verified.');
      return;
    }
    const parsed = parseSlackBody(header(req, 'content-type') ?? '', raw.toString('utf8'));
    if (!parsed.ok) {
      log.warn({ route: SLACK_ROUTE, problem: parsed.message }, 'slack: malformed request');
      refuse(res, 400, 'bad_request', parsed.message);
      return;
    }
    const { inbound } = parsed;
    switch (inbound.kind) {
      case 'url_verification':
        res.send(200, { challenge: inbound.challenge });
        return;
      case 'ssl_check':
      case 'ignored':
        res.send(200);
        return;
    }
    const retryText = header(req, 'x-slack-retry-num');
    const retryNum = retryText !== undefined && /^\d{1,3}$/.test(retryText) ? Number(retryText) : undefined;
    const retryReason = header(req, 'x-slack-retry-reason')?.slice(0, 60);
    // A redelivery of something this process already took (Slack retries an event it thinks timed out) is answered
    // and dropped; one this process never saw (a restart, another replica) runs, and the conversation's inbound key
    // turns a turn already stored into a duplicate.
    if (recent.seenBefore(inbound.key, Date.now())) {
      log.info({ route: SLACK_ROUTE, kind: inbound.kind, retryNum, retryReason }, 'slack: redelivery dropped');
      res.send(200);
      return;
    }
    const reply = await receiver.dispatch(inbound, retryNum, retryReason);
    if (reply.body === undefined || reply.body === '') res.send(200);
    else res.send(200, reply.body);
  };

  server.post(SLACK_ROUTE, acceptBody(BODY_RULES.slack, log), (req, res, next) => {
    handle(req, res).then(
      () => next(),
      (e: unknown) => {
        // Our own fault, not the sender's: logged, and answered so Slack does not show an error or retry a turn
        // that may already be stored.
        log.error({ route: SLACK_ROUTE, err: describeSlackError(e) }, 'slack: request failed');
        if (!res.headersSent) res.send(200);
        next();
      },
    );
  });
  return { bot, idle: () => receiver.idle() };
}
