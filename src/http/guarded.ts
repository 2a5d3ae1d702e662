import type restify from 'restify';
import type { Logger } from 'pino';

export type Handler = (req: restify.Request, res: restify.Response) => Promise<void> | void;

/**
 * Restify wants handlers that settle; this one turns a thrown error into a 500 that never leaks the error's text,
 * and logs only the route and the message.
 */
export function guarded(log: Logger, handler: Handler, describe: (e: unknown) => string = (e) => (e instanceof Error ? e.message : String(e))): restify.RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .then(
        () => next(),
        (e: unknown) => {
          log.error({ route: req.getRoute()?.path, err: describe(e) }, 'request failed');
          if (!res.headersSent) res.send(500, { error: 'internal_error', message: 'Something went wrong on our side. Please try again.' });
          next();
        },
      );
  };
}
