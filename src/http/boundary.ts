/**
 * What the one server does before any route sees a request, and what it says when no route does: connection
 * time-outs, malformed HTTP, request targets the URL parser cannot read, and restify's own 404/405 answers. Every
 * answer is a short JSON message that echoes nothing the client sent, and no request shape ends the process.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type restify from 'restify';
import type { Logger } from 'pino';
import { BODY_TIMEOUT_MS } from './body';

/**
 * Time-outs of the Node server under restify, which creates it with `http.createServer()` and no options.
 *
 * - headers: a real client sends its request line and headers at once; 10 s is generous for a slow link and cuts
 *   off a client that dribbles them to hold a socket (Node's default is 60 s).
 * - request: the whole request, headers and body. The body reader times out first (BODY_TIMEOUT_MS, with a JSON
 *   408); this is the backstop for bodies nobody reads (a body sent to a route that takes none).
 * - keep-alive: Node's default 5 s, said here so it is a choice: an idle connection is closed after 5 s.
 * - checking interval: how often Node looks for connections past those time-outs (default 30 s, so a 10 s time-out
 *   could fire after 40 s). It is a createServer option that restify does not pass through, but Node reads the
 *   server's property when it starts listening, so setting it before listen() is enough (a test times a dribbling
 *   client to prove it).
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = HEADERS_TIMEOUT_MS + BODY_TIMEOUT_MS;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const CONNECTIONS_CHECK_MS = 1_000;

interface Answer {
  status: number;
  error: string;
  message: string;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A whole HTTP/1.1 response, for a socket no ServerResponse owns (the request could not be parsed). */
function rawResponse(a: Answer): string {
  const body = JSON.stringify({ error: a.error, message: a.message });
  return (
    `HTTP/1.1 ${a.status} ${REASONS[a.status] ?? 'Error'}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** What to tell a client whose bytes were not an HTTP request Node could parse, by Node's error code. */
function clientErrorAnswer(code: string | undefined): Answer {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, error: 'headers_too_large', message: 'The request line or headers are too large.' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, error: 'timeout', message: 'The request took too long to arrive.' };
  return { status: 400, error: 'bad_request', message: 'The request is not valid HTTP.' };
}

/** Restify's errors (no route, wrong method, anything a handler passes to next) as our short answers. */
function routeErrorAnswer(err: { statusCode?: unknown; name?: unknown }): Answer {
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status === 404) return { status, error: 'not_found', message: 'There is nothing here.' };
  if (status === 405) return { status, error: 'method_not_allowed', message: 'That method is not allowed here.' };
  if (status >= 400 && status < 500) return { status, error: 'bad_request', message: 'The request could not be handled.' };
  return { status: 500, error: 'internal_error', message: 'Something went wrong on our side. Please try again.' };
}

type FirstHandler = (req: restify.Request, res: ServerResponse) => boolean | undefined;

/** Sets the connection limits and the answers above on a restify server; call before listen(). */
export function guardBoundary(server: restify.Server, log: Logger): void {
  const http = server.server as HttpServer & { connectionsCheckingInterval: number };
  http.headersTimeout = HEADERS_TIMEOUT_MS;
  http.requestTimeout = REQUEST_TIMEOUT_MS;
  http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  http.connectionsCheckingInterval = CONNECTIONS_CHECK_MS;

  // The response each socket is working on, so a client error in the middle of one does not write a second
  // response over it (Node's own default checks the same thing through a private field).
  const working = new WeakMap<Duplex, ServerResponse>();
  const track = (req: IncomingMessage, res: ServerResponse) => working.set(req.socket, res);
  http.on('request', track);
  http.on('checkContinue', track);
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const res = working.get(socket);
    const inFlight = res !== undefined && !res.writableEnded;
    if (err.code !== 'ECONNRESET' && socket.writable && !inFlight) {
      const answer = clientErrorAnswer(err.code);
      log.warn({ status: answer.status, code: err.code }, 'malformed request refused');
      socket.write(rawResponse(answer));
    }
    socket.destroy();
  });

  // Restify parses the request target with url.parse, which throws on some (`http://[/`); thrown inside its router,
  // that would end the process. `first` runs before anything else, so the target is parsed here, once, and refused.
  (server as restify.Server & { first(handler: FirstHandler): void }).first((req, res) => {
    try {
      req.getUrl();
      return true;
    } catch {
      const body = JSON.stringify({ error: 'bad_request', message: 'The request target is not a valid URL.' });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      return false;
    }
  });

  // Restify's default error bodies echo the path or method ("/<script> does not exist"); these echo nothing.
  server.on('restifyError', (_req: restify.Request, res: restify.Response, err: { statusCode?: unknown }, done: () => void) => {
    const answer = routeErrorAnswer(err);
    if (!res.headersSent) res.send(answer.status, { error: answer.error, message: answer.message });
    done();
  });
}
