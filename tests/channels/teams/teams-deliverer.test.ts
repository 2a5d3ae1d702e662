/** How Bot Connector failures map onto the outbox dispatcher's retry decisions. */
import { connectorFailure } from '../../../src/channels/teams/teams-deliverer';
import { raisedByOf } from '../../../src/channels/teams/teams-bot';
import { answerLabel } from '../../../src/engine';
import type { View } from '../../../src/engine';

/** A RestError as @azure/core-rest-pipeline throws it from the connector: statusCode, code, response.headers.get(). */
function restError(statusCode: number, headers: Record<string, string> = {}, code?: string) {
  return Object.assign(new Error(`status ${statusCode}`), {
    name: 'RestError',
    statusCode,
    code,
    response: { status: statusCode, headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });
}

describe('connectorFailure', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it.each([
    [403, false],
    [404, false],
    [400, false],
    [401, false],
    [413, false],
    [408, true],
    [412, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
  ])('%i is retryable: %s', (status, retryable) => {
    const failure = connectorFailure(restError(status), now);
    expect(failure).toMatchObject({ ok: false, retryable });
    expect(failure.error.startsWith(`${status} `)).toBe(true);
  });

  it('starts the error with the status, so the dispatcher tells the sender why (403 not installed, 404 not found)', () => {
    expect(connectorFailure(restError(403), now).error).toBe('403 Forbidden');
    expect(connectorFailure(restError(404), now).error).toBe('404 NotFound');
    expect(connectorFailure(restError(403, {}, 'BotDisabledByAdmin'), now).error).toBe('403 BotDisabledByAdmin');
    // A code that is not a plain token (it could be anything the server said) is not copied.
    expect(connectorFailure(restError(404, {}, 'conversation not found: a:1xyz'), now).error).toBe('404 NotFound');
  });

  it('honours Retry-After in seconds or as an HTTP date', () => {
    expect(connectorFailure(restError(429, { 'retry-after': '120' }), now).retryAfterMs).toBe(120_000);
    expect(connectorFailure(restError(503, { 'retry-after': new Date(now + 30_000).toUTCString() }), now).retryAfterMs).toBe(30_000);
    expect(connectorFailure(restError(429, { 'retry-after': 'soon' }), now).retryAfterMs).toBeUndefined();
    expect(connectorFailure(restError(403, { 'retry-after': '120' }), now).retryAfterMs).toBeUndefined();
  });

  it('retries a failure with no HTTP answer (network)', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(connectorFailure(e, now)).toEqual({ ok: false, retryable: true, error: 'network ECONNREFUSED' });
  });
});

describe('card labels', () => {
  const base = { ref: 'r#1', node: 'a/s', area: 'a', position: 'Step 1', title: 'T', guidance: [], hint: '' };

  it('labels each kind of answer', () => {
    const question: View = { ...base, kind: 'question', options: [{ value: 'no', label: 'No immediate risk' }] };
    expect(answerLabel(question, 'no')).toBe('No immediate risk');
    const checklist: View = { ...base, kind: 'checklist', list: 'l', groups: [{ id: 'g', title: 'G', items: [{ id: 'i1', n: 1, text: 'x' }, { id: 'i2', n: 2, text: 'y' }] }] };
    expect(answerLabel(checklist, ['i2'])).toBe('Ticked: 2');
    expect(answerLabel(checklist, [])).toBe('None of these');
    const caseRef: View = { ...base, kind: 'case-reference', format: { description: 'd', example: 'AB1', inputPattern: '^.*$' } };
    expect(answerLabel(caseRef, 'AB123')).toBe('Case reference: AB123');
    expect(answerLabel(caseRef, 'skip')).toBe('No case reference');
  });

  it('names the sender by Teams id only', () => {
    expect(raisedByOf('a11ce000-0000-4000-8000-00000000a1ec')).toBe('a colleague (Teams user a11ce000-0000-4000-8000-00000000a1ec)');
    expect(raisedByOf(null)).toBe('a colleague');
  });
});
