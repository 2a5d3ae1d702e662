/** The Slack channel's pure parts: signature checks, Web API failure mapping, ids, keys and the modal origin. */
import { originId, originOf, raisedByOf } from '../../../src/channels/slack/slack-bot';
import { slackFailure } from '../../../src/channels/slack/slack-client';
import { actionKey, conversationIdOf, parseSlackBody, personOf, userIdOf, withoutMentions } from '../../../src/channels/slack/slack-payload';
import { RecentKeys } from '../../../src/channels/slack/slack-receiver';
import { trustedResponseUrl } from '../../../src/channels/slack/slack-reply';
import { slackSignature, verifySlackSignature } from '../../../src/channels/slack/slack-signature';

describe('verifySlackSignature', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const body = Buffer.from('token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fcse&text=');
  const now = 1_531_420_618_000;
  const ts = String(now / 1000);
  const headers = (signature: string, timestamp = ts) => ({ 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp });

  it('accepts the v0 HMAC-SHA256 of "v0:{timestamp}:{body}"', () => {
    expect(slackSignature(secret, ts, body)).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature(secret, headers(slackSignature(secret, ts, body)), body, now)).toEqual({ ok: true });
  });

  it('refuses another secret, another body, a missing header and a stale or future timestamp', () => {
    expect(verifySlackSignature(secret, headers(slackSignature('other', ts, body)), body, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackSignature(secret, headers(slackSignature(secret, ts, body)), Buffer.concat([body, Buffer.from('x')]), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackSignature(secret, { 'x-slack-request-timestamp': ts }, body, now)).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifySlackSignature(secret, headers('v0=abc', 'soon'), body, now)).toEqual({ ok: false, reason: 'missing_headers' });
    const old = String(now / 1000 - 301);
    expect(verifySlackSignature(secret, headers(slackSignature(secret, old, body), old), body, now)).toEqual({ ok: false, reason: 'stale_timestamp' });
    const future = String(now / 1000 + 301);
    expect(verifySlackSignature(secret, headers(slackSignature(secret, future, body), future), body, now)).toEqual({ ok: false, reason: 'stale_timestamp' });
    const edge = String(now / 1000 - 300);
    expect(verifySlackSignature(secret, headers(slackSignature(secret, edge, body), edge), body, now)).toEqual({ ok: true });
  });
});

/**
 * Errors shaped as @slack/web-api 8 throws them (its errors.ts: a `code` and that code's fields); the end-to-end
 * suites get the real ones from the SDK against the nock'd API.
 */
const sdkError = (code: string, fields: Record<string, unknown>, message = code) => Object.assign(new Error(message), { code, ...fields });
const webApi = {
  WebAPIPlatformError: (data: { ok: false; error: string }) => sdkError('slack_webapi_platform_error', { data }, `An API error occurred: ${data.error}`),
  WebAPIRateLimitedError: (retryAfter: number) => sdkError('slack_webapi_rate_limited_error', { retryAfter }),
  WebAPIHTTPError: (statusCode: number, statusMessage: string, headers: Record<string, string>, body: unknown) =>
    sdkError('slack_webapi_http_error', { statusCode, statusMessage, headers, body }),
  WebAPIRequestError: (original: Error) => sdkError('slack_webapi_request_error', { original }, `A request error occurred: ${original.message}`),
};

describe('slackFailure', () => {
  const platform = (error: string) => webApi.WebAPIPlatformError({ ok: false, error });

  it('retries a rate limit after Retry-After', () => {
    expect(slackFailure(webApi.WebAPIRateLimitedError(7))).toEqual({ ok: false, retryable: true, error: '429 ratelimited', retryAfterMs: 7000 });
    expect(slackFailure(platform('ratelimited'))).toMatchObject({ ok: false, retryable: true, error: 'ratelimited' });
  });

  it.each(['channel_not_found', 'user_not_found', 'not_in_channel', 'account_inactive', 'invalid_auth', 'missing_scope', 'invalid_blocks'])(
    'does not retry %s, and names it',
    (code) => {
      expect(slackFailure(platform(code))).toEqual({ ok: false, retryable: false, error: code });
    },
  );

  it('retries 5xx and internal errors, with Retry-After when given; not other HTTP errors', () => {
    expect(slackFailure(webApi.WebAPIHTTPError(503, 'Service Unavailable', { 'retry-after': '30' }, ''))).toEqual({ ok: false, retryable: true, error: '503 http_error', retryAfterMs: 30_000 });
    expect(slackFailure(webApi.WebAPIHTTPError(500, 'Internal', {}, ''))).toEqual({ ok: false, retryable: true, error: '500 http_error' });
    expect(slackFailure(webApi.WebAPIHTTPError(400, 'Bad Request', {}, ''))).toMatchObject({ retryable: false });
    expect(slackFailure(platform('internal_error'))).toMatchObject({ retryable: true });
  });

  it('retries a network failure, naming only its code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(slackFailure(webApi.WebAPIRequestError(refused))).toEqual({ ok: false, retryable: true, error: 'network ECONNREFUSED' });
    expect(slackFailure(new Error('boom'))).toEqual({ ok: false, retryable: true, error: 'network Error' });
  });
});

describe('ids and keys', () => {
  it('keys a conversation and a person by workspace and user', () => {
    const p = { team: 'T0CSE0001', user: 'U0ALEX0001' };
    expect(conversationIdOf(p)).toBe('slack:T0CSE0001:U0ALEX0001');
    expect(userIdOf(p)).toBe('T0CSE0001:U0ALEX0001');
    expect(personOf('T0CSE0001:U0ALEX0001')).toEqual(p);
    expect(personOf('U0ALEX0001')).toBeNull();
    expect(personOf('T1:U2:x')).toBeNull();
  });

  it('names the sender of a summary by mention only', () => {
    expect(raisedByOf('T0CSE0001:U0ALEX0001')).toBe('<@U0ALEX0001>');
    expect(raisedByOf(null)).toBe('a colleague');
    expect(raisedByOf('29:teams-id')).toBe('a colleague');
  });

  it('keys a click by its message and action_ts, so a second click is judged, not dropped', () => {
    const base = { type: 'block_actions' as const, user: { id: 'U1' }, team: { id: 'T1' }, trigger_id: '1.2.3', container: { type: 'message', message_ts: '100.1', channel_id: 'D1' } };
    const a = actionKey({ ...base, actions: [{ action_id: 'x', action_ts: '200.1' }] });
    const b = actionKey({ ...base, actions: [{ action_id: 'x', action_ts: '200.2' }] });
    expect(a).toBe('slack:action:100.1:200.1');
    expect(a).not.toBe(b);
    expect(actionKey({ ...base, actions: [{ action_id: 'x' }] })).toBe('slack:action:1.2.3');
  });

  it('keys an event by event_id, a command by trigger_id and a submission by view and trigger', () => {
    const event = parseSlackBody('application/json', JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event: { type: 'app_home_opened', user: 'U1', tab: 'home' } }));
    expect(event).toMatchObject({ ok: true, inbound: { kind: 'event', key: 'slack:event:Ev1', team: 'T1' } });
    const command = parseSlackBody('application/x-www-form-urlencoded', 'command=%2Fcse&text=&team_id=T1&channel_id=C1&user_id=U1&trigger_id=9.9.9');
    expect(command).toMatchObject({ ok: true, inbound: { kind: 'command', key: 'slack:command:9.9.9' } });
    const view = parseSlackBody('application/x-www-form-urlencoded', `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: 'U1' }, team: { id: 'T1' }, trigger_id: '5.5.5', view: { id: 'V1' } }))}`);
    expect(view).toMatchObject({ ok: true, inbound: { kind: 'view_submission', key: 'slack:view:V1:5.5.5' } });
    expect(parseSlackBody('application/json; charset=utf-8', '{"type":"app_rate_limited"}')).toMatchObject({ ok: true, inbound: { kind: 'ignored' } });
  });

  it('strips mentions from an @mention', () => {
    expect(withoutMentions('<@U0CSEBOT01>   emergency')).toBe('emergency');
    expect(withoutMentions('<@U0CSEBOT01|cse> hi <@U2>')).toBe('hi');
    expect(withoutMentions('<@U0CSEBOT01|cse bot> what is MASE')).toBe('what is MASE');
  });

  it('strips mentions in time linear in the text: 10,000 unclosed "<@U|" took 0.6 s with a backtracking pattern', () => {
    const started = performance.now();
    expect(withoutMentions('<@U|'.repeat(10_000))).toBe('<@U|'.repeat(10_000));
    expect(withoutMentions(`${'<@U|'.repeat(10_000)}<@U2|x> emergency`)).toBe(`${'<@U|'.repeat(10_000)} emergency`);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('round-trips the message a modal was opened from through its external_id', () => {
    const id = originId({ channel: 'D0ALEX0001', ts: '1763805601.000100' }, 'trig-nonce');
    expect(id.length).toBeLessThanOrEqual(255);
    expect(originOf(id)).toEqual({ channel: 'D0ALEX0001', ts: '1763805601.000100' });
    expect(originOf('')).toBeNull();
    expect(originOf(undefined)).toBeNull();
  });

  it('remembers recent keys for a while, and forgets the oldest when full', () => {
    const recent = new RecentKeys(1000, 3);
    expect(recent.seenBefore('a', 0)).toBe(false);
    expect(recent.seenBefore('a', 500)).toBe(true);
    expect(recent.seenBefore('a', 1500)).toBe(false);
    recent.seenBefore('b', 1500);
    recent.seenBefore('c', 1500);
    recent.seenBefore('d', 1500);
    expect(recent.seenBefore('d', 1600)).toBe(true);
    expect(recent.seenBefore('a', 1600)).toBe(false);
  });
});

describe('trustedResponseUrl', () => {
  const SLACK = 'https://slack.com/api/';
  it.each([
    ['https://hooks.slack.com/commands/T1/2/abc', SLACK, 'https://hooks.slack.com/commands/T1/2/abc'],
    ['https://hooks.slack-gov.com/commands/T1/2/abc', SLACK, 'https://hooks.slack-gov.com/commands/T1/2/abc'],
    // A proxy or a test: the origin of SLACK_API_URL, whatever its scheme.
    ['http://127.0.0.1:8080/hooks/1', 'http://127.0.0.1:8080/api/', 'http://127.0.0.1:8080/hooks/1'],
  ])('trusts %s (SLACK_API_URL %s)', (url, api, expected) => {
    expect(trustedResponseUrl(url, api)).toBe(expected);
  });

  it.each([
    ['http://hooks.slack.com/commands/1', SLACK],
    ['https://hooks.slack.com:8443/commands/1', SLACK],
    ['https://evil.example/hooks.slack.com/1', SLACK],
    ['https://hooks.slack.com.evil.example/1', SLACK],
    ['https://user:pass@hooks.slack.com/commands/1', SLACK],
    ['http://127.0.0.1:9090/hooks/1', 'http://127.0.0.1:8080/api/'],
    ['not a url', SLACK],
    ['', SLACK],
    [42, SLACK],
    [undefined, SLACK],
    [`https://hooks.slack.com/${'a'.repeat(3000)}`, SLACK],
  ])('ignores %s (SLACK_API_URL %s)', (url, api) => {
    expect(trustedResponseUrl(url, api)).toBeNull();
  });
});
