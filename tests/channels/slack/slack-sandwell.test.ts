/**
 * A Sandwell case in the bot's DM over POST /slack/events, with both packs enabled: every answer a click (or the
 * case-reference modal), each answered message replaced in place, the Sandwell outcome posted with its provenance,
 * and not one Nottingham City contact in anything sent to the Web API.
 */
import nock from 'nock';
import {
  ALEX,
  answerButton,
  BOT_TOKEN,
  click,
  dmMessage,
  dmOf,
  elementsOf,
  enterCaseRef,
  findButton,
  nockSlackApi,
  offline,
  posted,
  startSlack,
  TEAM,
  type SlackApi,
  type SlackHarness,
} from './harness';

offline();

const NOTTINGHAM_CONTACTS = ['0115 876 4800', 'nottinghamcity.gov.uk', 'pnn.police.uk', 'Children & Families Direct', 'Children &amp; Families Direct', 'Diary Manager'];
const PROVENANCE = 'Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01';
const SELF_CHECK_ANSWERS = ['yes', 'no', 'yes', 'no', 'yes', 'yes', 'no'];

describe('Slack DM: a Sandwell case by clicks', () => {
  let h: SlackHarness;
  let api: SlackApi;
  const dm = dmOf(ALEX);

  beforeEach(async () => {
    nock.cleanAll();
    api = nockSlackApi();
    h = await startSlack();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Everything the Web API received in the run, as one string per call. */
  const bodies = () => api.calls.map((c) => JSON.stringify(c.args));
  /** The text and blocks of a posted message, as one string. */
  const wholeOf = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

  /** Clicks `match` and checks the clicked message was replaced by its answered form and the next view posted. */
  async function answer(match: Parameters<typeof click>[2], nextNode: string) {
    const before = await h.view();
    const updates = api.of('chat.update').length;
    const posts = posted(api, dm).length;
    const { res, message } = await click(h, api, match);
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    expect(api.of('chat.update')).toHaveLength(updates + 1);
    const update = api.of('chat.update').at(-1);
    expect(update?.args).toMatchObject({ channel: dm, ts: message.ts });
    expect(String(update?.args.text)).toContain('You answered:');
    expect(String(update?.args.text)).toContain(before.title);
    expect(JSON.stringify(update?.args.blocks)).not.toMatch(/"type":"button"/);
    expect(posted(api, dm)).toHaveLength(posts + 1);
    expect((await h.view()).node).toBe(nextNode);
  }

  /** Case reference SW-42 by the modal, NWG assessment done, risk level Medium/Serious: the outcome. */
  async function fromSpecificConcerns() {
    await answer(answerButton('yes'), 'sandwell/what-to-do');
    await answer(answerButton('done'), 'sandwell/case-reference');

    const caseRef = await enterCaseRef(h, api, 'SW-42');
    expect(caseRef.modal).toMatchObject({ type: 'modal', callback_id: 'cse_case_ref' });
    expect(api.of('views.open').at(-1)?.args.trigger_id).toBe(caseRef.opened.payload.trigger_id);
    expect(caseRef.res).toMatchObject({ status: 200, body: null });
    const update = api.of('chat.update').at(-1);
    expect(update?.args).toMatchObject({ channel: dm, ts: caseRef.opened.message.ts });
    expect(String(update?.args.text)).toContain('Case reference: SW-42');
    expect(JSON.stringify(update?.args.blocks)).not.toMatch(/"type":"button"/);
    expect((await h.view()).node).toBe('sandwell/nwg-assessment');

    await answer(answerButton('done'), 'sandwell/risk-level');
    await answer(answerButton('medium-serious'), 'sandwell/outcome-what-happens-next');

    const outcome = posted(api, dm).at(-1)!;
    const whole = wholeOf(outcome);
    expect(whole).toContain('NWG assessment: what happens next');
    expect(whole).toContain('CSE Team Manager');
    expect(whole).toContain('Police CSE Coordinator');
    expect(whole).toContain(PROVENANCE);
    expect(whole).toContain('cse_send_summary');

    // Everything went to the DM, every call carried the bot token, and no Nottingham City contact went anywhere.
    expect(api.of('chat.postMessage').every((c) => c.args.channel === dm)).toBe(true);
    expect(api.of('chat.postEphemeral')).toHaveLength(0);
    expect(api.calls.every((c) => c.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
    expect(bodies().length).toBeGreaterThan(10);
    for (const body of bodies()) for (const contact of NOTTINGHAM_CONTACTS) expect(body).not.toContain(contact);

    const records = await h.store.audit({ conversationId: `slack:${TEAM}:${ALEX}` });
    const codes = records.filter((a) => a.kind === 'turn').map((a) => a.code);
    expect(codes).toContain('answer:medium-serious');
  }

  it('runs a Sandwell case to "what happens next" by clicks and the case-reference modal', async () => {
    const first = await h.post(dmMessage('what do I do?'));
    expect(first.status).toBe(200);
    expect(posted(api, dm)[0]?.text).toContain('immediate danger');

    await answer(answerButton('no'), '@area');
    // Both packs are enabled: the area question offers both.
    const areas = findButton(api, dm, answerButton('sandwell'));
    expect(elementsOf(areas.message.blocks).some(answerButton('nottingham-city'))).toBe(true);
    await answer(answerButton('sandwell'), 'sandwell/self-check-offer');
    await answer(answerButton('no'), 'sandwell/specific-concerns');
    await fromSpecificConcerns();
  });

  it('takes the self-check at the offer, lists where to go for the "no"s, then carries on to the outcome', async () => {
    await h.post(dmMessage('what do I do?'));
    await answer(answerButton('no'), '@area');
    await answer(answerButton('sandwell'), 'sandwell/self-check-offer');
    await answer(answerButton('yes'), '@self-check');
    expect(posted(api, dm).at(-1)?.text).toContain('Questions to ask yourself (1 of 7)');

    for (const [i, value] of SELF_CHECK_ANSWERS.entries()) {
      await answer(answerButton(value), '@self-check');
      expect((await h.view()).kind).toBe(i < SELF_CHECK_ANSWERS.length - 1 ? 'question' : 'actions');
    }
    const done = posted(api, dm).at(-1)!;
    const whole = wholeOf(done);
    expect(done.text).toContain('You answered no to 3 of 7 questions.');
    expect(whole).toContain('Tri X');
    expect(whole).toContain('Sandwell Safeguarding Children Board Website');

    // "Carry on" answers the summary itself: the message is replaced, so its button can't be pressed twice.
    await answer(answerButton('done'), 'sandwell/specific-concerns');
    expect(posted(api, dm).at(-1)?.text).toContain('specific concerns?');
    await fromSpecificConcerns();
  });
});
