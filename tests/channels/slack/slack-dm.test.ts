/**
 * The procedure in the bot's DM: a typed message starts it, every answer is a click (or a modal), each answered
 * question is replaced in place and the next view posted; old buttons are refused politely and change nothing.
 */
import nock from 'nock';
import {
  actionId,
  ALEX,
  answerButton,
  BOT_TOKEN,
  click,
  dmMessage,
  dmOf,
  elementsOf,
  enterCaseRef,
  findButton,
  interaction,
  blockActions,
  lastModal,
  nockSlackApi,
  offline,
  posted,
  startSlack,
  tickIndicators,
  viewSubmission,
  TEAM,
  type SlackApi,
  type SlackHarness,
} from './harness';

offline();

describe('Slack DM: the procedure by clicks', () => {
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

  /** Clicks `match` and checks the turn's rendering: the clicked message replaced by its answered form, the next view posted. */
  async function answer(match: Parameters<typeof click>[2], nextNode: string) {
    const before = await h.view();
    const updates = api.of('chat.update').length;
    const posts = posted(api, dm).length;
    const { res, message } = await click(h, api, match);
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    const update = api.of('chat.update').at(-1);
    expect(api.of('chat.update')).toHaveLength(updates + 1);
    expect(update?.args).toMatchObject({ channel: dm, ts: message.ts });
    expect(String(update?.args.text)).toContain('You answered:');
    expect(String(update?.args.text)).toContain(before.title);
    // The answered message has nothing left to press.
    expect(JSON.stringify(update?.args.blocks)).not.toMatch(/"type":"button"/);
    expect(posted(api, dm)).toHaveLength(posts + 1);
    expect((await h.view()).node).toBe(nextNode);
  }

  it('runs a Nottingham City case to its outcome by clicks and modals', async () => {
    const first = await h.post(dmMessage('what do I do?'));
    expect(first.status).toBe(200);
    expect(posted(api, dm)).toHaveLength(1);
    expect(posted(api, dm)[0]?.text).toContain('immediate danger');
    // Every call carries the bot token.
    expect(api.calls.every((c) => c.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);

    await answer(answerButton('no'), '@area');
    await answer(answerButton('nottingham-city'), 'nottingham-city/check-records');
    await answer(answerButton('done'), 'nottingham-city/case-reference');

    // The case reference: the button opens a modal with the click's trigger id; its submission is the answer.
    const caseRef = await enterCaseRef(h, api, 'AB123');
    expect(api.of('views.open')).toHaveLength(1);
    expect(api.of('views.open')[0]?.args.trigger_id).toBe(caseRef.opened.payload.trigger_id);
    expect(caseRef.modal).toMatchObject({ type: 'modal', callback_id: 'cse_case_ref' });
    expect(caseRef.res).toMatchObject({ status: 200, body: null });
    // The message the modal came from is replaced by its answered form.
    expect(api.of('chat.update').at(-1)?.args).toMatchObject({ channel: dm, ts: caseRef.opened.message.ts });
    expect(String(api.of('chat.update').at(-1)?.args.text)).toContain('Case reference: AB123');
    expect((await h.view()).node).toBe('nottingham-city/toolkit-vulnerability');

    const vulnerability = await tickIndicators(h, api, [1, 2, 3, 4]);
    expect(vulnerability.modal).toMatchObject({ type: 'modal', callback_id: 'cse_checklist' });
    expect(api.of('views.open').at(-1)?.args.trigger_id).toBe(vulnerability.opened.payload.trigger_id);
    expect(vulnerability.opened.res.status).toBe(200);
    expect(String(api.of('chat.update').at(-1)?.args.text)).toContain('Ticked: 1, 2, 3, 4');
    expect((await h.view()).node).toBe('nottingham-city/toolkit-signs');

    await tickIndicators(h, api, [1, 5, 9, 20, 37]);
    expect((await h.view()).node).toBe('nottingham-city/toolkit-previous-abuse');
    await answer(answerButton('no'), 'nottingham-city/toolkit-siblings');
    await answer(answerButton('no'), 'nottingham-city/open-case');
    await answer(answerButton('not-open-case'), 'nottingham-city/risk-level');
    await answer(answerButton('medium'), 'nottingham-city/outcome-refer-children-and-families-direct');

    const outcome = posted(api, dm).at(-1)!;
    expect(outcome.text).toMatch(/Children (&amp;|&|and) Families Direct/i);
    expect(JSON.stringify(outcome.blocks)).toContain('cse_send_summary');
    // Everything went to the DM: no message anywhere else.
    expect(api.of('chat.postMessage').every((c) => c.args.channel === dm)).toBe(true);
    expect(api.of('chat.postEphemeral')).toHaveLength(0);

    const records = await h.store.audit({ conversationId: `slack:${TEAM}:${ALEX}` });
    expect(records.filter((a) => a.kind === 'turn').map((a) => a.code)).toContain('answer:medium');
  });

  it('refuses a stale button with an ephemeral note and changes nothing', async () => {
    await h.post(dmMessage('hello'));
    const { message } = findButton(api, dm, answerButton('no'));
    await click(h, api, answerButton('no'));
    const state = await h.view();
    const updates = api.of('chat.update').length;
    const posts = posted(api, dm).length;

    // The same question's other button, pressed later (on another device, before the update arrived).
    const yes = findButton(api, dm, answerButton('yes'));
    expect(yes.message.ts).toBe(message.ts);
    const res = await h.post(interaction(blockActions({ action_id: yes.element.action_id, value: yes.element.value }, message)));
    expect(res.status).toBe(200);
    const ephemeral = api.of('chat.postEphemeral');
    expect(ephemeral).toHaveLength(1);
    expect(ephemeral[0]?.args).toMatchObject({ channel: dm, user: ALEX });
    expect(String(ephemeral[0]?.args.text)).toContain('That question was already answered.');
    expect(api.of('chat.update')).toHaveLength(updates);
    expect(posted(api, dm)).toHaveLength(posts);
    expect(await h.view()).toEqual(state);
  });

  it('does not open a modal for an old checklist button', async () => {
    await h.post(dmMessage('hello'));
    await click(h, api, answerButton('no'));
    await click(h, api, answerButton('nottingham-city'));
    await click(h, api, answerButton('done'));
    await click(h, api, answerButton('skip'));
    expect((await h.view()).kind).toBe('checklist');
    await tickIndicators(h, api, [1]);
    // The first checklist's "Tick indicators" button, pressed again.
    const old = posted(api, dm).find((m) => JSON.stringify(m.blocks).includes('cse_open_checklist'))!;
    const button = elementsOf(old.blocks).find(actionId('cse_open_checklist'))!;
    const opens = api.of('views.open').length;
    await h.post(interaction(blockActions({ action_id: button.action_id, value: button.value }, old)));
    expect(api.of('views.open')).toHaveLength(opens);
    expect(String(api.of('chat.postEphemeral').at(-1)?.args.text)).toContain('That question was already answered.');
  });

  it('shows a refused case reference on the modal input and keeps the modal open', async () => {
    await h.post(dmMessage('hello'));
    await click(h, api, answerButton('no'));
    await click(h, api, answerButton('nottingham-city'));
    await click(h, api, answerButton('done'));
    const view = await h.view();
    const { res } = await enterCaseRef(h, api, 'Jane');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { case_ref: expect.any(String) as unknown } });
    expect(await h.view()).toEqual(view);
    // Fixed and submitted again from the same modal: accepted.
    const again = await h.post(interaction(viewSubmission(lastModal(api), { case_ref: { value: { type: 'plain_text_input', value: 'AB123' } } })));
    expect(again.body).toBeNull();
    expect((await h.view()).kind).toBe('checklist');
  });

  it('answers typed text in the DM as the chat does, and ignores its own and edited messages', async () => {
    await h.post(dmMessage('hi'));
    await h.post(dmMessage('no'));
    expect((await h.view()).node).toBe('@area');
    const posts = posted(api, dm).length;
    const own = dmMessage('Step 1: immediate danger?');
    Object.assign(own.event, { bot_id: 'B0CSEBOT01', app_id: 'A0CSEBOT01', user: 'U0CSEBOT01' });
    await h.post(own);
    const edited = dmMessage('yes');
    Object.assign(edited.event, { subtype: 'message_changed' });
    await h.post(edited);
    expect(posted(api, dm)).toHaveLength(posts);
    expect((await h.view()).node).toBe('@area');
  });

  it('runs the command buttons (emergency) and acknowledges a users_select change without acting', async () => {
    await h.post(dmMessage('hello'));
    await click(h, api, actionId('cse_cmd:emergency'));
    expect((await h.view()).node).toBe('@emergency');
    const calls = api.calls.length;
    const { message } = findButton(api, dm, actionId('cse_cmd:back'));
    const res = await h.post(interaction(blockActions({ action_id: 'cse_manager', type: 'users_select', block_id: 'cse_manager_block' }, message)));
    expect(res.status).toBe(200);
    expect(api.calls).toHaveLength(calls);
  });
});
