/**
 * With the turn gate main.ts uses, a busy bot still acknowledges every Slack request at once: the work behind an
 * ack waits for a slot, the ack does not; and sending a reply holds no slot. Here one slot, and a Web API that takes
 * 800 ms to post a message.
 */
import nock from 'nock';
import { TurnGate } from '../../../src/conversation/turn-gate';
import { dmMessage, dmOf, nockSlackApi, offline, startSlack, type SlackApi, type SlackHarness } from './harness';

offline();

const BO = 'U0BOBBY0001';
const CY = 'U0CYRIL0001';

describe('Slack with a turn gate', () => {
  let h: SlackHarness;
  let api: SlackApi;
  let gate: TurnGate;

  beforeEach(async () => {
    nock.cleanAll();
    api = nockSlackApi();
    gate = new TurnGate(1);
    h = await startSlack({ gate });
  });
  afterEach(async () => {
    await h.close();
  });

  it('acknowledges requests while the only slot is busy, and a slow post of one reply holds up no other turn', async () => {
    api.slow('chat.postMessage', 800);
    const first = await h.post(dmMessage('what do I do?', BO), { noWait: true });
    const second = await h.post(dmMessage('what do I do?', CY), { noWait: true });
    expect([first.status, second.status]).toEqual([200, 200]);
    // Both acknowledged well before the first turn's 800 ms post could finish.
    expect(first.ms).toBeLessThan(400);
    expect(second.ms).toBeLessThan(400);

    await h.settled();
    const posts = api.of('chat.postMessage');
    expect(posts.map((c) => c.args.channel).sort()).toEqual([dmOf(BO), dmOf(CY)].sort());
    // The second turn ran while the first one's reply was still being posted: the slot is free once the turn is
    // stored, and the two replies went out side by side.
    expect(Math.abs(posts[1]!.at - posts[0]!.at)).toBeLessThan(800);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });
});
