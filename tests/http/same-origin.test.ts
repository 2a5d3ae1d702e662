/**
 * Which host names and origins the local page answers to (the DNS-rebinding guard). The same check behind a real
 * server process is in tests/http-hostile.test.ts.
 */
import { pageHosts, pageRefusal, parseHost } from '../../src/http/same-origin';

describe('the page host names', () => {
  it('are the loopback names, plus HOST when it names a host, plus the extra ones', () => {
    expect(pageHosts('127.0.0.1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(pageHosts('0.0.0.0')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(pageHosts('::')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(pageHosts('::1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(pageHosts('10.0.0.5')).toContain('10.0.0.5');
    expect(pageHosts('fd00::5')).toContain('[fd00::5]');
    expect(pageHosts('0.0.0.0', ['CSE-Bot.Council.Local', '[fd00::5]'])).toEqual(['localhost', '127.0.0.1', '[::1]', 'cse-bot.council.local', '[fd00::5]']);
  });

  it.each([
    ['localhost:3978', { name: 'localhost', port: '3978' }],
    ['LocalHost', { name: 'localhost', port: '' }],
    ['[::1]:3978', { name: '[::1]', port: '3978' }],
    ['127.0.0.1', { name: '127.0.0.1', port: '' }],
    ['localhost:', null],
    ['localhost:x', null],
    ['[::1', null],
    ['', null],
    [undefined, null],
  ])('reads Host %p as %p', (header, parsed) => {
    expect(parseHost(header)).toEqual(parsed);
  });
});

describe('a request to the page', () => {
  const hosts = pageHosts('127.0.0.1', ['cse-bot.council.local']);

  it.each([
    [{ host: '127.0.0.1:3978' }, null],
    [{ host: 'localhost:9999' }, null],
    [{ host: '[::1]:3978' }, null],
    [{ host: 'cse-bot.council.local' }, null],
    [{ host: 'attacker.example' }, 'host'],
    [{ host: 'attacker.example:3978' }, 'host'],
    [{ host: 'localhost.attacker.example' }, 'host'],
    [{}, 'host'],
    [{ host: '127.0.0.1:3978', origin: 'http://127.0.0.1:3978' }, null],
    [{ host: 'cse-bot.council.local', origin: 'https://cse-bot.council.local' }, null],
    [{ host: '[::1]:3978', origin: 'http://[::1]:3978' }, null],
    [{ host: '127.0.0.1:3978', origin: 'http://attacker.example' }, 'origin'],
    [{ host: '127.0.0.1:3978', origin: 'http://localhost:3978' }, 'origin'],
    [{ host: '127.0.0.1:3978', origin: 'http://127.0.0.1:9999' }, 'origin'],
    [{ host: '127.0.0.1:3978', origin: 'null' }, 'origin'],
    [{ host: '127.0.0.1:3978', origin: 'file://' }, 'origin'],
  ])('with headers %p it is refused for: %p (null: served)', (headers, refused) => {
    expect(pageRefusal(headers, hosts)).toBe(refused);
  });
});
