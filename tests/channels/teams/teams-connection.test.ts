/** Connector clients are built once per bot, service URL and audience, not once per activity. */
import type { Activity } from 'botbuilder';
import { connectTeams } from '../../../src/channels/teams/teams-connection';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'msteams', serviceUrl, conversation: { id: 'a:1' }, from: { id: '29:u' }, recipient: { id: '28:bot' } }) as unknown as Activity;

describe('Teams connection', () => {
  it('reuses one connector client per service URL and audience across activities', async () => {
    const { auth } = connectTeams({ appType: 'MultiTenant' });
    const first = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const second = await auth.authenticateRequest(activity('https://smba.example/emea/'), '');
    const a = await first.connectorFactory!.create('https://smba.example/emea/', first.audience);
    const b = await second.connectorFactory!.create('https://smba.example/emea/', second.audience);
    expect(b).toBe(a);
    const other = await second.connectorFactory!.create('https://smba.example/amer/', second.audience);
    expect(other).not.toBe(a);
    // Proactive sends (the outbox) get the same client for the same service URL.
    const proactive = await auth.createConnectorFactory(first.claimsIdentity).create('https://smba.example/emea/', first.audience);
    expect(proactive).toBe(a);
    expect(await auth.createUserTokenClient(first.claimsIdentity)).toBe(await auth.createUserTokenClient(second.claimsIdentity));
  });
});
