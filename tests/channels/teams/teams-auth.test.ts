/**
 * Inbound authentication at /api/messages: botbuilder validates the channel JWT against nock'd Bot Framework OpenID
 * metadata and a locally generated key (one key for the whole file: botbuilder caches keys per metadata URL).
 */
import { Writable } from 'node:stream';
import nock from 'nock';
import { createLogger } from '../../../src/log';
import { APP_ID, channelToken, nockConnector, nockOpenIdMetadata, nockTokenEndpoint, offline, otherKeys, personalConversation, personalMessage, startTeams, type TeamsHarness } from './harness';

offline();

describe('Teams inbound authentication (app id set)', () => {
  let h: TeamsHarness;
  let connector: ReturnType<typeof nockConnector>;
  let lines: string[];

  beforeEach(async () => {
    nock.cleanAll();
    nockOpenIdMetadata();
    nockTokenEndpoint();
    connector = nockConnector();
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    h = await startTeams({ appId: APP_ID, log: createLogger('warn', sink) });
    // botbuilder itself console.errors some token failures; the test asserts the outcome, not that noise.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await h.close();
  });

  it('accepts a valid channel token and runs the turn', async () => {
    const res = await h.post(personalMessage('hi'), channelToken());
    expect(res.status).toBe(200);
    expect(connector.requests).toHaveLength(1);
    expect(await h.store.getConversation(`teams:${personalConversation().id}`)).not.toBeNull();
  });

  it.each([
    ['no Authorization header', null, /not authorized/i],
    ['a token for another bot (audience)', () => channelToken({ claims: { aud: 'another-bots-app-id' } }), /Invalid AppId/],
    ['a token from another issuer', () => channelToken({ claims: { iss: 'https://sts.example.com/' } }), /No valid identity/],
    ['an expired token', () => channelToken({ expiresIn: -3600 }), /expired/i],
    ['a token signed with another key', () => channelToken({ privateKey: otherKeys.privateKey }), /invalid signature/i],
    ['a token signed with a key the metadata does not list', () => channelToken({ privateKey: otherKeys.privateKey, kid: 'unknown-kid' }), /Signing Key could not be retrieved/i],
    ['a serviceurl claim that is not the activity serviceUrl', () => channelToken({ claims: { serviceurl: 'https://evil.example.com/teams/' } }), /ServiceUrl claim do not match/i],
    ['a token with no serviceurl claim', () => channelToken({ claims: { serviceurl: undefined } }), /ServiceUrl claim do not match/i],
    ['not a JWT', () => 'definitely-not-a-jwt', /No valid identity/],
  ])('refuses %s with 401, storing and sending nothing', async (_what, token, reason) => {
    const res = await h.post(personalMessage('hi'), typeof token === 'function' ? token() : token);
    expect(res.status).toBe(401);
    // Refused for the reason the case is about, not some other one.
    expect(lines.join('')).toMatch(reason);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'The request could not be authenticated.' });
    expect(connector.requests).toHaveLength(0);
    expect(await h.store.getConversation(`teams:${personalConversation().id}`)).toBeNull();
  });

  it('says on /healthz that Teams requests are authenticated', async () => {
    expect(await h.health()).toMatchObject({ status: 'ok', teams: 'authenticated' });
  });

  it('checks the body before the token: a malformed activity is a 400 even without a token', async () => {
    const res = await h.post({ type: 'message' }, null);
    expect(res.status).toBe(400);
  });
});

describe('Teams with no app id (authentication off)', () => {
  let h: TeamsHarness;

  beforeEach(async () => {
    nock.cleanAll();
    h = await startTeams({ appId: '' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('accepts any request, and sends replies without a token', async () => {
    const connector = nockConnector();
    const res = await h.post(personalMessage('hi'), 'junk');
    expect(res.status).toBe(200);
    expect(h.connection.authenticated).toBe(false);
    expect(connector.requests[0]?.authorization).toBeUndefined();
    expect(await h.health()).toMatchObject({ teams: 'unauthenticated' });
  });
});
