/** How "immediate danger" reads in every record and summary: never "no" once an emergency was raised. */
import { immediateDangerText } from '../../src/engine';

describe('immediateDangerText', () => {
  const shown = { at: '2026-12-01T10:02:33.000Z', step: 'nottingham-city/toolkit-signs', heading: 'toolkit: signs and indicators' };

  it('says the answer when no emergency was raised', () => {
    expect(immediateDangerText({ immediateDanger: 'no', emergencies: [] })).toBe('no');
    expect(immediateDangerText({ immediateDanger: 'yes' })).toBe('yes');
    expect(immediateDangerText({ immediateDanger: null, emergencies: [] })).toBe('not asked');
  });

  it('says when and where the emergency step was shown', () => {
    expect(immediateDangerText({ immediateDanger: 'yes', emergencies: [shown] })).toBe('yes (emergency step shown 2026-12-01 10:02 UTC at "toolkit: signs and indicators")');
    expect(immediateDangerText({ immediateDanger: null, emergencies: [shown, { ...shown, at: '2026-12-01T11:00:00.000Z', heading: 'open case?' }] })).toBe(
      'yes (emergency step shown 2026-12-01 10:02 UTC at "toolkit: signs and indicators"; emergency step shown 2026-12-01 11:00 UTC at "open case?")',
    );
  });
});
