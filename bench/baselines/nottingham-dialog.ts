/**
 * The Nottingham City CSE pathway as an ordinary botbuilder-dialogs developer would write it (the CoreBot sample's
 * shape): one ComponentDialog holding a WaterfallDialog, ChoicePrompts for the questions (hero-card buttons; typed
 * "1", "2", "yes", "no" and option words are recognized by the ChoicePrompt), TextPrompts with validators for the
 * case reference and the two toolkit lists. Answers live in the waterfall's step.values (inside the conversation's
 * DialogState) until the outcome, which is also kept as the conversation's `lastReferral`.
 *
 * The typed path to the refer-to-Children-&-Families-Direct outcome, after any first message:
 *   'no', '1', 'done', 'AB123', '1,2,3,4', '1,5,9,20,37', 'no', 'no', 'no', '3'   (one reply per turn)
 */
import { MessageFactory, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ComponentDialog,
  DialogSet,
  DialogTurnStatus,
  ListStyle,
  TextPrompt,
  WaterfallDialog,
  type DialogState,
  type DialogTurnResult,
  type FoundChoice,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import {
  AREAS,
  GUIDANCE,
  LISTS,
  OUTCOMES,
  RISK_LEVELS,
  STRATEGY,
  TEXT,
  YES_NO,
  YES_NO_NOT_KNOWN,
  type IndicatorList,
  type OutcomeId,
} from './nottingham-content';

const MAIN_WATERFALL = 'mainWaterfall';
const CHOICE_PROMPT = 'choicePrompt';
const CASE_REF_PROMPT = 'caseRefPrompt';
const INDICATORS_PROMPT = 'indicatorsPrompt';

/** What a finished run records. */
export interface Referral {
  area: string;
  immediateDanger: boolean;
  caseRef: string | null;
  vulnerabilityIndicators: number[];
  signsIndicators: number[];
  previousAbuse: string;
  siblings: string;
  openCase: boolean;
  strategyMeeting: string | null;
  riskLevel: string | null;
  outcome: OutcomeId;
  completedAt: string;
}

/** The answers collected so far, kept in the waterfall's step.values. */
type Answers = Partial<Omit<Referral, 'outcome' | 'completedAt'>>;

const CASE_REF = /^[A-Za-z0-9][A-Za-z0-9/-]{0,29}$/;

function countOf(list: IndicatorList): number {
  return list.groups.reduce((n, g) => n + g.indicators.length, 0);
}

/** "1, 5,9" -> [1, 5, 9]; "none" -> []; null when anything is not a number from 1 to max. */
export function parseIndicators(text: string, max: number): number[] | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none' || trimmed === '0') return [];
  const parts = trimmed.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length === 0) return null;
  const numbers = new Set<number>();
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return null;
    const n = Number(p);
    if (n < 1 || n > max) return null;
    numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b);
}

/** The numbered checklist, numbered straight through its groups, with the step's text and guidance above it. */
function checklistText(intro: string, list: IndicatorList, guidance: string[] = []): string {
  const lines: string[] = [...guidance, intro, `**${list.title}** (${list.note})`];
  let n = 0;
  for (const group of list.groups) {
    lines.push(`*${group.title}*`);
    lines.push(group.indicators.map((text) => `${++n}. ${text}`).join('\n'));
  }
  lines.push(TEXT.indicatorsHowTo);
  return lines.join('\n\n');
}

function outcomeText(id: OutcomeId, answers: Answers): string {
  const outcome = OUTCOMES[id];
  const contacts = outcome.contacts.map((c) => {
    const how = [c.phone && `phone ${c.phone}`, c.email && `e-mail ${c.email}`].filter(Boolean).join(', ');
    return `- **${c.name}**: ${c.purpose}${how ? ` (${how})` : ''}`;
  });
  const summary = [
    `Area: ${answers.area ?? ''}`,
    `Case reference: ${answers.caseRef ?? 'none given'}`,
    `Vulnerability indicators ticked: ${answers.vulnerabilityIndicators?.join(', ') || 'none'}`,
    `Signs and indicators ticked: ${answers.signsIndicators?.join(', ') || 'none'}`,
    answers.riskLevel ? `Risk level: ${answers.riskLevel}` : `Strategy meeting: ${answers.strategyMeeting ?? ''}`,
  ];
  return [
    `**${outcome.title}**`,
    'Next steps:',
    outcome.actions.map((a, i) => `${i + 1}. ${a}`).join('\n'),
    'Contacts:',
    contacts.join('\n'),
    GUIDANCE.neverAssume.text,
    summary.join('\n'),
    TEXT.restart,
  ].join('\n\n');
}

export class NottinghamDialog extends ComponentDialog {
  constructor(private readonly lastReferral: StatePropertyAccessor<Referral>) {
    super('nottinghamDialog');

    const choice = new ChoicePrompt(CHOICE_PROMPT, undefined, 'en-us');
    choice.style = ListStyle.heroCard;
    this.addDialog(choice);
    this.addDialog(new TextPrompt(CASE_REF_PROMPT, async (prompt) => Promise.resolve(this.validCaseRef(prompt))));
    this.addDialog(new TextPrompt(INDICATORS_PROMPT, async (prompt) => Promise.resolve(this.validIndicators(prompt))));
    this.addDialog(
      new WaterfallDialog(MAIN_WATERFALL, [
        this.dangerStep.bind(this),
        this.areaStep.bind(this),
        this.checkRecordsStep.bind(this),
        this.caseRefStep.bind(this),
        this.vulnerabilityStep.bind(this),
        this.signsStep.bind(this),
        this.previousAbuseStep.bind(this),
        this.siblingsStep.bind(this),
        this.openCaseStep.bind(this),
        this.nextQuestionStep.bind(this),
        this.outcomeStep.bind(this),
      ]),
    );
    this.initialDialogId = MAIN_WATERFALL;
  }

  /** The usual entry point: continue the active dialog, or start this one when none is active. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(dialogState);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    const text = (context.activity.text ?? '').trim().toLowerCase();
    if (text === 'restart' || text === 'cancel') await dc.cancelAllDialogs();
    const results = await dc.continueDialog();
    if (results.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  private choose(step: WaterfallStepContext, text: string, choices: string[]): Promise<DialogTurnResult> {
    return step.prompt(CHOICE_PROMPT, { prompt: text, retryPrompt: `${TEXT.retry}\n\n${text}`, choices });
  }

  private answers(step: WaterfallStepContext): Answers {
    return step.values;
  }

  private validCaseRef(prompt: PromptValidatorContext<string>): boolean {
    const value = (prompt.recognized.value ?? '').trim();
    return prompt.recognized.succeeded && (value.toLowerCase() === 'skip' || CASE_REF.test(value));
  }

  private validIndicators(prompt: PromptValidatorContext<string>): boolean {
    const max = (prompt.options.validations as { max: number }).max;
    return prompt.recognized.succeeded && parseIndicators(prompt.recognized.value ?? '', max) !== null;
  }

  private async dangerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return this.choose(step, TEXT.danger, YES_NO);
  }

  private async areaStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const danger = (step.result as FoundChoice).value === 'Yes';
    this.answers(step).immediateDanger = danger;
    if (danger) await step.context.sendActivity(MessageFactory.text(`**Call 999 now.** ${TEXT.emergency}`));
    return this.choose(step, TEXT.area, AREAS);
  }

  private async checkRecordsStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const area = (step.result as FoundChoice).value;
    if (area !== 'Nottingham City') {
      await step.context.sendActivity(TEXT.areaNotAvailable);
      return step.endDialog();
    }
    this.answers(step).area = area;
    return this.choose(step, TEXT.checkRecords, ['done']);
  }

  private async caseRefStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.prompt(CASE_REF_PROMPT, { prompt: TEXT.caseReference, retryPrompt: TEXT.caseReferenceRetry });
  }

  private async vulnerabilityStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const typed = (step.result as string).trim();
    this.answers(step).caseRef = typed.toLowerCase() === 'skip' ? null : typed.toUpperCase();
    const list = LISTS.vulnerability;
    const guidance = [GUIDANCE.cseDefinition.text, GUIDANCE.encouragingHelp.text, GUIDANCE.encouragingHelp.points.map((p) => `- ${p}`).join('\n')];
    return step.prompt(INDICATORS_PROMPT, {
      prompt: checklistText(TEXT.vulnerability, list, guidance),
      retryPrompt: TEXT.indicatorsRetry(countOf(list)),
      validations: { max: countOf(list) },
    });
  }

  private async signsStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.answers(step).vulnerabilityIndicators = parseIndicators(step.result as string, countOf(LISTS.vulnerability)) ?? [];
    const list = LISTS.signs;
    return step.prompt(INDICATORS_PROMPT, {
      prompt: checklistText(TEXT.signs, list),
      retryPrompt: TEXT.indicatorsRetry(countOf(list)),
      validations: { max: countOf(list) },
    });
  }

  private async previousAbuseStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.answers(step).signsIndicators = parseIndicators(step.result as string, countOf(LISTS.signs)) ?? [];
    return this.choose(step, TEXT.previousAbuse, YES_NO_NOT_KNOWN);
  }

  private async siblingsStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.answers(step).previousAbuse = (step.result as FoundChoice).value;
    return this.choose(step, TEXT.siblings, YES_NO_NOT_KNOWN);
  }

  private async openCaseStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.answers(step).siblings = (step.result as FoundChoice).value;
    return this.choose(step, TEXT.openCase, YES_NO);
  }

  /** Open case: contact the social worker, then the strategy discussion. Not an open case: the risk level. */
  private async nextQuestionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const openCase = (step.result as FoundChoice).value === 'Yes';
    this.answers(step).openCase = openCase;
    if (openCase) {
      await step.context.sendActivity(TEXT.contactSocialWorker.map((a, i) => `${i + 1}. ${a}`).join('\n'));
      return this.choose(step, TEXT.strategyDiscussion, STRATEGY);
    }
    return this.choose(step, TEXT.riskLevel, RISK_LEVELS);
  }

  private async outcomeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const answers = this.answers(step);
    const picked = (step.result as FoundChoice).value;
    let outcome: OutcomeId;
    if (answers.openCase) {
      answers.strategyMeeting = picked;
      outcome = picked === 'Meeting Needed' ? 'strategy-meeting' : 'monitor-open-case';
    } else {
      answers.riskLevel = picked;
      outcome = picked === 'Medium' || picked === 'High' ? 'refer-children-and-families-direct' : 'monitor-not-open-case';
    }
    const referral: Referral = {
      area: answers.area ?? '',
      immediateDanger: answers.immediateDanger ?? false,
      caseRef: answers.caseRef ?? null,
      vulnerabilityIndicators: answers.vulnerabilityIndicators ?? [],
      signsIndicators: answers.signsIndicators ?? [],
      previousAbuse: answers.previousAbuse ?? '',
      siblings: answers.siblings ?? '',
      openCase: answers.openCase ?? false,
      strategyMeeting: answers.strategyMeeting ?? null,
      riskLevel: answers.riskLevel ?? null,
      outcome,
      completedAt: new Date().toISOString(),
    };
    await this.lastReferral.set(step.context, referral);
    await step.context.sendActivity(outcomeText(outcome, answers));
    return step.endDialog(referral);
  }
}
