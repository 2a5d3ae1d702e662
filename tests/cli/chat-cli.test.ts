/**
 * The chat CLI as a user runs it: a child process with answers piped in, one a line. Each run starts tsx (about a
 * second), so the cases are few; the rendering itself is tested in-process in text-view.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadProcedureFile } from '../../src/procedure/load';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function chat(args: string[], lines: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['src/cli/chat.ts', ...args], {
    cwd: root,
    input: lines.map((l) => `${l}\n`).join(''),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NOTTINGHAM_TO_STRATEGY_MEETING = [
  'no', // immediate risk?
  'done', // check records
  'NC/12345', // case reference
  '1, 9', // vulnerability indicators
  'none', // signs and indicators
  'not known', // previous sexual abuse?
  '2', // siblings?
  'Yes: open case to Social Care', // open case?
  'done', // contact social worker
  'Meeting Needed', // strategy meeting needed?
];

describe('npm run chat (piped input)', () => {
  it('walks Nottingham City to the strategy-meeting outcome and exits 0', () => {
    const r = chat(['--area', 'nottingham-city'], NOTTINGHAM_TO_STRATEGY_MEETING);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Step 1: immediate risk?');
    expect(r.stdout).toContain('> Meeting Needed');
    expect(r.stdout).toContain('Strategy meeting needed');
    expect(r.stdout).toContain('diary.manager@nottinghamcity.gov.uk');
    expect(r.stdout).toContain('seiu@nottinghamshire.pnn.police.uk');
    expect(r.stdout).toContain('Nottingham City CSE pathway (source: 000_d20a7b7ff364f6d9.txt); pack 1.1.0, checked against the source on 2026-12-01');
  });

  it('walks Sandwell (with an emergency, help and a typo on the way) to its outcome with no Nottingham contact', () => {
    const r = chat(['--area', 'sandwell'], ['yes', 'carry on', 'what is NWG', '2', 'maybe', 'yes', 'done', 'skip', 'done', 'High/Significant']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Call 999 now');
    expect(r.stdout).toContain('Error: Please choose one of');
    expect(r.stdout).toContain('NWG assessment: what happens next');
    expect(r.stdout).toContain('If a MASE meeting is scheduled, you will receive a calendar invite');
    expect(r.stdout).toContain('you will invite the Child and their family to the MASE meeting');
    expect(r.stdout).toContain('Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01');
    const nottingham = loadProcedureFile(join(root, 'dialogs', 'nottingham-city.yaml'));
    for (const c of nottingham.contacts) {
      if (c.email) expect(r.stdout).not.toContain(c.email);
      if (c.phone && c.phone !== '999') expect(r.stdout).not.toContain(c.phone);
    }
    expect(r.stdout).not.toMatch(/Nottingham/i);
  });

  it('exits non-zero with a message when the input ends before an outcome', () => {
    const r = chat(['--area', 'nottingham-city'], NOTTINGHAM_TO_STRATEGY_MEETING.slice(0, 4));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/input ended before the procedure reached an outcome/);
    expect(r.stdout).toContain('Step 5: toolkit: signs and indicators');
  });

  it('exits non-zero naming the valid areas for an unknown --area', () => {
    const r = chat(['--area', 'atlantis'], []);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Unknown area "atlantis". Valid areas: nottingham-city, sandwell.');
    expect(r.stdout).toBe('');
  });
});
