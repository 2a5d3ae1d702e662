/**
 * The Slack Web API client settings, the SDK's logger wired to ours, and how Web API failures map onto the outbox
 * dispatcher's retry decisions.
 */
import { LogLevel, webApi, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import type { DeliveryResult } from '../../conversation/outbox-dispatcher';

export type WebClient = webApi.WebClient;
export type WebClientOptions = webApi.WebClientOptions;

type Failure = Extract<DeliveryResult, { ok: false }>;

/**
 * The SDK's own logging, at warn and above, as one-line strings under `slack_sdk`. Its debug level prints request
 * bodies (message text), so it is never passed on whatever LOG_LEVEL says.
 */
export function sdkLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.name : typeof m === 'string' ? m : typeof m))
      .join(' ')
      .slice(0, 200);
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn({ slack_sdk: line(msg) }, 'slack sdk warning'),
    error: (...msg: unknown[]) => log.error({ slack_sdk: line(msg) }, 'slack sdk error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}

/**
 * Options for the clients that answer a person in a turn: a short timeout and one quick retry of a network error or
 * 5xx, so a reply is not held back for minutes; a rate limit is waited out (Retry-After) by the SDK.
 */
export function turnClientOptions(slackApiUrl: string, log: Logger): WebClientOptions {
  return {
    slackApiUrl,
    logger: sdkLogger(log),
    logLevel: LogLevel.WARN,
    timeout: 10_000,
    retryConfig: { retries: 1, minTimeout: 500, maxTimeout: 1000, factor: 1 },
  };
}

/**
 * Options for the outbox deliverer's client: no retries and rate limits rejected, because the dispatcher owns
 * retrying (with back-off, the Retry-After hint and a lease that survives a crash).
 */
export function deliveryClientOptions(slackApiUrl: string, log: Logger): WebClientOptions {
  return {
    slackApiUrl,
    logger: sdkLogger(log),
    logLevel: LogLevel.WARN,
    timeout: 10_000,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
}

/** A WebClient with the bot token. */
export function createWebClient(token: string, options: WebClientOptions): WebClient {
  return new webApi.WebClient(token, options);
}

/**
 * Platform errors worth another try later. Every other one (`channel_not_found`, `user_not_found`, `not_in_channel`,
 * `account_inactive`, `invalid_auth`, `missing_scope`, `invalid_blocks` …) says the person cannot be reached or the
 * request is wrong: repeating it cannot help.
 */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

const safeCode = (c: unknown): string | null => (typeof c === 'string' && /^[a-z0-9_.-]{1,60}$/i.test(c) ? c : null);

/** The Slack error code of a platform error (`channel_not_found`), or null for any other failure. */
export function platformError(e: unknown): string | null {
  if ((e as { code?: unknown }).code !== webApi.ErrorCode.PlatformError) return null;
  return safeCode((e as { data?: { error?: unknown } }).data?.error);
}

/** Seconds, as Retry-After gives them; undefined when absent or unreadable. */
function retryAfterHeaderMs(headers: unknown): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const raw = (headers as Record<string, unknown>)['retry-after'];
  const seconds = Number(raw);
  return typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Maps a Web API failure to the dispatcher's terms. Rate limits (HTTP 429, `ratelimited`) are retried after
 * Retry-After; a person or channel that cannot be reached (`user_not_found`, `channel_not_found`, `not_in_channel`,
 * `account_inactive` …) is final, and the error text names the code so the dispatcher tells the sender why;
 * 5xx and network failures are retried with back-off.
 */
export function slackFailure(e: unknown): Failure {
  const code = (e as { code?: unknown }).code;
  if (code === webApi.ErrorCode.RateLimitedError) {
    const seconds = (e as { retryAfter?: unknown }).retryAfter;
    const after = typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
    return { ok: false, retryable: true, error: '429 ratelimited', ...(after !== undefined && { retryAfterMs: after }) };
  }
  if (code === webApi.ErrorCode.PlatformError) {
    const error = platformError(e) ?? 'unknown_error';
    if (!TRANSIENT.has(error)) return { ok: false, retryable: false, error };
    const seconds = (e as { data?: { response_metadata?: { retryAfter?: unknown } } }).data?.response_metadata?.retryAfter;
    const after = typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
    return { ok: false, retryable: true, error, ...(after !== undefined && { retryAfterMs: after }) };
  }
  if (code === webApi.ErrorCode.HTTPError) {
    const status = (e as { statusCode?: unknown }).statusCode;
    const s = typeof status === 'number' ? status : 0;
    const retryable = s === 408 || s === 429 || s >= 500 || s === 0;
    const after = retryable ? retryAfterHeaderMs((e as { headers?: unknown }).headers) : undefined;
    return { ok: false, retryable, error: `${s || 'http'} http_error`, ...(after !== undefined && { retryAfterMs: after }) };
  }
  // A request error (DNS, refused, reset, timeout) or something unexpected: retrying is the best we can do.
  const original = (e as { original?: unknown }).original;
  const name = safeCode((original as { code?: unknown } | undefined)?.code) ?? safeCode((original as { name?: unknown } | undefined)?.name) ?? (e instanceof Error ? e.name : 'error');
  return { ok: false, retryable: true, error: `network ${name}` };
}

/** Only error codes and class names go to the logs: an SDK message can quote a URL or a body. */
export function describeSlackError(e: unknown): string {
  if (!(e instanceof Error)) return typeof e;
  const platform = platformError(e);
  const status = (e as { statusCode?: unknown }).statusCode;
  return [e.name, platform, typeof status === 'number' ? status : null].filter((x) => x !== null).join(' ');
}

/** How long a post to a response URL may take; the outbox retries one that timed out. */
const RESPONSE_URL_TIMEOUT_MS = 10_000;

/**
 * Posts a message to a slash command's response URL (already checked by trustedResponseUrl). A failure is shaped
 * like the Web API client's HTTP error, so slackFailure decides the retry the same way (5xx and 429 again later;
 * 404 `expired_url`/`used_url` never).
 */
export async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    redirect: 'error',
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  const retryAfter = res.headers.get('retry-after');
  throw Object.assign(new Error(`response URL answered ${res.status}`), {
    code: webApi.ErrorCode.HTTPError,
    statusCode: res.status,
    headers: retryAfter === null ? {} : { 'retry-after': retryAfter },
  });
}
