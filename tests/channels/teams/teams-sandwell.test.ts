/**
 * A whole Sandwell run over the real /api/messages endpoint, with both areas enabled: no immediate danger, the area
 * chosen, the self-check offer declined, specific concerns, the actions, a case reference, the NWG assessment and
 * the risk level, to the "what happens next" outcome. Once typed, once by Action.Execute clicks. The outcome card
 * carries Sandwell's actions, contacts and provenance, and nothing of Nottingham City reaches the connector.
 */
import nock from 'nock';
import {
  ALEX,
  cardOf,
  clickData,
  eventually,
  executeClick,
  nockConnector,
  nockOpenIdMetadata,
  nockTokenEndpoint,
  offline,
  personalConversation,
  personalMessage,
  startTeams,
  type TeamsHarness,
} from './harness';

offline();

/** no danger → Sandwell → no self-check → specific concerns: yes → actions done → case ref → NWG done → Medium/Serious. */
const SANDWELL_RUN = ['no', '2', '2', '1', 'done', 'SW123', 'done', '2'];
const PROVENANCE = 'Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01';
const NOTTINGHAM = ['0115 876 4800', 'nottinghamcity.gov.uk', 'pnn.police.uk'];

describe('Teams: a Sandwell run end to end', () => {
  let h: TeamsHarness;
  let connector: ReturnType<typeof nockConnector>;
  const dm = personalConversation(ALEX).id;

  beforeEach(async () => {
    nock.cleanAll();
    nockOpenIdMetadata();
    nockTokenEndpoint();
    connector = nockConnector();
    h = await startTeams();
  });
  afterEach(async () => {
    await h.close();
  });

  function expectSandwellOutcome(card: Record<string, unknown>): void {
    const text = JSON.stringify(card);
    expect(text).toContain('CSE Team Manager');
    expect(text).toContain('Police CSE Coordinator');
    expect(text).toContain(PROVENANCE);
    expect(text).toContain('MASE');
    // The manager picker and the send button are on the outcome card.
    expect(text).toContain('graph.microsoft.com/users');
    expect(text).toContain('send-summary');
  }

  function expectNoNottingham(): void {
    expect(connector.requests.length).toBeGreaterThan(0);
    for (const r of connector.requests) {
      const body = JSON.stringify(r.body);
      for (const n of NOTTINGHAM) expect(body).not.toContain(n);
    }
  }

  it('typed: reaches the Sandwell outcome with its contacts and provenance', async () => {
    expect((await h.post(personalMessage('what do I do?'))).status).toBe(200);
    for (const typed of SANDWELL_RUN) expect((await h.post(personalMessage(typed))).status).toBe(200);

    const view = await h.view(dm);
    expect(view.kind).toBe('outcome');
    expect(view.node).toBe('sandwell/outcome-what-happens-next');
    const sent = connector.sentTo(dm);
    expect(sent).toHaveLength(SANDWELL_RUN.length + 1);
    expectSandwellOutcome(cardOf(sent.at(-1)!));
    expectNoNottingham();

    const records = await h.store.caseRecords({ caseRef: 'SW123' });
    expect(records).toHaveLength(1);
    expect(records[0]?.outcome).toBe('outcome-what-happens-next');
  });

  it('by Action.Execute clicks: reaches the same outcome, each card answered in place', async () => {
    await h.post(personalMessage('hi'));
    let cardId = 'bot-msg-1';
    for (const typed of SANDWELL_RUN) {
      const view = await h.view(dm);
      const before = connector.sentTo(dm).length;
      const res = await h.post(executeClick(clickData(view, typed), cardId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } });
      await eventually(() => connector.sentTo(dm).length === before + 1, `the view after "${typed}"`);
      cardId = `bot-msg-${connector.requests.length}`;
    }
    const view = await h.view(dm);
    expect(view.node).toBe('sandwell/outcome-what-happens-next');
    expectSandwellOutcome(cardOf(connector.sentTo(dm).at(-1)!));
    expect(connector.updates(dm)).toHaveLength(0);
    expectNoNottingham();
    expect(await h.store.caseRecords({ caseRef: 'SW123' })).toHaveLength(1);
  });
});
