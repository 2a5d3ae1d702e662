/** The pure part of the Teams channel: activity validation, mention stripping, scope and the stored address. */
import { addressOf, executeData, messageText, parseActivity, scopeOf, type TeamsActivity } from '../../../src/channels/teams/teams-activity';
import { channelMention, executeClick, groupChatMention, personalMessage } from './harness';

const parse = (body: unknown): TeamsActivity => {
  const parsed = parseActivity(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.activity;
};

describe('Teams activity', () => {
  it('accepts the real shapes and keeps the fields it does not check', () => {
    const message = parse(personalMessage('hi'));
    expect(message.locale).toBe('en-GB');
    expect(parse(channelMention('hi')).channelData).toMatchObject({ teamsTeamId: expect.any(String) as unknown });
    expect(parse(executeClick({ verb: 'answer', ref: 'r', value: 'no' }, 'x')).name).toBe('adaptiveCard/action');
  });

  it('names the fields at fault without echoing their values', () => {
    const parsed = parseActivity({ ...personalMessage('hi'), serviceUrl: 'javascript:alert(1)', from: { name: 'Alex Practitioner' } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(/serviceUrl/);
    expect(parsed.message).toMatch(/from\.id/);
    expect(parsed.message).not.toContain('Alex');
    expect(parsed.message).not.toContain('alert');
  });

  it('removes the bot mention and Teams markup from the text', () => {
    expect(messageText(parse(channelMention('what do I do?')))).toBe('what do I do?');
    expect(messageText(parse({ ...personalMessage('<at>Someone Else</at>&nbsp; help  '), entities: [] }))).toBe('help');
    expect(messageText(parse({ ...personalMessage(''), text: undefined }))).toBe('');
  });

  it('treats only personal conversations (or none, as the Emulator sends) as private', () => {
    expect(scopeOf(parse(personalMessage('hi')))).toBe('personal');
    expect(scopeOf(parse(channelMention('hi')))).toBe('shared');
    expect(scopeOf(parse(groupChatMention('hi')))).toBe('shared');
    expect(scopeOf(parse({ ...personalMessage('hi'), conversation: { id: 'c1' } }))).toBe('personal');
    expect(scopeOf(parse({ ...personalMessage('hi'), conversation: { id: 'c1', isGroup: true } }))).toBe('shared');
    expect(scopeOf(parse({ ...personalMessage('hi'), conversation: { id: 'c1', conversationType: 'somethingNew' } }))).toBe('shared');
  });

  it('builds an address with ids only: no user, bot, chat or channel names', () => {
    const activity = parse({ ...channelMention('hi'), conversation: { id: '19:x@thread.tacv2', conversationType: 'channel', name: 'Safeguarding team', isGroup: true } });
    const address = addressOf(activity);
    const text = JSON.stringify(address);
    expect(text).not.toMatch(/Alex Practitioner|CSE Guidance|Safeguarding team/);
    expect(address).toMatchObject({ channelId: 'msteams', user: { id: activity.from.id, aadObjectId: activity.from.aadObjectId }, bot: { id: activity.recipient.id } });
  });

  it('unwraps Action.Execute data, taking the verb from the action when the data has none', () => {
    const click = executeClick({ ref: 'r', value: 'no' }, 'x');
    const activity = parse({ ...click, value: { action: { type: 'Action.Execute', verb: 'answer', data: { ref: 'r', value: 'no' } } } });
    expect(executeData(activity)).toEqual({ verb: 'answer', ref: 'r', value: 'no' });
  });
});
