/**
 * The Nottingham City CSE pathway's wording and contacts, hard-coded as a Bot Framework developer would, copied
 * from dialogs/nottingham-city.yaml (texts, phone numbers and e-mail addresses character for character).
 */

export interface IndicatorList {
  title: string;
  note: string;
  groups: { title: string; indicators: string[] }[];
}

export const AREAS = ['Nottingham City', 'Sandwell'];

export const TEXT = {
  danger: 'Is the child, or anyone else, in immediate danger?',
  emergency: 'Someone is in immediate danger. Call 999 now, before anything else. Once everyone is safe, carry on below.',
  area: 'Which council area does the child live in? Its procedure and contacts are the ones that apply.',
  areaNotAvailable: "Only the Nottingham City procedure is available in this bot. Please follow your own council area's procedure.",
  checkRecords: 'Check your agency records, inform your line manager. Choose "done" when you have.',
  caseReference:
    "If the child has a case reference (the council's case number), type it now so the record can be found later, or type \"skip\". Never type the child's name.",
  caseReferenceRetry: "Please type a case reference (letters, digits, '-' or '/', no spaces) or 'skip'. Never type the child's name.",
  vulnerability:
    'Complete CSE Profiling Toolkit. To include siblings; particular attention to previous sexual abuse. Part 1 of 2: tick every vulnerability indicator that applies, or choose none.',
  signs: 'Complete CSE Profiling Toolkit. Part 2 of 2: tick every sign and indicator that applies, or choose none.',
  indicatorsHowTo: 'Type the numbers of every indicator that applies, separated by commas (for example 1,4,7), or "none".',
  indicatorsRetry: (max: number) => `Please type numbers from 1 to ${max} separated by commas (for example 1,4,7), or "none".`,
  previousAbuse: 'Particular attention to previous sexual abuse: is there any known previous sexual abuse?',
  siblings: 'The toolkit is to include siblings. Does the child have siblings who need to be included?',
  openCase: 'Is this an open case to Social Care?',
  contactSocialWorker: [
    'Contact allocated social worker.',
    'Social worker and line manager to consider CSE Strategy meeting.',
    "Children's assessment will be completed/continued",
  ],
  strategyDiscussion:
    'Discussion regarding the need for Strategy meeting between Social Worker, CSE Coordinator & Principle Manager. What was decided?',
  riskLevel:
    'Not an open case. Looking at the toolkit you have completed, which risk level do you judge applies? You decide: the bot does not work out a level.',
  retry: 'Please choose one of the options, by its button, its number or its words.',
  restart: 'Send any message to start again.',
};

export const YES_NO = ['Yes', 'No'];
export const YES_NO_NOT_KNOWN = ['Yes', 'No', 'Not known'];
export const STRATEGY = ['Meeting Needed', 'Meeting not needed'];
export const RISK_LEVELS = ['Vulnerable', 'Emerging', 'Medium', 'High'];

export const GUIDANCE = {
  cseDefinition: {
    text:
      'This guidance is applicable to all victims of Child Sexual Exploitation (CSE): ‘Child sexual exploitation is a form of child abuse. It occurs where anyone under the age of 18 is persuaded, coerced or forced into sexual activity in exchange for, amongst other things, money, drugs/alcohol, gifts, affection or status. Consent is irrelevant, even where a child may believe they are voluntarily engaging in sexual activity with the person who is exploiting them. Child sexual exploitation does not always involve physical contact and may occur online.’',
    points: [],
  },
  encouragingHelp: {
    text:
      'There are many reasons why victims will not, or feel they cannot, speak about their experiences or seek help and support so it is important to build trust to enable this to happen.',
    points: [
      'Always be alert to the possibility that an individual could be experiencing sexual exploitation, regardless of their age or gender, and be prepared to offer support.',
      'When a victim is hard to engage, the person with the best relationship with them should lead discussions.',
      'Ensure professional interpreters are used, never use family members, children or friends where sexual exploitation is known or suspected.',
      'Only ask questions about sexual exploitation when victims are on their own and in a private place.',
    ],
  },
  neverAssume: {
    text:
      'Never assume that someone else will address sexual exploitation issues. You should seek confirmation that other professionals have acted in a way which you would expect. You may be the victim’s first and only contact. Remember victims can deny sexual exploitation is happening and minimise the risk of harm. Discuss with your manager, assess the risk level and act accordingly.',
    points: [],
  },
};

export const LISTS: Record<'vulnerability' | 'signs', IndicatorList> = {
  vulnerability: { title: 'Vulnerability indicators which may increase risk', note: 'this is not an exhaustive list', groups: [
    { title: 'Family and care', indicators: [
      'Live in a chaotic or dysfunctional family',
      'History of domestic abuse within the family or in own relationship',
      'Parents with mental health and/or substance misuse issues',
      'Lack of protective factors within family unit',
      'Parent/carer has significant physical health issues or learning disabilities',
      'Parent/carer involved in sex work',
      'Looked after child',
    ] },
    { title: 'History and circumstances', indicators: [
      'History of sexual/physical/emotional abuse or neglect',
      'Bereavement or loss',
      'Homeless',
      'Migrant, refugee or asylum seeker',
      'Previous victim of CSE including siblings',
      'Under 13 years of age',
      'Financially unsupported',
    ] },
    { title: 'The young person', indicators: [
      'Social or learning difficulties.',
      'Low self-esteem or confidence',
      'Unsure of their sexual orientation or gender identity',
      'Sexually active',
      'Subject of bullying',
      'Mental health problems',
    ] },
  ] },
  signs: { title: 'Signs and Indicators', note: 'this is not an exhaustive list', groups: [
    { title: 'Behaviour and wellbeing', indicators: [
      'Use of drugs or alcohol',
      'Frequent poor/aggressive behaviour',
      'Secretive behaviour/relationships',
      'Change in appearance/ Poor self-image',
      'Self-harming and/or suicide ideation',
      'Over sexualised behaviour/risk taking',
      'Over sexualised appearance',
    ] },
    { title: 'Home, school and routine', indicators: [
      'Issues with education/attendance',
      'Becoming estranged from family',
      'Detached from age related activities',
      'Returning home late or missing/absent',
      'Breakdown of living arrangements',
      'Multiple callers to address',
    ] },
    { title: 'Relationships, contacts and online', indicators: [
      'Secretive about internet use',
      'Association with other victims of CSE',
      'Unexplained relationships with adults',
      'Receiving calls/texts from unknown persons',
      'Multiple or older boyfriends/girlfriends',
      'Forming relationships via the internet',
      'Recruiting others into exploitative situations',
      'Meeting unknown adults/ engaging in sexual activity with adults',
      'Being groomed to meet adults',
      'Associating with known CSE perpetrators',
    ] },
    { title: 'Sexual health and harm', indicators: [
      'Sexually active under 13 yrs',
      'Pregnancy, miscarriage and/or termination',
      'Multiple or recurring STI’s',
      'Unexplained physical injuries',
      'History of CSE concerns (including siblings)',
      'Sexual assault disclosure then withdrawal',
    ] },
    { title: 'Places, gifts and crime', indicators: [
      'Entering or leaving unknown vehicles',
      'Involvement in gangs/crime',
      'Involvement in crime',
      'Unexplained gifts: clothes, phones, money, jewellery, drugs, cigarettes',
      'Presence in red light areas',
      'Visiting nightclubs/hotels/pubs with adults',
      'Transported from town to town',
      'Linked to hotspot CSE areas',
    ] },
  ] },
};

export interface Contact {
  name: string;
  purpose: string;
  phone?: string;
  email?: string;
}

export const CONTACTS = {
  emergencyServices: { name: 'Emergency Service', purpose: 'Immediate risk to self, young person or others', phone: '999' },
  lineManager: { name: 'Your line manager', purpose: 'Inform your line manager' },
  allocatedSocialWorker: { name: 'Allocated social worker', purpose: 'Open case to Social Care' },
  childrenAndFamiliesDirect: { name: 'Children & Families Direct', purpose: 'If medium / high risk factors (not an open case)', phone: '0115 876 4800' },
  diaryManager: { name: 'Diary Manager', purpose: 'Arrange the Strategy meeting (attach completed toolkit)', email: 'diary.manager@nottinghamcity.gov.uk' },
  seiu: { name: 'Sexual Exploitation Investigation Unit', purpose: 'Invite to the Strategy meeting and email the toolkit to', email: 'seiu@nottinghamshire.pnn.police.uk' },
  cseCoordinator: { name: 'CSE Coordinator', purpose: 'Send completed CSE Toolkit to' },
  principleManagerIro: { name: 'Principle Manager of IRO team', purpose: 'Send completed CSE Toolkit to' },
  concernsNetwork: { name: 'Concerns Network (Police intelligence)', purpose: 'If concerns are related to Police intelligence, send the Concerns Network Information Sharing Form to', email: 'cnm@nottinghamshire.pnn.police.uk' },
} satisfies Record<string, Contact>;

export type OutcomeId = 'strategy-meeting' | 'monitor-open-case' | 'refer-children-and-families-direct' | 'monitor-not-open-case';

export interface Outcome {
  title: string;
  actions: string[];
  contacts: Contact[];
}

const POLICE_INTELLIGENCE =
  'If concerns are related to Police intelligence please complete a Concerns Network Information Sharing Form and send to: cnm@nottinghamshire.pnn.police.uk';

export const OUTCOMES: Record<OutcomeId, Outcome> = {
  'strategy-meeting': {
    title: 'Strategy meeting needed',
    actions: [
      'Arrange via Diary Manager (Attach completed toolkit)',
      'Invite the Sexual Exploitation Investigation Unit and email toolkit to: seiu@nottinghamshire.pnn.police.uk',
      'Invite all other relevant professionals',
      'Consider inviting young person and carers if appropriate',
      'Strategy meeting to decided risk levels: Emerging, Medium or High',
      'Recommendations made: S47, ICPC, ASHA etc.',
      'Send completed CSE Toolkit to: CSE Coordinator; Principle Manager of IRO team',
      POLICE_INTELLIGENCE,
    ],
    contacts: [CONTACTS.diaryManager, CONTACTS.seiu, CONTACTS.cseCoordinator, CONTACTS.principleManagerIro, CONTACTS.concernsNetwork],
  },
  'monitor-open-case': {
    title: 'Meeting not needed: monitor case',
    actions: [
      'Monitor case.  Record any changes. Complete toolkit again. Consider CAF.',
      POLICE_INTELLIGENCE,
    ],
    contacts: [CONTACTS.allocatedSocialWorker, CONTACTS.concernsNetwork],
  },
  'refer-children-and-families-direct': {
    title: 'Medium / high risk factors: refer to Children & Families Direct',
    actions: [
      'Refer to Children & Families Direct (0115 876 4800)',
      POLICE_INTELLIGENCE,
    ],
    contacts: [CONTACTS.childrenAndFamiliesDirect, CONTACTS.concernsNetwork],
  },
  'monitor-not-open-case': {
    title: 'Vulnerable or emerging risk indicators: monitor case',
    actions: [
      'If vulnerable or emerging risk indicators, monitor case. Record any changes. Complete toolkit again. Consider a CAF',
      POLICE_INTELLIGENCE,
    ],
    contacts: [CONTACTS.concernsNetwork],
  },
};
