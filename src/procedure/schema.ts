import { z } from 'zod';

/** A kebab-case identifier: area, step, contact, indicator, risk level and answer ids all use it. */
export const Id = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters, digits and single hyphens');

const Text = z.string().trim().min(1);

/** ISO calendar date (YYYY-MM-DD), kept as a string so a pack round-trips unchanged. */
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');

export const Contact = z
  .object({
    id: Id,
    name: Text,
    /** What this contact is for, in the seed's words where it has them. */
    purpose: Text.optional(),
    phone: z
      .string()
      .regex(/^[0-9 ]{3,20}$/, 'a phone number is digits and spaces, written as the seed writes it')
      .optional(),
    email: z.email().optional(),
  })
  .strict();

/** One thing the professional should do, with the contacts it involves. */
export const Action = z
  .object({
    text: Text,
    contacts: z.array(Id).default([]),
  })
  .strict();

export const Guidance = z
  .object({
    id: Id,
    title: Text,
    text: Text.optional(),
    points: z.array(Text).default([]),
    /** Where in the seed this comes from (shown to reviewers, and with the text). */
    source: Text.optional(),
  })
  .strict();

export const Indicator = z.object({ id: Id, text: Text }).strict();

export const IndicatorGroup = z
  .object({
    id: Id,
    title: Text,
    // Ten is the most a Slack checkbox group can hold; a bigger group would have to be split by each channel.
    indicators: z.array(Indicator).min(1).max(10),
  })
  .strict();

export const IndicatorList = z
  .object({
    id: Id,
    title: Text,
    note: Text.optional(),
    groups: z.array(IndicatorGroup).min(1),
  })
  .strict();

export const RiskLevel = z
  .object({
    id: Id,
    label: Text,
    description: Text.optional(),
  })
  .strict();

export const GlossaryEntry = z
  .object({
    term: z.string().regex(/^[A-Za-z0-9]{2,10}$/, 'a glossary term is an acronym of 2 to 10 letters or digits'),
    /** Only when the meaning is certain; otherwise the term is shown as the seed writes it. */
    expansion: Text.optional(),
    meaning: Text,
  })
  .strict();

export const SelfCheckQuestion = z.object({ id: Id, text: Text }).strict();

export const SelfCheck = z
  .object({
    title: Text,
    intro: Text,
    questions: z.array(SelfCheckQuestion).min(1),
    ifNo: Text,
    /** Contact ids of the places to go when an answer is no. */
    places: z.array(Id).min(1),
  })
  .strict();

const stepBase = {
  id: Id,
  /** Short name of the step for "Step 3: open case?" and the flowchart. */
  heading: Text,
  /** The seed's box or paragraph this step comes from, for reviewers. */
  source: Text.optional(),
  /** Guidance ids shown with this step. */
  guidance: z.array(Id).default([]),
};

export const Answer = z
  .object({
    id: Id,
    label: z.string().trim().min(1).max(60),
    next: Id,
    /** Run the self-check before going to `next`. */
    selfCheck: z.boolean().default(false),
  })
  .strict();

export const DangerStep = z
  .object({
    ...stepBase,
    kind: z.literal('danger'),
    text: Text,
    yesLabel: Text,
    noLabel: Text,
    emergency: z
      .object({
        title: Text,
        text: Text,
        actions: z.array(Action).min(1),
        /** Where the step comes from: the seed's box, or general practice when the seed has none. */
        basis: Text,
      })
      .strict(),
    /** Where the procedure carries on: with no danger, or once the danger is dealt with. */
    next: Id,
  })
  .strict();

export const QuestionStep = z
  .object({
    ...stepBase,
    kind: z.literal('question'),
    text: Text,
    answers: z.array(Answer).min(2).max(6),
    /**
     * A question that belongs to the toolkit: its answer is shown beside the ticked indicators (at the risk level,
     * in the outcome and in the manager's summary) as "<this text>: <answer>".
     */
    recordWithIndicators: Text.optional(),
  })
  .strict();

export const ActionsStep = z
  .object({
    ...stepBase,
    kind: z.literal('actions'),
    text: Text.optional(),
    actions: z.array(Action).min(1),
    next: Id,
  })
  .strict();

export const ChecklistStep = z
  .object({
    ...stepBase,
    kind: z.literal('checklist'),
    text: Text,
    list: Id,
    next: Id,
  })
  .strict();

export const RiskLevelStep = z
  .object({
    ...stepBase,
    kind: z.literal('risk-level'),
    text: Text,
    /** Each level the professional may choose, and where that choice leads. */
    levels: z.array(z.object({ level: Id, next: Id }).strict()).min(1),
  })
  .strict();

/**
 * A council's case-reference format: a regular expression (the engine anchors it), an example that it accepts, and
 * a description shown to the user. It must refuse names (checked at load: see case-reference.ts).
 */
export const CaseReferenceFormat = z
  .object({
    pattern: z.string().min(1).max(200),
    example: z.string().min(1).max(32),
    description: Text,
  })
  .strict();
export type CaseReferenceFormat = z.output<typeof CaseReferenceFormat>;

export const CaseReferenceStep = z
  .object({
    ...stepBase,
    kind: z.literal('case-reference'),
    text: Text,
    next: Id,
  })
  .strict();

export const OutcomeStep = z
  .object({
    ...stepBase,
    kind: z.literal('outcome'),
    title: Text,
    text: Text.optional(),
    actions: z.array(Action).min(1),
    /** Contacts to list beside those the actions name. */
    contacts: z.array(Id).default([]),
  })
  .strict();

export const Step = z.discriminatedUnion('kind', [
  DangerStep,
  QuestionStep,
  ActionsStep,
  ChecklistStep,
  RiskLevelStep,
  CaseReferenceStep,
  OutcomeStep,
]);

export const Procedure = z
  .object({
    area: Id,
    /** The area's name as users know it, e.g. "Nottingham City". */
    name: Text,
    /** The procedure's title, shown in the provenance line. */
    procedure: Text,
    /** File name of the council's source document, kept in the `sources` folder beside the pack. */
    source: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name, no folders'),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 1.0.0'),
    /**
     * When the pack was last checked, line by line, against its source. Not a date of the council's: neither source
     * document gives one, and nothing here may read as if the council reviewed the pack.
     */
    checked: IsoDate,
    /** The council's case-reference format; without one the default (case-reference.ts) holds. */
    caseReference: CaseReferenceFormat.optional(),
    start: Id,
    contacts: z.array(Contact).min(1),
    guidance: z.array(Guidance).default([]),
    riskLevels: z.array(RiskLevel).min(1),
    riskLevelsNote: Text.optional(),
    indicatorLists: z.array(IndicatorList).default([]),
    selfCheck: SelfCheck.optional(),
    glossary: z.array(GlossaryEntry).default([]),
    steps: z.array(Step).min(1),
  })
  .strict();

/** The area-neutral part of a run: asked before the area is known, when more than one area is enabled. */
export const Common = z
  .object({
    danger: z
      .object({
        heading: Text,
        text: Text,
        yesLabel: Text,
        noLabel: Text,
        emergency: z
          .object({ title: Text, text: Text, actions: z.array(Text).min(1), contact: Contact, basis: Text })
          .strict(),
      })
      .strict(),
    area: z.object({ heading: Text, text: Text }).strict(),
    help: z.array(Text).min(1),
  })
  .strict();

export type ProcedureInput = z.input<typeof Procedure>;
export type Procedure = z.output<typeof Procedure>;
export type Step = z.output<typeof Step>;
export type Contact = z.output<typeof Contact>;
export type Action = z.output<typeof Action>;
export type Guidance = z.output<typeof Guidance>;
export type IndicatorList = z.output<typeof IndicatorList>;
export type RiskLevel = z.output<typeof RiskLevel>;
export type GlossaryEntry = z.output<typeof GlossaryEntry>;
export type Common = z.output<typeof Common>;
export type StepKind = Step['kind'];
