/**
 * The body reader's own logic: what the headers alone refuse, how bytes are counted and timed, and the nesting
 * check. The same reader behind real server processes is tests/http-hostile.test.ts.
 */
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { acceptedType, BODY_RULES, nestingWithin, readBody, refusalFromHeaders } from '../../src/http/body';

describe('body reader: what the headers alone decide', () => {
  it.each([
    ['application/json', 'application/json'],
    ['Application/JSON; charset=UTF-8', 'application/json'],
    ['application/json;charset="utf-8"', 'application/json'],
    ['application/json; charset=utf-16', null],
    ['application/x-www-form-urlencoded', null],
    ['text/csv', null],
    ['multipart/form-data; boundary=x', null],
    ['application/jsonp', null],
    ['', null],
    [undefined, null],
  ])('a JSON-only route reads %p as %p', (header, type) => {
    expect(acceptedType(header, BODY_RULES.web)).toBe(type);
  });

  it('the Slack route also takes its form encoding', () => {
    expect(acceptedType('application/x-www-form-urlencoded', BODY_RULES.slack)).toBe('application/x-www-form-urlencoded');
    expect(acceptedType('multipart/form-data; boundary=x', BODY_RULES.slack)).toBeNull();
  });

  it.each([
    ['gzip', { 'content-encoding': 'gzip' }, 415],
    ['deflate', { 'content-encoding': 'deflate' }, 415],
    ['br', { 'content-encoding': 'br' }, 415],
    ['gzip, identity', { 'content-encoding': 'gzip, identity' }, 415],
    ['a transfer coding besides chunked', { 'transfer-encoding': 'gzip, chunked' }, 415],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, 415],
    ['no content type', { 'content-type': undefined }, 415],
    ['a declared length over the limit', { 'content-length': String(BODY_RULES.teams.limit + 1) }, 413],
  ])('refuses %s before reading', (_what, headers, status) => {
    expect(refusalFromHeaders({ 'content-type': 'application/json', ...headers }, BODY_RULES.teams)?.status).toBe(status);
  });

  it.each([
    ['plain JSON', { 'content-type': 'application/json', 'content-length': '10' }],
    ['identity encoding', { 'content-type': 'application/json', 'content-encoding': 'identity' }],
    ['chunked', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }],
    ['exactly the limit', { 'content-type': 'application/json', 'content-length': String(BODY_RULES.teams.limit) }],
  ])('lets %s through', (_what, headers) => {
    expect(refusalFromHeaders(headers, BODY_RULES.teams)).toBeNull();
  });
});

describe('body reader: counting and timing the bytes', () => {
  const request = () => new PassThrough() as unknown as IncomingMessage & PassThrough;

  it('gives the bytes when the body ends within the limit', async () => {
    const req = request();
    const read = readBody(req, 10, 1000);
    req.write('{"a":');
    req.end('1}');
    expect(await read).toEqual({ ok: true, bytes: Buffer.from('{"a":1}') });
  });

  it('stops at the limit with 413, without waiting for the rest', async () => {
    const req = request();
    const read = readBody(req, 10, 1000);
    req.write('12345678');
    req.write('901');
    expect(await read).toMatchObject({ ok: false, refusal: { status: 413 } });
    expect(req.isPaused()).toBe(true);
  });

  it('gives up on a body that has not arrived in time with 408', async () => {
    const req = request();
    const read = readBody(req, 10, 50);
    req.write('1');
    expect(await read).toMatchObject({ ok: false, refusal: { status: 408 } });
  });

  it('answers 400 when the client goes away', async () => {
    const req = request();
    const read = readBody(req, 10, 1000);
    req.write('1');
    req.destroy(new Error('aborted'));
    expect(await read).toMatchObject({ ok: false, refusal: { status: 400 } });
  });
});

describe('body reader: JSON nesting', () => {
  const nested = (depth: number) => Buffer.from(`{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);

  it('allows nesting up to the maximum and not beyond', () => {
    expect(nestingWithin(nested(64), 64)).toBe(true);
    expect(nestingWithin(nested(65), 64)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestingWithin(Buffer.from(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[" and [[' })), 2)).toBe(true);
  });
});
