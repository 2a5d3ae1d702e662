import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'restify';
import { createEngine } from '../src/engine';
import { loadCatalogue } from '../src/procedure/load';
import { createStore, type Store } from '../src/store';
import { ConversationService } from '../src/conversation/conversation-service';
import { createLogger } from '../src/log';
import { createServer } from '../src/server';

const catalogue = loadCatalogue(join(__dirname, '../dialogs'));

describe('HTTP server: health and the web channel', () => {
  let server: Server;
  let store: Store;
  let base: string;

  async function listen(webChat: boolean) {
    store = await createStore({ dataDir: mkdtempSync(join(tmpdir(), 'cse-server-')) });
    const engine = createEngine({ ...catalogue, defaultArea: 'sandwell' });
    const log = createLogger('silent');
    server = createServer({ engine, conversations: new ConversationService(engine, store, log), log, clock: () => new Date('2026-11-22T10:00:00Z'), webChat, storeDialect: store.dialect });
    await new Promise<void>((r) => {
      server.listen(0, '127.0.0.1', () => r());
    });
    base = `http://127.0.0.1:${server.address().port}`;
  }

  afterEach(async () => {
    server.close();
    await store.close();
  });

  const post = (body: string) => fetch(`${base}/api/web/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers /healthz and runs web turns', async () => {
    await listen(true);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', areas: ['nottingham-city', 'sandwell'], store: 'sqlite', webChat: true });
    const first = await post(JSON.stringify({ session: 'session-1', messageId: 'msg-0001', open: true }));
    const body = (await first.json()) as { view: { ref: string; position: string } };
    expect(body.view.position).toBe('Step 1: immediate danger?');
    const answer = await post(JSON.stringify({ session: 'session-1', messageId: 'msg-0002', answer: { ref: body.view.ref, value: 'no' } }));
    const answered = (await answer.json()) as { view: { node: string } };
    expect(answered.view.node).toBe('sandwell/self-check-offer');
    const stale = await post(JSON.stringify({ session: 'session-1', messageId: 'msg-0003', answer: { ref: body.view.ref, value: 'yes' } }));
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('stale_answer');
    const again = await post(JSON.stringify({ session: 'session-1', messageId: 'msg-0002', answer: { ref: body.view.ref, value: 'no' } }));
    // A message sent again (the page retried) gets the answer the first one got, and is not a second turn.
    expect(await again.json()).toEqual(answered);
  });

  it.each([
    ['not JSON', '{oops'],
    ['no session', JSON.stringify({ messageId: 'msg-0001', text: 'hi' })],
    ['two inputs', JSON.stringify({ session: 'session-1', messageId: 'msg-0001', text: 'hi', open: true })],
    ['unknown field', JSON.stringify({ session: 'session-1', messageId: 'msg-0001', text: 'hi', name: 'x' })],
    ['bad session id', JSON.stringify({ session: '../etc', messageId: 'msg-0001', text: 'hi' })],
  ])('answers 400 to a malformed message (%s) and stores nothing', async (_what, body) => {
    await listen(true);
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await store.getConversation('web:session-1')).toBeNull();
  });

  it('keeps the web channel off when not on loopback', async () => {
    await listen(false);
    const res = await post(JSON.stringify({ session: 'session-1', messageId: 'msg-0001', text: 'hi' }));
    expect(res.status).toBe(404);
    expect(await (await fetch(`${base}/`)).text()).toMatch(/disabled/);
  });
});
