/**
 * Transcript tables: [user says, bot shows] rows played through the engine, for every outcome of both packs, in
 * multi-area mode (both packs enabled, the area asked after the danger question) and single-area mode (defaultArea).
 * The state is serialised and parsed again between every turn (see Session).
 */
import type { ActionView, CaseSummary, ContactView, TickedList, View } from '../../src/engine';
import {
  DIALOGS,
  at,
  engineFor,
  nottingham,
  packs,
  play,
  readSeed,
  sandwell,
  shift,
  Session,
  type AreaId,
  type Mode,
  type Row,
  type Shows,
} from './helpers';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const NOTTINGHAM_SEED = readSeed('000_d20a7b7ff364f6d9.txt');
const SANDWELL_SEED = readSeed('004_fcdd3354f01d9305.txt');
const MANAGER = { id: 'manager-42', name: 'Duty manager' };
const MODES: Mode[] = ['single', 'multi'];

// ---------------------------------------------------------------------------------------------------------------
// What the outcomes must show, written out by hand from the seeds.

interface ContactShown {
  name: string;
  phone?: string;
  email?: string;
}

const N = {
  emergency: { name: 'Emergency Service', phone: '999' },
  socialWorker: { name: 'Allocated social worker' },
  childrenAndFamiliesDirect: { name: 'Children & Families Direct', phone: '0115 876 4800' },
  diaryManager: { name: 'Diary Manager', email: 'diary.manager@nottinghamcity.gov.uk' },
  seiu: { name: 'Sexual Exploitation Investigation Unit', email: 'seiu@nottinghamshire.pnn.police.uk' },
  cseCoordinator: { name: 'CSE Coordinator' },
  principleManager: { name: 'Principle Manager of IRO team' },
  // The pathway names a form and an address, not a team.
  concernsNetwork: { name: 'Concerns Network Information Sharing Form', email: 'cnm@nottinghamshire.pnn.police.uk' },
} satisfies Record<string, ContactShown>;

const S = {
  teamManager: { name: 'Your Team Manager' },
  cseTeam: { name: 'The CSE team' },
  triX: { name: 'Tri X' },
  website: { name: 'Sandwell Safeguarding Children Board Website' },
} satisfies Record<string, ContactShown>;

/** Every Nottingham outcome starts with this, once: the pathway ties it to every completed toolkit. */
const SEND_TOOLKIT: [string, ContactShown[]] = ['Send completed CSE Toolkit to: CSE Coordinator; Principle Manager of IRO team', [N.cseCoordinator, N.principleManager]];

const POLICE_INTELLIGENCE: [string, ContactShown[]] = [
  'If concerns are related to Police intelligence please complete a Concerns Network Information Sharing Form and send to: cnm@nottinghamshire.pnn.police.uk',
  [N.concernsNetwork],
];

interface OutcomeSpec {
  step: string;
  position: string;
  title: string;
  provenance: string;
  actions: [string, ContactShown[]][];
  /** Every contact listed with the outcome, once each. */
  contacts: ContactShown[];
}

const NOTTINGHAM_PROVENANCE = 'Nottingham City CSE pathway (source: 000_d20a7b7ff364f6d9.txt); pack 1.1.0, checked against the source on 2026-12-01';
const SANDWELL_PROVENANCE = 'Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01';

const OUTCOMES = {
  strategyMeeting: {
    step: 'outcome-strategy-meeting',
    position: 'Outcome: strategy meeting',
    title: 'Strategy meeting needed',
    provenance: NOTTINGHAM_PROVENANCE,
    actions: [
      SEND_TOOLKIT,
      ['Arrange via Diary Manager (Attach completed toolkit)', [N.diaryManager]],
      ['Invite the Sexual Exploitation Investigation Unit and email toolkit to: seiu@nottinghamshire.pnn.police.uk', [N.seiu]],
      ['Invite all other relevant professionals', []],
      ['Consider inviting young person and carers if appropriate', []],
      ['Strategy meeting to decided risk levels: Emerging, Medium or High', []],
      ['Recommendations made: S47, ICPC, ASHA etc.', []],
      POLICE_INTELLIGENCE,
    ],
    contacts: [N.cseCoordinator, N.principleManager, N.diaryManager, N.seiu, N.concernsNetwork],
  },
  monitorOpenCase: {
    step: 'outcome-monitor-open-case',
    position: 'Outcome: monitor (open case)',
    title: 'Meeting not needed: monitor case',
    provenance: NOTTINGHAM_PROVENANCE,
    // "Monitor case…" names nobody: no contact is attached to it.
    actions: [SEND_TOOLKIT, ['Monitor case.  Record any changes. Complete toolkit again. Consider CAF.', []], POLICE_INTELLIGENCE],
    contacts: [N.cseCoordinator, N.principleManager, N.concernsNetwork],
  },
  referChildrenAndFamiliesDirect: {
    step: 'outcome-refer-children-and-families-direct',
    position: 'Outcome: refer to Children & Families Direct',
    title: 'Medium / high risk factors: refer to Children & Families Direct',
    provenance: NOTTINGHAM_PROVENANCE,
    actions: [SEND_TOOLKIT, ['Refer to Children & Families Direct (0115 876 4800)', [N.childrenAndFamiliesDirect]], POLICE_INTELLIGENCE],
    contacts: [N.cseCoordinator, N.principleManager, N.childrenAndFamiliesDirect, N.concernsNetwork],
  },
  monitorNotOpenCase: {
    step: 'outcome-monitor-not-open-case',
    position: 'Outcome: monitor (not an open case)',
    title: 'Vulnerable or emerging risk indicators: monitor case',
    provenance: NOTTINGHAM_PROVENANCE,
    actions: [
      SEND_TOOLKIT,
      ['If vulnerable or emerging risk indicators, monitor case. Record any changes. Complete toolkit again. Consider a CAF', []],
      POLICE_INTELLIGENCE,
    ],
    contacts: [N.cseCoordinator, N.principleManager, N.concernsNetwork],
  },
  whatHappensNext: {
    step: 'outcome-what-happens-next',
    position: 'Outcome: what happens next',
    title: 'NWG assessment: what happens next',
    provenance: SANDWELL_PROVENANCE,
    actions: [
      [
        'The CSE Team Manager along with the Police CSE Coordinator will review the risk assessment and decide if a MASE is required; you will receive a notification via an LCS or EHM case note of the decision of the CSE Team. If a MASE meeting is scheduled, you will receive a calendar invite',
        // Reviewers, not people for the worker to contact: the worker hears back by an LCS or EHM case note.
        [],
      ],
      ['As the Social Worker or Lead Professional, you will invite the Child and their family to the MASE meeting and all relevant professionals.', []],
    ],
    contacts: [],
  },
  noSpecificConcerns: {
    step: 'outcome-no-specific-concerns',
    position: 'Outcome: no specific concerns yet',
    title: 'No specific concerns at this stage',
    provenance: SANDWELL_PROVENANCE,
    actions: [
      ['Your Team Manager or a member of staff from the CSE team', [S.teamManager, S.cseTeam]],
      ['Tri X', [S.triX]],
      ['Sandwell Safeguarding Children Board Website', [S.website]],
    ],
    contacts: [S.teamManager, S.cseTeam, S.triX, S.website],
  },
} satisfies Record<string, OutcomeSpec>;

// ---------------------------------------------------------------------------------------------------------------
// The paths: each a table written for single-area mode ("Step N" numbers); multi-area mode shifts them by one.

const V_LIST = 'Vulnerability indicators which may increase risk';
const S_LIST = 'Signs and Indicators';

interface PathSpec {
  name: string;
  area: AreaId;
  dangerYes: boolean;
  /** Whether the opening (danger and area questions) is clicked rather than typed. */
  clicked: boolean;
  /** Rows after the pack's first step past the danger question is shown. */
  body: Row[];
  outcome: OutcomeSpec;
  /** [step, answer id, label] of the pack's steps after the danger question, in order. */
  answers: [string, string, string][];
  caseRef: string | null;
  indicators: TickedList[];
  riskLevel: { id: string; label: string } | null;
  /** Whether the table sends the summary to a manager at the outcome. */
  sendsSummary: boolean;
}

const nc = (step: string) => `nottingham-city/${step}`;
const sw = (step: string) => `sandwell/${step}`;

const NOTTINGHAM_PATHS: PathSpec[] = [
  {
    name: 'strategy meeting: immediate danger first, open case, meeting needed (typed)',
    area: 'nottingham-city',
    dangerYes: true,
    clicked: false,
    body: [
      ['contacts', { position: 'Step 2: check records', notice: 'Nottingham City contacts' }],
      ['done', 'Step 3: case reference'],
      ['Jane Smith', { position: 'Step 3: case reference', error: 'invalid_answer' }],
      ['NC/2026/0042', { position: 'Step 4: toolkit: vulnerability indicators', title: V_LIST, kind: 'checklist' }],
      ['1, 8, 14', { position: 'Step 5: toolkit: signs and indicators', title: S_LIST, kind: 'checklist' }],
      ['3, 99', { position: 'Step 5: toolkit: signs and indicators', error: 'invalid_answer' }],
      ['3, 21', 'Step 6: toolkit: previous sexual abuse?'],
      ['yes', 'Step 7: toolkit: siblings?'],
      ['not known', 'Step 8: open case?'],
      ['1', { position: 'Step 9: contact social worker', kind: 'actions', includes: ['Contact allocated social worker.'] }],
      ['done', 'Step 10: strategy meeting needed?'],
      ['meeting needed', { position: 'Outcome: strategy meeting', title: 'Strategy meeting needed', kind: 'outcome' }],
      ['emergency', { position: 'Emergency', title: 'Call Emergency Service' }],
      ['carry on', 'Outcome: strategy meeting'],
      [{ sendSummary: MANAGER }, { position: 'Outcome: strategy meeting', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.strategyMeeting,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'given', 'given'],
      [nc('toolkit-vulnerability'), 'ticked', '3 ticked'],
      [nc('toolkit-signs'), 'ticked', '2 ticked'],
      [nc('toolkit-previous-abuse'), 'yes', 'Yes'],
      [nc('toolkit-siblings'), 'not-known', 'Not known'],
      [nc('open-case'), 'open-case', 'Yes: open case to Social Care'],
      [nc('contact-social-worker'), 'done', 'acknowledged'],
      [nc('strategy-discussion'), 'meeting-needed', 'Meeting Needed'],
    ],
    caseRef: 'NC/2026/0042',
    indicators: [
      {
        list: 'vulnerability',
        title: V_LIST,
        groups: [
          { title: 'Family and care', items: ['Live in a chaotic or dysfunctional family'] },
          { title: 'History and circumstances', items: ['History of sexual/physical/emotional abuse or neglect', 'Financially unsupported'] },
        ],
      },
      {
        list: 'signs',
        title: S_LIST,
        groups: [
          { title: 'Behaviour and wellbeing', items: ['Secretive behaviour/relationships'] },
          { title: 'Relationships, contacts and online', items: ['Meeting unknown adults/ engaging in sexual activity with adults'] },
        ],
      },
    ],
    riskLevel: null,
    sendsSummary: true,
  },
  {
    name: 'monitor (open case): meeting not needed (typed, with glossary questions)',
    area: 'nottingham-city',
    dangerYes: false,
    clicked: false,
    body: [
      ['done', 'Step 3: case reference'],
      ['skip', 'Step 4: toolkit: vulnerability indicators'],
      ['none', 'Step 5: toolkit: signs and indicators'],
      ['none', 'Step 6: toolkit: previous sexual abuse?'],
      ['no', 'Step 7: toolkit: siblings?'],
      ['yes', 'Step 8: open case?'],
      ['Yes: open case to Social Care', 'Step 9: contact social worker'],
      ['ok', 'Step 10: strategy meeting needed?'],
      ['what is CAF', { position: 'Step 10: strategy meeting needed?', notice: 'CAF: Common Assessment Framework' }],
      ['what is MASE', { position: 'Step 10: strategy meeting needed?', notice: 'MASE' }],
      ['meeting not needed', { position: 'Outcome: monitor (open case)', title: 'Meeting not needed: monitor case' }],
    ],
    outcome: OUTCOMES.monitorOpenCase,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'skip', 'skipped'],
      [nc('toolkit-vulnerability'), 'ticked', '0 ticked'],
      [nc('toolkit-signs'), 'ticked', '0 ticked'],
      [nc('toolkit-previous-abuse'), 'no', 'No'],
      [nc('toolkit-siblings'), 'yes', 'Yes'],
      [nc('open-case'), 'open-case', 'Yes: open case to Social Care'],
      [nc('contact-social-worker'), 'done', 'acknowledged'],
      [nc('strategy-discussion'), 'meeting-not-needed', 'Meeting not needed'],
    ],
    caseRef: null,
    indicators: [
      { list: 'vulnerability', title: V_LIST, groups: [] },
      { list: 'signs', title: S_LIST, groups: [] },
    ],
    riskLevel: null,
    sendsSummary: false,
  },
  {
    name: 'refer to Children & Families Direct via medium (typed)',
    area: 'nottingham-city',
    dangerYes: false,
    clicked: false,
    body: [
      ['done', 'Step 3: case reference'],
      ['NC-77', 'Step 4: toolkit: vulnerability indicators'],
      ['2, 13', 'Step 5: toolkit: signs and indicators'],
      ['24, 30', 'Step 6: toolkit: previous sexual abuse?'],
      ['not known', 'Step 7: toolkit: siblings?'],
      ['yes', 'Step 8: open case?'],
      [
        'not an open case',
        {
          position: 'Step 9: risk level?',
          kind: 'risk-level',
          includes: ['Vulnerable', 'Emerging', 'Medium', 'High', 'Under 13 years of age', 'Entering or leaving unknown vehicles'],
        },
      ],
      ['medium', { position: 'Outcome: refer to Children & Families Direct', kind: 'outcome' }],
    ],
    outcome: OUTCOMES.referChildrenAndFamiliesDirect,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'given', 'given'],
      [nc('toolkit-vulnerability'), 'ticked', '2 ticked'],
      [nc('toolkit-signs'), 'ticked', '2 ticked'],
      [nc('toolkit-previous-abuse'), 'not-known', 'Not known'],
      [nc('toolkit-siblings'), 'yes', 'Yes'],
      [nc('open-case'), 'not-open-case', 'Not an open case'],
      [nc('risk-level'), 'medium', 'Medium'],
    ],
    caseRef: 'NC-77',
    indicators: [
      {
        list: 'vulnerability',
        title: V_LIST,
        groups: [
          { title: 'Family and care', items: ['History of domestic abuse within the family or in own relationship'] },
          { title: 'History and circumstances', items: ['Under 13 years of age'] },
        ],
      },
      {
        list: 'signs',
        title: S_LIST,
        groups: [
          { title: 'Sexual health and harm', items: ['Sexually active under 13 yrs'] },
          { title: 'Places, gifts and crime', items: ['Entering or leaving unknown vehicles'] },
        ],
      },
    ],
    riskLevel: { id: 'medium', label: 'Medium' },
    sendsSummary: false,
  },
  {
    name: 'refer to Children & Families Direct via high (clicked)',
    area: 'nottingham-city',
    dangerYes: false,
    clicked: true,
    body: [
      [{ click: 'done' }, 'Step 3: case reference'],
      [{ click: 'NC-4021' }, 'Step 4: toolkit: vulnerability indicators'],
      [{ click: ['looked-after', 'chaotic-family'] }, 'Step 5: toolkit: signs and indicators'],
      [{ click: ['unexplained-gifts', 'missing-absent', 'groomed-to-meet'] }, 'Step 6: toolkit: previous sexual abuse?'],
      [{ click: 'no' }, 'Step 7: toolkit: siblings?'],
      [{ click: 'yes' }, 'Step 8: open case?'],
      [{ click: 'not-open-case' }, { position: 'Step 9: risk level?', kind: 'risk-level' }],
      [{ click: 'high' }, { position: 'Outcome: refer to Children & Families Direct', kind: 'outcome' }],
      [{ sendSummary: MANAGER }, { position: 'Outcome: refer to Children & Families Direct', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.referChildrenAndFamiliesDirect,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'given', 'given'],
      [nc('toolkit-vulnerability'), 'ticked', '2 ticked'],
      [nc('toolkit-signs'), 'ticked', '3 ticked'],
      [nc('toolkit-previous-abuse'), 'no', 'No'],
      [nc('toolkit-siblings'), 'yes', 'Yes'],
      [nc('open-case'), 'not-open-case', 'Not an open case'],
      [nc('risk-level'), 'high', 'High'],
    ],
    caseRef: 'NC-4021',
    indicators: [
      {
        list: 'vulnerability',
        title: V_LIST,
        groups: [{ title: 'Family and care', items: ['Live in a chaotic or dysfunctional family', 'Looked after child'] }],
      },
      {
        list: 'signs',
        title: S_LIST,
        groups: [
          { title: 'Home, school and routine', items: ['Returning home late or missing/absent'] },
          { title: 'Relationships, contacts and online', items: ['Being groomed to meet adults'] },
          { title: 'Places, gifts and crime', items: ['Unexplained gifts: clothes, phones, money, jewellery, drugs, cigarettes'] },
        ],
      },
    ],
    riskLevel: { id: 'high', label: 'High' },
    sendsSummary: true,
  },
  {
    name: 'monitor (not an open case) via vulnerable (typed, with back)',
    area: 'nottingham-city',
    dangerYes: false,
    clicked: false,
    body: [
      ['done', 'Step 3: case reference'],
      ['skip', 'Step 4: toolkit: vulnerability indicators'],
      ['20', 'Step 5: toolkit: signs and indicators'],
      ['none', 'Step 6: toolkit: previous sexual abuse?'],
      ['no', 'Step 7: toolkit: siblings?'],
      ['no', 'Step 8: open case?'],
      ['2', 'Step 9: risk level?'],
      ['back', { position: 'Step 8: open case?', notice: 'Going back: change your answer.' }],
      ['Not an open case', 'Step 9: risk level?'],
      ['guidance', { position: 'Step 9: risk level?', notice: 'Nottingham City: practice guidance' }],
      ['vulnerable', { position: 'Outcome: monitor (not an open case)', title: 'Vulnerable or emerging risk indicators: monitor case' }],
    ],
    outcome: OUTCOMES.monitorNotOpenCase,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'skip', 'skipped'],
      [nc('toolkit-vulnerability'), 'ticked', '1 ticked'],
      [nc('toolkit-signs'), 'ticked', '0 ticked'],
      [nc('toolkit-previous-abuse'), 'no', 'No'],
      [nc('toolkit-siblings'), 'no', 'No'],
      [nc('open-case'), 'not-open-case', 'Not an open case'],
      [nc('risk-level'), 'vulnerable', 'Vulnerable'],
    ],
    caseRef: null,
    indicators: [
      { list: 'vulnerability', title: V_LIST, groups: [{ title: 'The young person', items: ['Mental health problems'] }] },
      { list: 'signs', title: S_LIST, groups: [] },
    ],
    riskLevel: { id: 'vulnerable', label: 'Vulnerable' },
    sendsSummary: false,
  },
  {
    name: 'monitor (not an open case) via emerging (clicked)',
    area: 'nottingham-city',
    dangerYes: false,
    clicked: true,
    body: [
      [{ click: 'done' }, 'Step 3: case reference'],
      [{ click: 'skip' }, 'Step 4: toolkit: vulnerability indicators'],
      [{ click: [] }, 'Step 5: toolkit: signs and indicators'],
      [{ click: ['pregnancy'] }, 'Step 6: toolkit: previous sexual abuse?'],
      [{ click: 'not-known' }, 'Step 7: toolkit: siblings?'],
      [{ click: 'not-known' }, 'Step 8: open case?'],
      [{ click: 'not-open-case' }, 'Step 9: risk level?'],
      [{ click: 'emerging' }, { position: 'Outcome: monitor (not an open case)', kind: 'outcome' }],
      [{ sendSummary: MANAGER }, { position: 'Outcome: monitor (not an open case)', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.monitorNotOpenCase,
    answers: [
      [nc('check-records'), 'done', 'acknowledged'],
      [nc('case-reference'), 'skip', 'skipped'],
      [nc('toolkit-vulnerability'), 'ticked', '0 ticked'],
      [nc('toolkit-signs'), 'ticked', '1 ticked'],
      [nc('toolkit-previous-abuse'), 'not-known', 'Not known'],
      [nc('toolkit-siblings'), 'not-known', 'Not known'],
      [nc('open-case'), 'not-open-case', 'Not an open case'],
      [nc('risk-level'), 'emerging', 'Emerging'],
    ],
    caseRef: null,
    indicators: [
      { list: 'vulnerability', title: V_LIST, groups: [] },
      { list: 'signs', title: S_LIST, groups: [{ title: 'Sexual health and harm', items: ['Pregnancy, miscarriage and/or termination'] }] },
    ],
    riskLevel: { id: 'emerging', label: 'Emerging' },
    sendsSummary: true,
  },
];

const SELF_CHECK_PLACES = ['Your Team Manager', 'The CSE team', 'Tri X', 'Sandwell Safeguarding Children Board Website'];

const SANDWELL_PATHS: PathSpec[] = [
  {
    name: 'what happens next via Low/At Risk: immediate danger first, self-check offered and taken (typed)',
    area: 'sandwell',
    dangerYes: true,
    clicked: false,
    body: [
      ['Yes, check', { position: 'Questions to ask yourself (1 of 7)', title: 'Do you know how to access and complete a CSE screening tool?' }],
      ['yes', { position: 'Questions to ask yourself (2 of 7)', title: 'Do you known how to access and complete the NWG risk assessment?' }],
      ['no', 'Questions to ask yourself (3 of 7)'],
      ['maybe', { position: 'Questions to ask yourself (3 of 7)', error: 'invalid_answer' }],
      ['yes', 'Questions to ask yourself (4 of 7)'],
      ['no', 'Questions to ask yourself (5 of 7)'],
      ['yes', 'Questions to ask yourself (6 of 7)'],
      ['yes', 'Questions to ask yourself (7 of 7)'],
      [
        'no',
        {
          position: 'Questions to ask yourself: done',
          title: 'You answered no to 3 of 7 questions.',
          includes: [
            'No: Do you known how to access and complete the NWG risk assessment?',
            'No: Do you know what a MASE is?',
            'No: Do you know what a FIB (Force intelligence Bureau) is and how to submit it to the Police?',
            ...SELF_CHECK_PLACES,
          ],
        },
      ],
      ['carry on', 'Step 3: specific concerns?'],
      ['yes', { position: 'Step 4: what to do', includes: ['Speak to your Team Manager for advice immediately'] }],
      ['contacts', { position: 'Step 4: what to do', notice: 'Sandwell contacts' }],
      ['done', 'Step 5: case reference'],
      ['SW-12345', { position: 'Step 6: NWG assessment', includes: ['Complete the NWG assessment with as much detail as possible'] }],
      [
        'done',
        {
          position: 'Step 7: risk level?',
          kind: 'risk-level',
          includes: [
            'Low/At Risk',
            'Medium/Serious',
            'High/Significant',
            'A child or young person whose sexual exploitation is habitual, often self-denied and where coercion or control is implicit.',
          ],
        },
      ],
      ['Low/At Risk', { position: 'Outcome: what happens next', title: 'NWG assessment: what happens next' }],
      ['999', { position: 'Emergency', title: 'Call 999 now' }],
      ['carry on', 'Outcome: what happens next'],
      ['check', { position: 'Questions to ask yourself (1 of 7)' }],
      ['carry on', 'Outcome: what happens next'],
      [{ sendSummary: MANAGER }, { position: 'Outcome: what happens next', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.whatHappensNext,
    answers: [
      [sw('self-check-offer'), 'yes', 'Yes, check'],
      [sw('specific-concerns'), 'yes', 'Yes'],
      [sw('what-to-do'), 'done', 'acknowledged'],
      [sw('case-reference'), 'given', 'given'],
      [sw('nwg-assessment'), 'done', 'acknowledged'],
      [sw('risk-level'), 'low-at-risk', 'Low/At Risk'],
    ],
    caseRef: 'SW-12345',
    indicators: [],
    riskLevel: { id: 'low-at-risk', label: 'Low/At Risk' },
    sendsSummary: true,
  },
  {
    name: 'what happens next via Medium/Serious (clicked)',
    area: 'sandwell',
    dangerYes: false,
    clicked: true,
    body: [
      [{ click: 'no' }, 'Step 3: specific concerns?'],
      [{ click: 'yes' }, 'Step 4: what to do'],
      [{ click: 'done' }, 'Step 5: case reference'],
      [{ click: 'skip' }, 'Step 6: NWG assessment'],
      [{ click: 'done' }, 'Step 7: risk level?'],
      [{ click: 'medium-serious' }, { position: 'Outcome: what happens next', kind: 'outcome' }],
      [{ sendSummary: MANAGER }, { position: 'Outcome: what happens next', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.whatHappensNext,
    answers: [
      [sw('self-check-offer'), 'no', 'No, carry on'],
      [sw('specific-concerns'), 'yes', 'Yes'],
      [sw('what-to-do'), 'done', 'acknowledged'],
      [sw('case-reference'), 'skip', 'skipped'],
      [sw('nwg-assessment'), 'done', 'acknowledged'],
      [sw('risk-level'), 'medium-serious', 'Medium/Serious'],
    ],
    caseRef: null,
    indicators: [],
    riskLevel: { id: 'medium-serious', label: 'Medium/Serious' },
    sendsSummary: true,
  },
  {
    name: 'what happens next via High/Significant (typed, self-check by command)',
    area: 'sandwell',
    dangerYes: false,
    clicked: false,
    body: [
      ['no', 'Step 3: specific concerns?'],
      ['yes', 'Step 4: what to do'],
      ['done', 'Step 5: case reference'],
      ['SW/88', 'Step 6: NWG assessment'],
      ['check', { position: 'Questions to ask yourself (1 of 7)', kind: 'question' }],
      ['yes', 'Questions to ask yourself (2 of 7)'],
      ['y', 'Questions to ask yourself (3 of 7)'],
      ['1', 'Questions to ask yourself (4 of 7)'],
      ['Yes', 'Questions to ask yourself (5 of 7)'],
      ['yes', 'Questions to ask yourself (6 of 7)'],
      ['yes', 'Questions to ask yourself (7 of 7)'],
      ['yes', { position: 'Questions to ask yourself: done', title: 'You answered yes to every question.' }],
      ['carry on', 'Step 6: NWG assessment'],
      ['done', 'Step 7: risk level?'],
      ['3', { position: 'Outcome: what happens next', kind: 'outcome' }],
    ],
    outcome: OUTCOMES.whatHappensNext,
    answers: [
      [sw('self-check-offer'), 'no', 'No, carry on'],
      [sw('specific-concerns'), 'yes', 'Yes'],
      [sw('what-to-do'), 'done', 'acknowledged'],
      [sw('case-reference'), 'given', 'given'],
      [sw('nwg-assessment'), 'done', 'acknowledged'],
      [sw('risk-level'), 'high-significant', 'High/Significant'],
    ],
    caseRef: 'SW/88',
    indicators: [],
    riskLevel: { id: 'high-significant', label: 'High/Significant' },
    sendsSummary: false,
  },
  {
    name: 'no specific concerns (typed)',
    area: 'sandwell',
    dangerYes: false,
    clicked: false,
    body: [
      ['No, carry on', 'Step 3: specific concerns?'],
      ['what is MASE', { position: 'Step 3: specific concerns?', notice: 'MASE: Multi-Agency Sexual Exploitation meeting' }],
      ['not at this stage', { position: 'Outcome: no specific concerns yet', title: 'No specific concerns at this stage' }],
      [{ sendSummary: MANAGER }, { position: 'Outcome: no specific concerns yet', notice: 'Sending the risk summary to your manager.' }],
    ],
    outcome: OUTCOMES.noSpecificConcerns,
    answers: [
      [sw('self-check-offer'), 'no', 'No, carry on'],
      [sw('specific-concerns'), 'no', 'Not at this stage'],
    ],
    caseRef: null,
    indicators: [],
    riskLevel: null,
    sendsSummary: true,
  },
];

/** The first pack step after the danger question, as "Step 2" of a single-area run. */
const SECOND_STEP: Record<AreaId, string> = { 'nottingham-city': 'check records', sandwell: 'questions to ask yourself?' };
const DANGER_HEADING: Record<AreaId, string> = { 'nottingham-city': 'immediate risk?', sandwell: 'immediate danger?' };
const EMERGENCY_TITLE: Record<AreaId, string> = { 'nottingham-city': 'Call Emergency Service', sandwell: 'Call 999 now' };

/** The danger question (and, with several areas, the area question), typed or clicked. */
function opening(path: PathSpec, mode: Mode): { start: Shows; rows: Row[]; answers: [string, string, string][] } {
  const p = packs[path.area];
  const danger = p.steps.find((s) => s.id === p.start);
  if (danger?.kind !== 'danger') throw new Error('pack starts with its danger question');
  const say = (typed: string, value: string) => (path.clicked ? { click: value } : typed);
  if (mode === 'single') {
    const second = `Step 2: ${SECOND_STEP[path.area]}`;
    return {
      start: `Step 1: ${DANGER_HEADING[path.area]}`,
      rows: path.dangerYes
        ? [
            [say('yes', 'yes'), { position: 'Emergency', title: EMERGENCY_TITLE[path.area] }],
            ['carry on', second],
          ]
        : [[say('no', 'no'), second]],
      answers: [[`${path.area}/${p.start}`, path.dangerYes ? 'yes' : 'no', path.dangerYes ? danger.yesLabel : danger.noLabel]],
    };
  }
  const area: Row = [say(p.name, p.area), `Step 3: ${SECOND_STEP[path.area]}`];
  return {
    start: 'Step 1: immediate danger?',
    rows: path.dangerYes
      ? [
          // Before the area is known, the emergency step is the area-neutral one.
          [say('Yes: immediate danger', 'yes'), { position: 'Emergency', title: 'Call 999 now', includes: ['General safeguarding practice, in every area.'] }],
          ['carry on', 'Step 2: which area?'],
          area,
        ]
      : [[say('no', 'no'), 'Step 2: which area?'], area],
    answers: [
      ['@danger', path.dangerYes ? 'yes' : 'no', path.dangerYes ? 'Yes: immediate danger' : 'No immediate danger'],
      ['@area', p.area, p.name],
    ],
  };
}

/** The heading a summary gives an answered node: the area-neutral questions' own, or the pack step's. */
function headingOf(area: AreaId, node: string): string {
  if (node === '@danger') return 'immediate danger?';
  if (node === '@area') return 'which area?';
  const step = packs[area].steps.find((s) => `${area}/${s.id}` === node);
  if (!step) throw new Error(`no step ${node}`);
  return step.heading;
}

/** The toolkit questions of a pack (recordWithIndicators) as a run's record lists them, from its answers. */
function toolkitQuestions(area: AreaId, answers: (readonly [string, string, string])[]): TickedList[] {
  const items = packs[area].steps.flatMap((s) => {
    if (s.kind !== 'question' || !s.recordWithIndicators) return [];
    const answered = answers.find(([step]) => step === `${area}/${s.id}`);
    return answered ? [`${s.recordWithIndicators}: ${answered[2]}`] : [];
  });
  return items.length === 0 ? [] : [{ list: '@toolkit-questions', title: 'Also recorded in the toolkit', groups: [{ title: 'Toolkit questions', items }] }];
}

const shown = (c: ContactView): ContactShown => ({ name: c.name, phone: c.phone, email: c.email });
const actionsShown = (actions: ActionView[]) => actions.map((a): [string, ContactShown[]] => [a.text, a.contacts.map(shown)]);

function expectOutcome(view: View, outcome: OutcomeSpec): CaseSummary {
  if (view.kind !== 'outcome') throw new Error(`expected an outcome, got ${view.kind} at ${view.position}`);
  expect(view.node).toBe(`${view.area}/${outcome.step}`);
  expect(view.position).toBe(outcome.position);
  expect(view.title).toBe(outcome.title);
  expect(view.provenance).toBe(outcome.provenance);
  expect(actionsShown(view.actions)).toEqual(outcome.actions);
  expect(view.contacts.map(shown)).toEqual(outcome.contacts);
  // Nottingham's outcomes carry its brief practice guidance, word for word from its pathway; Sandwell's document has
  // no practice guidance of its own, so its outcomes carry none (only its note on services, where it applies).
  const titles = view.guidance.map((g) => g.title);
  if (view.area === 'nottingham-city') {
    expect(titles).toEqual(['Practice guidance']);
    for (const point of view.guidance[0]!.points) expect(NOTTINGHAM_SEED).toContain(point);
  } else {
    expect(titles.filter((t) => /practice/i.test(t))).toEqual([]);
  }
  return view.summary;
}

/** Every contact string of one pack (other than 999) that the other pack's file does not itself contain. */
function foreignStrings(area: AreaId): string[] {
  const other = area === 'sandwell' ? 'nottingham-city' : 'sandwell';
  const otherText = readFileSync(resolve(DIALOGS, `${other}.yaml`), 'utf8');
  return packs[area].contacts
    .filter((c) => c.phone !== '999')
    .flatMap((c) => [c.name, c.phone, c.email])
    .filter((s): s is string => s !== undefined && !otherText.includes(s));
}

const FOREIGN: Record<AreaId, string[]> = {
  // What a Nottingham run must never show: Sandwell's contacts; and the other way round.
  'nottingham-city': foreignStrings('sandwell'),
  sandwell: foreignStrings('nottingham-city'),
};

describe('the contact strings each area must never show are the ones that identify the other area', () => {
  test('a Sandwell run must not show these Nottingham City contacts', () => {
    expect(FOREIGN.sandwell).toEqual(
      expect.arrayContaining([
        '0115 876 4800',
        'diary.manager@nottinghamcity.gov.uk',
        'seiu@nottinghamshire.pnn.police.uk',
        'cnm@nottinghamshire.pnn.police.uk',
        'Children & Families Direct',
        'Diary Manager',
        'Sexual Exploitation Investigation Unit',
        'Principle Manager of IRO team',
      ]),
    );
  });
  test('a Nottingham City run must not show these Sandwell contacts', () => {
    expect(FOREIGN['nottingham-city']).toEqual(
      expect.arrayContaining(['Tri X', 'Sandwell Safeguarding Children Board Website', 'Your Team Manager']),
    );
  });
  test('the phone numbers and e-mails the outcomes show are the seed\'s, character for character', () => {
    for (const c of Object.values(N)) {
      if ('phone' in c && c.phone !== '999') expect(NOTTINGHAM_SEED).toContain(c.phone);
      if ('email' in c) expect(NOTTINGHAM_SEED).toContain(c.email);
    }
    expect(NOTTINGHAM_SEED).toContain('Refer to Children & Families Direct (0115 876 4800)');
    for (const [text] of OUTCOMES.whatHappensNext.actions) expect(SANDWELL_SEED).toContain(text);
  });
});

describe.each(MODES)('%s-area mode', (mode) => {
  describe.each([
    ['Nottingham City', NOTTINGHAM_PATHS],
    ['Sandwell', SANDWELL_PATHS],
  ] as const)('%s', (_name, paths) => {
    test.each(paths.map((p) => [p.name, p] as const))('%s', (_title, path) => {
      const engine = engineFor(mode, path.area);
      expect(engine.fixedArea).toBe(mode === 'single' ? path.area : null);
      const session = new Session(engine);
      const open = opening(path, mode);
      play(session, open.start, [...open.rows, ...shift(path.body, mode === 'multi' ? 1 : 0)]);

      // The outcome: actions, contacts and provenance exactly as the seed words them.
      const summary = expectOutcome(session.view, path.outcome);

      // The case summary records what was chosen, with the times the engine was given.
      const completions = session.effects.filter((e) => e.effect.type === 'case-completed');
      // Once, and again (the same completion, rewritten) only when an emergency was raised after the outcome.
      const laterEmergency = (summary.emergencies ?? []).some((e) => e.at > summary.completedAt);
      expect(completions).toHaveLength(laterEmergency ? 2 : 1);
      const completedTurn = completions[0]!.turn;
      expect(session.results[completedTurn]!.view.kind).toBe('outcome');
      expect(session.results[completedTurn - 1]!.view.kind).not.toBe('outcome');
      expect(completions.at(-1)!.effect.summary).toEqual(summary);
      for (const c of completions) expect(c.effect.type === 'case-completed' && c.effect.summary.completedAt).toBe(at(completedTurn));
      const answers = [...open.answers, ...path.answers];
      const shownAt = session.results.flatMap((r, i) => {
        const before = session.results[i - 1];
        return r.state.node === '@emergency' && before && before.state.node !== '@emergency' ? [{ at: at(i), step: before.state.node }] : [];
      });
      expect(summary).toEqual({
        area: path.area,
        areaName: packs[path.area].name,
        procedure: packs[path.area].procedure,
        packVersion: '1.1.0',
        checked: '2026-12-01',
        provenance: path.outcome.provenance,
        caseRef: path.caseRef,
        outcome: { step: path.outcome.step, title: path.outcome.title },
        immediateDanger: path.dangerYes || shownAt.length > 0 ? 'yes' : 'no',
        // Every time the emergency step was shown in the run, when and from where.
        emergencies: shownAt.map((e) => ({ ...e, heading: headingOf(path.area, e.step) })),
        answers: answers.map(([step, answer, label]) => ({
          step,
          heading: headingOf(path.area, step),
          answer,
          label,
          at: session.answeredAt.get(step),
        })),
        // The ticked indicators, then the toolkit's own questions as they were answered.
        indicators: [...path.indicators, ...toolkitQuestions(path.area, answers)],
        riskLevel: path.riskLevel,
        actions: session.view.kind === 'outcome' ? session.view.actions : [],
        startedAt: at(0),
        completedAt: at(completedTurn),
      });
      // Every answer was stamped with the `now` of a turn of this run.
      const times = new Set(Array.from({ length: session.turn + 1 }, (_, i) => at(i)));
      for (const a of summary.answers) expect(times.has(a.at)).toBe(true);

      // Sending the summary to a manager is an effect of its own, once, carrying the same summary.
      const notified = session.effects.filter((e) => e.effect.type === 'notify-manager');
      expect(notified).toHaveLength(path.sendsSummary ? 1 : 0);
      if (path.sendsSummary) {
        expect(notified[0]!.effect).toEqual({ type: 'notify-manager', manager: MANAGER, summary });
        expect(notified[0]!.turn).toBe(session.turn);
      }

      // Areas never mix: nothing the run showed names the other area's contacts.
      const text = session.transcriptText();
      for (const foreign of FOREIGN[path.area]) expect({ foreign, found: text.includes(foreign) }).toEqual({ foreign, found: false });
    });
  });
});

describe('outcome effects', () => {
  test('case-completed is emitted only on reaching the outcome; "back" and a new answer complete the run again', () => {
    const session = new Session(engineFor('single', 'nottingham-city'));
    for (const said of ['no', 'done', 'skip', 'none', 'none', 'no', 'no', 'not an open case']) {
      expect(session.say(said).effects).toEqual([]);
    }
    const first = session.say('medium');
    expect(first.effects.map((e) => e.type)).toEqual(['case-completed']);
    expect(first.state.ctx.completedAt).toBe(at(session.turn));
    for (const said of ['contacts', 'help', 'guidance', 'what is CAF', 'emergency']) {
      expect(session.say(said).effects).toEqual([]);
    }
    // Coming back from an emergency raised after the outcome rewrites the same completion (same time) with the
    // emergency on its record; nothing else does.
    const resumed = session.say('carry on');
    expect(resumed.effects.map((e) => e.type)).toEqual(['case-completed']);
    const [rewritten] = resumed.effects;
    expect(rewritten?.type === 'case-completed' && rewritten.summary.completedAt).toBe(first.state.ctx.completedAt);
    expect(rewritten?.type === 'case-completed' && rewritten.summary.emergencies?.map((e) => e.heading)).toEqual(['refer to Children & Families Direct']);
    expect(rewritten?.type === 'case-completed' && rewritten.summary.immediateDanger).toBe('yes');
    expect(session.say('xyzzy').effects).toEqual([]);
    // Coming back from the emergency step keeps the time the outcome was first reached.
    expect(session.state.ctx.completedAt).toBe(first.state.ctx.completedAt);
    const back = session.say('back');
    expect(back.view.position).toBe('Step 9: risk level?');
    expect(back.state.ctx.completedAt).toBeNull();
    expect(back.state.ctx.riskLevel).toBeNull();
    const again = session.say('emerging');
    expect(again.view.node).toBe('nottingham-city/outcome-monitor-not-open-case');
    expect(again.effects).toHaveLength(1);
    const [effect] = again.effects;
    expect(effect?.type === 'case-completed' && effect.summary.riskLevel).toEqual({ id: 'emerging', label: 'Emerging' });
    expect(again.state.ctx.completedAt).toBe(at(session.turn));
  });

  test('send-summary before the outcome, or with an old ref, sends nothing', () => {
    const session = new Session(engineFor('single', 'sandwell'));
    const early = session.send({ type: 'send-summary', ref: session.view.ref, manager: MANAGER });
    expect(early.error?.code).toBe('invalid_answer');
    expect(early.effects).toEqual([]);
    for (const said of ['no', 'no', 'no']) session.say(said);
    expect(session.view.kind).toBe('outcome');
    const stale = session.send({ type: 'send-summary', ref: 'sandwell/specific-concerns#2', manager: MANAGER });
    expect(stale.error?.code).toBe('stale_answer');
    expect(stale.effects).toEqual([]);
    const sent = session.send({ type: 'send-summary', ref: session.view.ref, manager: MANAGER });
    expect(sent.effects.map((e) => e.type)).toEqual(['notify-manager']);
    expect(sent.changed).toBe(false);
  });
});

describe('the packs behind the transcripts', () => {
  test('every outcome of both packs is reached by a transcript', () => {
    const reached = new Set(
      [...NOTTINGHAM_PATHS, ...SANDWELL_PATHS].map((p) => `${p.area}:${p.outcome.position}`),
    );
    const outcomes = [nottingham, sandwell].flatMap((p) =>
      p.steps.filter((s) => s.kind === 'outcome').map((s) => `${p.area}:Outcome: ${s.heading}`),
    );
    expect(outcomes).toHaveLength(6);
    expect([...reached].sort()).toEqual([...outcomes].sort());
    const steps = new Set([...NOTTINGHAM_PATHS, ...SANDWELL_PATHS].map((p) => `${p.area}/${p.outcome.step}`));
    expect([...steps].sort()).toEqual(
      [nottingham, sandwell].flatMap((p) => p.steps.filter((s) => s.kind === 'outcome').map((s) => `${p.area}/${s.id}`)).sort(),
    );
  });

  test('Nottingham\'s refer and monitor outcomes are reached through each of their risk levels, Sandwell\'s through all three', () => {
    const levels = (paths: PathSpec[], title: string) =>
      paths.filter((p) => p.outcome.title === title).map((p) => p.riskLevel?.id).sort();
    expect(levels(NOTTINGHAM_PATHS, OUTCOMES.referChildrenAndFamiliesDirect.title)).toEqual(['high', 'medium']);
    expect(levels(NOTTINGHAM_PATHS, OUTCOMES.monitorNotOpenCase.title)).toEqual(['emerging', 'vulnerable']);
    expect(levels(SANDWELL_PATHS, OUTCOMES.whatHappensNext.title)).toEqual(['high-significant', 'low-at-risk', 'medium-serious']);
  });
});
