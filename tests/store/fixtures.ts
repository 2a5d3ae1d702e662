/** Test data: ids and codes, as the bot stores them. */
import type { CaseSummary, ConversationState } from '../../src/engine';
import type { AuditEntry, CaseRecordWrite, OutboxWrite, TurnWrite } from '../../src/store';

export const AREA = 'nottingham-city';
export const PACK = '2024.3';

/** `at(0)` = 2024-05-01T10:00:00.000Z; `at(90)` is 90 seconds later. */
export function at(seconds: number, base = '2024-05-01T10:00:00.000Z'): string {
  return new Date(Date.parse(base) + seconds * 1000).toISOString();
}

export function days(n: number, base = '2024-05-01T10:00:00.000Z'): string {
  return new Date(Date.parse(base) + n * 86_400_000).toISOString();
}

export function state(node: string, seq: number, startedAt = at(0)): ConversationState {
  return {
    v: 1,
    node,
    seq,
    ctx: {
      area: AREA,
      trail: [`${AREA}/danger`],
      answers: { [`${AREA}/danger`]: { v: 'no', at: startedAt } },
      indicators: { 'cse-indicators': ['gifts'] },
      riskLevel: null,
      caseRef: null,
      returnTo: null,
      selfCheck: null,
      startedAt,
      completedAt: null,
    },
  };
}

export function summary(caseRef: string | null, completedAt: string): CaseSummary {
  return {
    area: AREA,
    areaName: 'Nottingham City',
    procedure: 'Child Sexual Exploitation procedure',
    packVersion: PACK,
    checked: '2024-03-01',
    provenance: 'Nottingham City CSE procedure, pack 2024.3',
    caseRef,
    outcome: { step: `${AREA}/open-case`, title: 'Open a case and refer to MASH' },
    immediateDanger: 'no',
    answers: [
      { step: `${AREA}/danger`, heading: 'Is the child in immediate danger?', answer: 'no', label: 'No', at: at(5) },
    ],
    indicators: [
      {
        list: 'cse-indicators',
        title: 'CSE indicators',
        groups: [
          { title: 'Relationships', items: ['Older boyfriend or girlfriend', 'Unexplained gifts'] },
          { title: 'Behaviour', items: ['Missing from home'] },
        ],
      },
      { list: 'vulnerabilities', title: 'Vulnerabilities', groups: [{ title: 'Home', items: ['Looked after child'] }] },
    ],
    riskLevel: { id: 'medium', label: 'Medium risk' },
    actions: [
      {
        text: 'Make a referral to the MASH',
        contacts: [
          { id: 'mash', name: 'MASH', purpose: 'Referrals', phone: '0115 876 4800', email: 'mash@example.org' },
        ],
      },
      { text: 'Record the concern on the child’s file', contacts: [] },
    ],
    startedAt: at(0),
    completedAt,
  };
}

/** A run's case record; a run is known by its start (`startedAt`, at(0) unless given). */
export function caseRecord(conversationId: string, caseRef: string | null, completedAt: string, o: { startedAt?: string; outcome?: string } = {}): CaseRecordWrite {
  return {
    conversationId,
    caseRef,
    area: AREA,
    packVersion: PACK,
    outcome: o.outcome ?? `${AREA}/open-case`,
    summary: { ...summary(caseRef, completedAt), startedAt: o.startedAt ?? at(0) },
    completedAt,
  };
}

export function auditRow(conversationId: string | null, now: string, code: string, kind: AuditEntry['kind'] = 'turn'): AuditEntry {
  return { at: now, kind, conversationId, userId: 'u-1', area: AREA, packVersion: PACK, step: `${AREA}/danger`, code };
}

export function outboxRow(id: string, conversationId = 'c-1'): OutboxWrite {
  return {
    id,
    conversationId,
    kind: 'notify-manager',
    channel: 'teams',
    recipient: 'manager-aad-id',
    payload: { summaryOf: conversationId, sender: { userId: 'u-1' } },
  };
}

/** A turn on `conversationId` with one audit row; override anything. */
export function turn(overrides: Partial<TurnWrite> & Pick<TurnWrite, 'conversationId' | 'inboundKey' | 'now'>): TurnWrite {
  const { conversationId, now } = overrides;
  return {
    channel: 'teams',
    userId: 'u-1',
    address: { serviceUrl: 'https://smba.example/', conversation: { id: `a:${conversationId}` } },
    expectedVersion: null,
    state: state(`${AREA}/danger`, 1),
    audit: [auditRow(conversationId, now, overrides.inboundKey)],
    outbox: [],
    ...overrides,
  };
}
