/**
 * The one body reader of the server. Every route that takes a body mounts `acceptBody(BODY_RULES.<route>)` in front of
 * its handler, so what a route accepts is decided by the route it matched, never by comparing a path string (the
 * router decodes `/slack/%65vents` to `/slack/events`; a raw-path comparison does not).
 *
 * Order, cheapest first: anything but a plain body of an accepted type is refused from the headers alone (415, 413),
 * before a byte is read or `100 Continue` is sent; then the bytes are counted as they arrive and reading stops at the
 * route's limit (413) or when they take too long (408). Nothing is decompressed, spooled to disk or parsed before it
 * is known to be small enough.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type restify from 'restify';
import type { Logger } from 'pino';

export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

export interface BodyRule {
  /** Largest body accepted, in bytes as they arrive (nothing is compressed). */
  limit: number;
  /** Media types accepted, lower case, without parameters. */
  types: readonly string[];
  /** `json`: the handler gets `req.body` parsed (400 if it is not JSON). `raw`: it gets the bytes (`rawBodyOf`). */
  as: 'json' | 'raw';
}

/**
 * What each route that takes a body accepts: declared here and nowhere else.
 *
 * - Teams: a Bot Framework activity. Teams caps a message at about 28,000 characters, and the activity carries it
 *   twice (`text`, and an HTML attachment) with up to 3 bytes a character, plus the envelope: 256 KB covers that.
 * - Slack: Events API JSON, slash commands and interactions (form-encoded, a `payload` field). A `block_actions`
 *   payload carries the whole message it came from; 1 MB is well above the largest Slack sends.
 * - The local page: one small JSON message (a session id, a message id and a short text or a card's data).
 */
export const BODY_RULES = {
  teams: { limit: 256 * 1024, types: [JSON_TYPE], as: 'json' },
  slack: { limit: 1024 * 1024, types: [JSON_TYPE, FORM_TYPE], as: 'raw' },
  web: { limit: 16 * 1024, types: [JSON_TYPE], as: 'json' },
} as const satisfies Record<string, BodyRule>;

/**
 * How long a body may take to arrive once its headers are in. Bot Framework and Slack send a body in one go from a
 * data centre, and the largest we accept (1 MB) takes well under a second on any real link; a client still sending
 * after 10 s is holding a connection open on purpose.
 */
export const BODY_TIMEOUT_MS = 10_000;

export interface Refusal {
  status: 400 | 408 | 413 | 415;
  error: string;
  message: string;
}

const refusals = {
  compressed: { status: 415, error: 'unsupported_media_type', message: 'Compressed request bodies are not accepted.' },
  tooLarge: { status: 413, error: 'too_large', message: 'The request body is too large.' },
  slow: { status: 408, error: 'timeout', message: 'The request body took too long to arrive.' },
  unreadable: { status: 400, error: 'bad_request', message: 'The request body could not be read.' },
  notJson: { status: 400, error: 'bad_request', message: 'The request body is not valid JSON.' },
  tooDeep: { status: 400, error: 'bad_request', message: 'The request body is nested too deeply.' },
} as const satisfies Record<string, Refusal>;

const unsupportedType = (rule: BodyRule): Refusal => ({ status: 415, error: 'unsupported_media_type', message: `Send the body as ${rule.types.join(' or ')}.` });

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/**
 * The media type of a Content-Type header, lower case, when it is one this rule accepts and its charset (if any) is
 * UTF-8; null otherwise. Every accepted type is text we read as UTF-8, so another charset would be misread.
 */
export function acceptedType(contentType: string | undefined, rule: BodyRule): string | null {
  if (contentType === undefined) return null;
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (!rule.types.includes(type)) return null;
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((p) => p.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8') return null;
  }
  return type;
}

/**
 * What the headers alone say about a body: a refusal, or null when it may be read. Compressed bodies are refused
 * rather than inflated (Bot Framework and Slack never compress requests; inflating is how a 61 KB body became
 * 60 MB), multipart and every other type rather than parsed or spooled to disk.
 */
export function refusalFromHeaders(headers: IncomingHttpHeaders, rule: BodyRule): Refusal | null {
  const encoding = one(headers['content-encoding'])?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') return refusals.compressed;
  // Node frames the body by Transfer-Encoding: chunked and decodes nothing else; any other coding is compression.
  const transfer = one(headers['transfer-encoding'])?.toLowerCase();
  if (transfer !== undefined && transfer.split(',').some((c) => c.trim() !== 'chunked')) return refusals.compressed;
  if (acceptedType(one(headers['content-type']), rule) === null) return unsupportedType(rule);
  const declared = Number(one(headers['content-length']));
  if (Number.isFinite(declared) && declared > rule.limit) return refusals.tooLarge;
  return null;
}

/**
 * Deepest JSON nesting a parsed body may have. Activities and the page's messages nest about ten deep; a body of
 * nothing but brackets takes JSON.parse 25 times longer than ordinary JSON of its size (50 ms for 256 KB) and
 * overflows the stack of anything that walks it recursively (JSON.stringify).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests no deeper than `max`: one pass over the bytes, skipping strings. */
export function nestingWithin(bytes: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // a backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) return false;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return true;
}

export type BodyRead = { ok: true; bytes: Buffer } | { ok: false; refusal: Refusal };

/**
 * Reads a request body as bytes: at most `limit` of them (then it stops and says 413), within `timeoutMs` (then 408).
 * Never rejects.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Stop pulling bytes off the wire: the refusal closes the connection.
      if (!read.ok) req.pause();
      resolve(read);
    };
    const timer = setTimeout(() => settle({ ok: false, refusal: refusals.slow }), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) settle({ ok: false, refusal: refusals.tooLarge });
      else chunks.push(chunk);
    });
    req.on('end', () => settle({ ok: true, bytes: Buffer.concat(chunks, size) }));
    // A client that goes away, or chunked framing Node cannot read: 400, which nobody is left to read.
    req.on('error', () => settle({ ok: false, refusal: refusals.unreadable }));
    req.on('close', () => settle({ ok: false, refusal: refusals.unreadable }));
  });
}

/** The body bytes of a route whose rule reads it `raw` (after acceptBody). */
export function rawBodyOf(req: restify.Request): Buffer {
  const raw: unknown = req.rawBody;
  if (!Buffer.isBuffer(raw)) throw new Error('rawBodyOf: the route does not read its body raw (acceptBody missing?)');
  return raw;
}

/**
 * The route handler that reads a body by `rule` before the route's own handler: on success `req.body` holds the
 * parsed JSON (`as: 'json'`) or `req.rawBody` the bytes (`as: 'raw'`); otherwise the request is answered with a
 * short JSON refusal and the chain stops. A refusal made before the body was read closes the connection, so nothing
 * the client still sends is read.
 */
export function acceptBody(rule: BodyRule, log: Logger): restify.RequestHandler {
  return (req, res, next) => {
    const refuse = (refusal: Refusal, bodyUnread: boolean) => {
      log.warn({ route: req.getRoute()?.path, status: refusal.status, refused: refusal.error }, 'request body refused');
      if (bodyUnread) res.setHeader('connection', 'close');
      res.send(refusal.status, { error: refusal.error, message: refusal.message });
      next(false);
    };
    const early = refusalFromHeaders(req.headers, rule);
    if (early) return refuse(early, true);
    // The server does not send 100 Continue by itself (noWriteContinue): only a body that passed the checks above is
    // asked for.
    if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
    void readBody(req, rule.limit, BODY_TIMEOUT_MS).then((read) => {
      if (!read.ok) return refuse(read.refusal, true);
      if (rule.as === 'raw') {
        req.rawBody = read.bytes;
        return next();
      }
      if (!nestingWithin(read.bytes, MAX_JSON_DEPTH)) return refuse(refusals.tooDeep, false);
      try {
        req.body = JSON.parse(read.bytes.toString('utf8')) as unknown;
      } catch {
        return refuse(refusals.notJson, false);
      }
      next();
    });
  };
}
