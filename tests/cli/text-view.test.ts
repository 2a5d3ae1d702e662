/** The plain-text rendering and the chat session, run in-process against the real packs (no child process). */
import { join } from 'node:path';
import { createEngine, type View } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { ChatSession, engineFor, parseChatArgs } from '../../src/cli/chat';
import { renderContact, renderNotice, renderView } from '../../src/cli/text-view';

const catalogue = loadCatalogue(join(__dirname, '..', '..', 'dialogs'));
const NOW = '2026-12-01T10:00:00.000Z';
const clock = () => NOW;

function session(area?: string): { chat: ChatSession; first: string } {
  const engine = engineFor(catalogue, area);
  if (typeof engine === 'string') throw new Error(engine);
  const chat = new ChatSession(engine, clock);
  return { chat, first: chat.start() };
}

/** Feeds answers and returns everything printed. */
function run(area: string | undefined, answers: string[]): { text: string; chat: ChatSession } {
  const { chat, first } = session(area);
  const out = [first];
  for (const a of answers) out.push(chat.send(a));
  return { text: out.join('\n'), chat };
}

const NOTTINGHAM_TO_STRATEGY_MEETING = ['no', 'done', 'ABC123', '1, 3, 9', 'none', 'yes', 'not known', '1', 'done', 'Meeting Needed'];
const SANDWELL_TO_OUTCOME = ['no', 'No, carry on', 'yes', 'done', 'skip', 'done', '2'];

describe('renderView', () => {
  it('prints the position line, title, numbered options and the hint of a question', () => {
    const { first } = session('nottingham-city');
    expect(first.split('\n').slice(0, 2)).toEqual(['Step 1: immediate risk?', 'Is there an immediate risk to self, young person or others?']);
    expect(first).toContain('1. Yes: immediate risk');
    expect(first).toContain('2. No immediate risk');
    expect(first).toMatch(/Type yes or no/);
  });

  it('numbers a checklist\'s indicators across its groups, under the group titles', () => {
    const { text } = run('nottingham-city', ['no', 'done', 'skip']);
    const tail = text.slice(text.lastIndexOf('Step 4:'));
    expect(tail).toContain('Vulnerability indicators which may increase risk');
    expect(tail).toMatch(/Family and care\n\s+1\. Live in a chaotic or dysfunctional family/);
    expect(tail).toMatch(/History and circumstances\n\s+8\. History of sexual\/physical\/emotional abuse or neglect/);
    expect(tail).toContain('(this is not an exhaustive list)');
    // The long definition of CSE is behind "guidance", not printed before the checklist.
    expect(tail).not.toContain('What child sexual exploitation is');
    expect(tail).toContain('Encouraging people to seek help and support');
  });

  it('shows risk levels with their descriptions and the indicators ticked', () => {
    const { text } = run('nottingham-city', ['no', 'done', 'skip', '1,9', '31', 'no', 'no', 'Not an open case']);
    const tail = text.slice(text.lastIndexOf('Step 9:'));
    expect(tail).toContain('Step 9: risk level?');
    expect(tail).toContain('Live in a chaotic or dysfunctional family');
    expect(tail).toContain('Bereavement or loss');
    expect(tail).toContain('Involvement in gangs/crime');
    expect(tail).toMatch(/1\. Vulnerable\n\s+2\. Emerging\n\s+3\. Medium\n\s+4\. High/);

    const sandwell = run('sandwell', SANDWELL_TO_OUTCOME.slice(0, -1)).text;
    expect(sandwell).toMatch(/1\. Low\/At Risk\n\s+A vulnerable child or young person/);
  });

  it('shows actions with their contacts\' phone and e-mail', () => {
    const { text } = run('nottingham-city', ['yes']);
    expect(text).toContain('Call Emergency Service');
    expect(text).toContain('Emergency Service: phone 999');
    expect(text).toContain('Basis: Nottingham City CSE pathway: "Call Emergency Service"');
    expect(text).toContain('"carry on"');
  });

  it('prints an outcome with next steps, contacts, guidance and the provenance line, and the session ends', () => {
    const { text, chat } = run('nottingham-city', NOTTINGHAM_TO_STRATEGY_MEETING);
    expect(chat.finished).toBe(true);
    const outcome = text.slice(text.indexOf('Outcome: strategy meeting'));
    expect(outcome).toContain('Strategy meeting needed');
    expect(outcome).toContain('Next steps:');
    expect(outcome).toContain('Diary Manager: e-mail diary.manager@nottinghamcity.gov.uk');
    expect(outcome).toContain('seiu@nottinghamshire.pnn.police.uk');
    expect(outcome).toContain('Contacts:');
    expect(outcome).toContain('Never assume that someone else will address sexual exploitation issues');
    expect(outcome).toContain('Case reference: ABC123');
    expect(outcome.trimEnd().split('\n').at(-1)).toBe('Nottingham City CSE pathway (source: 000_d20a7b7ff364f6d9.txt); pack 1.1.0, checked against the source on 2026-12-01');
  });

  it('renders each view of a run through the area question to the outcome', () => {
    const engine = createEngine({ procedures: catalogue.procedures, common: catalogue.common });
    const kinds = new Set<View['kind']>();
    let r = engine.start(NOW);
    for (const input of ['no', 'Nottingham City', ...NOTTINGHAM_TO_STRATEGY_MEETING.slice(1)]) {
      kinds.add(r.view.kind);
      expect(renderView(r.view).length).toBeGreaterThan(0);
      r = engine.step(r.state, { type: 'text', text: input }, NOW);
    }
    kinds.add(r.view.kind);
    expect(renderView(r.view)).toContain('Outcome: strategy meeting');
    expect([...kinds].sort()).toEqual(['actions', 'case-reference', 'checklist', 'outcome', 'question']);
  });
});

describe('renderNotice and the chat session', () => {
  it('prints an error and then only a reminder of where the user is', () => {
    const { chat } = session('nottingham-city');
    const out = chat.send('maybe');
    expect(out).toMatch(/^Error: Please choose one of: 1\. Yes: immediate risk; 2\. No immediate risk\./);
    expect(out).toContain('Still at Step 1: immediate risk?');
    expect(out).not.toContain('Is there an immediate risk');
  });

  it('answers contacts, help and "what is" with notices', () => {
    const { chat } = session('sandwell');
    expect(chat.send('contacts')).toContain('[Sandwell contacts]');
    expect(chat.send('help')).toContain('[Help]');
    expect(chat.send('what is MASE')).toContain('[MASE: Multi-Agency Sexual Exploitation meeting]');
    expect(chat.send('what is ASHA')).toContain('does not explain "ASHA"');
  });

  it('goes back and restarts', () => {
    const { chat } = session('nottingham-city');
    chat.send('no');
    expect(chat.send('back')).toContain('Step 1: immediate risk?');
    chat.send('no');
    expect(chat.send('restart')).toContain('[Starting again.]');
  });

  it('asks the area after the danger question when no area is given', () => {
    const { chat, first } = session();
    expect(first).toContain('Step 1: immediate danger?');
    const area = chat.send('no');
    expect(area).toContain('Step 2: which area?');
    expect(area).toMatch(/1\. Nottingham City\n\s+2\. Sandwell/);
    expect(chat.send('2')).toContain('questions to ask yourself?');
  });

  it('runs Sandwell to its outcome with no Nottingham contact (areas never mix)', () => {
    const { text, chat } = run('sandwell', SANDWELL_TO_OUTCOME);
    expect(chat.finished).toBe(true);
    expect(text).toContain('NWG assessment: what happens next');
    expect(text).toContain('If a MASE meeting is scheduled, you will receive a calendar invite');
    expect(text).toContain('Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01');
    expect(text).not.toMatch(/Nottingham|nottingham|0115|pnn\.police/);
  });

  it('renders contacts and notices as plain lines', () => {
    expect(renderContact({ id: 'c', name: 'Children & Families Direct', phone: '0115 876 4800', purpose: 'Refer' }, true)).toBe(
      'Children & Families Direct: phone 0115 876 4800 (Refer)',
    );
    expect(renderNotice({ kind: 'info', title: 'T', lines: ['a'], contacts: [{ id: 'x', name: 'X', email: 'x@example.org' }] })).toBe(
      '[T]\n   a\n   - X: e-mail x@example.org',
    );
  });

  it('parses its arguments and rejects unknown areas naming the valid ones', () => {
    expect(parseChatArgs(['--area', 'sandwell'])).toEqual({ help: false, area: 'sandwell' });
    expect(parseChatArgs(['--area=sandwell', '--packs', 'x'])).toEqual({ help: false, area: 'sandwell', packs: 'x' });
    expect(parseChatArgs(['--area'])).toBe('--area needs a value');
    expect(parseChatArgs(['--what'])).toMatch(/unknown argument/);
    expect(engineFor(catalogue, 'leeds')).toBe('Unknown area "leeds". Valid areas: nottingham-city, sandwell.');
  });
});
