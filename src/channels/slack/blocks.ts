/**
 * Slack Block Kit for every engine view: messages, the checklist and case-reference modals, the manager's summary and
 * the App Home tab. Pure functions: View in, Block Kit JSON out. The signatures below are the contract the Slack
 * adapter uses.
 *
 * Pack wording is escaped for mrkdwn (&, <, >) and sent verbatim, so nothing in it becomes a mention or a link; phone
 * numbers and e-mail addresses become tel: and mailto: links whose text is the number or address, and a mailto: link
 * carries a fixed subject only. Every surface keeps to LIMITS (the strictest figures): long text is split over several
 * sections, long labels are cut with "…" and written out in full in the message, and a message that would pass 50
 * blocks is built again with its guidance and record shortened to a pointer ("type guidance").
 *
 * Buttons and what they send back: see ./blocks/slack-action.ts.
 */
import { CASE_REF_MAX } from '../../procedure/case-reference';
import { immediateDangerText, SPECIAL, type ActionView, type CaseSummary, type ContactView, type Notice, type OptionView, type TickedList, type View } from '../../engine';
import {
  actionRows,
  bold,
  button,
  clip,
  clipLines,
  contactAddsTo,
  contactInline,
  contactPlain,
  contactText,
  contexts,
  esc,
  labelNeedsText,
  LIMITS,
  mrkdwn,
  packSections,
  plain,
  notificationText,
  sections,
  textLength,
  when,
  type KnownBlock,
  type PlainText,
  type SlackButton,
} from './blocks/elements';
import {
  ACKNOWLEDGE_BLOCK,
  ACTION,
  answerValue,
  CALLBACK,
  CASE_REF_ACTION,
  CASE_REF_BLOCK,
  checklistMetadata,
  GROUP_BLOCK_PREFIX,
  INDICATORS_ACTION,
  MANAGER_BLOCK,
  notificationValue,
  refValue,
  type SlackCommand,
} from './blocks/slack-action';

export { chunkText, clip, esc, LIMITS, MAIL_SUBJECT, mailtoUri, telUri } from './blocks/elements';
export {
  ACKNOWLEDGE_BLOCK,
  ACTION,
  CALLBACK,
  CASE_REF_ACTION,
  CASE_REF_BLOCK,
  GROUP_BLOCK_PREFIX,
  INDICATORS_ACTION,
  MANAGER_BLOCK,
  parseBlockAction,
  parseModalSubmission,
  selectedManager,
  SLACK_COMMANDS,
  type SlackAction,
  type SlackCommand,
} from './blocks/slack-action';

/** A Block Kit block, as @slack/types defines it, so messages and views go to the Web API without casts. */
export type SlackBlock = KnownBlock;

export interface SlackMessage {
  /** Plain fallback for notifications and screen readers. Never holds indicators or the case reference. */
  text: string;
  blocks: SlackBlock[];
}

export interface SlackModal {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  private_metadata: string;
  blocks: SlackBlock[];
}

export interface SlackHome {
  type: 'home';
  blocks: SlackBlock[];
}

/** The text posted in a channel: says nothing about any child. */
export const CHANNEL_POINTER_TEXT = "I've sent you a direct message to go through the CSE procedure.";

/** The checklist modal's title (≤ 24 characters). */
export const CHECKLIST_MODAL_TITLE = 'CSE toolkit';
export const CASE_REF_MODAL_TITLE = 'Case reference';

const COMMAND_BUTTONS: { command: SlackCommand; text: string; style?: 'danger' }[] = [
  { command: 'emergency', text: 'Emergency', style: 'danger' },
  { command: 'back', text: 'Back' },
  { command: 'contacts', text: 'Contacts' },
  { command: 'restart', text: 'Restart' },
];

/** How much of a view to show: everything, or (when that would not fit) without guidance and record. */
type Detail = 'full' | 'compact';

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
const answerId = (i: number) => `${ACTION.answerPrefix}${i}`;
const commandId = (command: SlackCommand) => `${ACTION.commandPrefix}${command}`;
const divider: KnownBlock = { type: 'divider' };

// ---------------------------------------------------------------------------------------------------------------
// Parts shared by several messages.

function noticeBlocks(notice: Notice): KnownBlock[] {
  const head = `${notice.kind === 'error' ? ':warning: ' : ''}${bold(esc(notice.title))}`;
  return [...sections([head, ...notice.lines.map(esc)].join('\n')), ...contactSections(notice.contacts ?? [])];
}

function noticePlain(notice: Notice | undefined): string[] {
  if (!notice) return [];
  return [notice.title, ...notice.lines, ...(notice.contacts ?? []).map(contactPlain)];
}

function contactSections(contacts: ContactView[]): KnownBlock[] {
  return sections(contacts.map((c) => contactText(c)).join('\n\n'));
}

/** The position as the header, then the title in bold with the view's text under it. */
function titleBlocks(view: View, afterTitle: KnownBlock[] = []): KnownBlock[] {
  const header: KnownBlock = { type: 'header', text: plain(view.position, LIMITS.headerText) };
  const title = bold(esc(view.title));
  const text = view.text ? esc(view.text) : '';
  // The outcome puts its provenance straight under the title; other views keep title and text in one section.
  if (afterTitle.length > 0) return [header, ...sections(title), ...afterTitle, ...sections(text)];
  return [header, ...sections([title, text].filter(Boolean).join('\n'))];
}

/** The view's guidance in small print, or (outcome, compact) its titles with a button to read it. */
function guidanceBlocks(view: View, detail: Detail, short: boolean): KnownBlock[] {
  if (view.guidance.length === 0) return [];
  if (detail === 'compact' || short) {
    const titles = clip(view.guidance.map((g) => g.title).join('; '), LIMITS.sectionText - 100);
    return [
      {
        type: 'section',
        text: mrkdwn(`*Guidance:* ${esc(titles)}. Type "guidance" to read it.`),
        accessory: button('Read the guidance', commandId('guidance'), 'guidance'),
      },
    ];
  }
  return contexts(
    view.guidance.map((g) => [bold(esc(`Guidance: ${g.title}`)), g.text ? esc(g.text) : '', ...g.points.map((p) => `• ${esc(p)}`)].filter(Boolean).join('\n')),
  );
}

/** Numbered actions, each with the contacts it names (phone and e-mail as links). */
function actionSections(actions: ActionView[]): KnownBlock[] {
  return actions.flatMap((a, i) =>
    sections(
      [`${i + 1}. ${esc(oneLine(a.text))}`, ...a.contacts.filter((c) => contactAddsTo(c, a.text)).map((c) => `      • ${contactInline(c)}`)].join('\n'),
    ),
  );
}

function actionsPlain(actions: ActionView[]): string[] {
  return actions.map((a, i) => `${i + 1}. ${oneLine(a.text)}`);
}

/** The ticked indicators, list by list and group by group. */
function tickedBlocks(ticked: TickedList[], title: string): KnownBlock[] {
  if (ticked.length === 0) return [];
  const lines = [bold(esc(title))];
  for (const list of ticked) {
    if (list.groups.length === 0) {
      lines.push(`${bold(esc(list.title))}: none ticked`);
      continue;
    }
    lines.push(bold(esc(list.title)));
    for (const g of list.groups) lines.push(`_${esc(g.title)}_`, ...g.items.map((item) => `• ${esc(oneLine(item))}`));
  }
  return sections(lines.join('\n'));
}

/** One answer button per option; long labels are also listed in full above them. */
function optionBlocks(ref: string, options: OptionView[], described: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (described) {
    blocks.push(...options.flatMap((o) => sections([bold(esc(o.label)), o.description ? esc(o.description) : ''].filter(Boolean).join('\n'))));
  } else if (options.some((o) => labelNeedsText(o.label))) {
    blocks.push(...sections(options.map((o, i) => `${i + 1}. ${esc(oneLine(o.label))}`).join('\n')));
  }
  const buttons = options.map((o, i) => button(o.label, answerId(i), answerValue(ref, o.value)));
  return [...blocks, ...actionRows('cse_options', buttons)];
}

function commandBlocks(view: View): KnownBlock[] {
  const buttons = COMMAND_BUTTONS.filter((c) => !(c.command === 'emergency' && view.node === SPECIAL.emergency)).map((c) =>
    button(c.text, commandId(c.command), c.command, c.style),
  );
  return actionRows('cse_commands', buttons);
}

// ---------------------------------------------------------------------------------------------------------------
// Each kind of view.

function bodyOf(view: View, detail: Detail): KnownBlock[] {
  switch (view.kind) {
    case 'question':
      return [...guidanceBlocks(view, detail, false), ...optionBlocks(view.ref, view.options, view.options.some((o) => o.description))];
    case 'checklist':
      return [
        ...(view.note ? contexts([`(${esc(view.note)})`]) : []),
        ...guidanceBlocks(view, detail, false),
        ...view.groups.flatMap((g) => sections([bold(esc(g.title)), ...g.items.map((item) => `${item.n}. ${esc(oneLine(item.text))}`)].join('\n'))),
        ...actionRows('cse_checklist_actions', [
          button('Tick indicators', ACTION.openChecklist, refValue(view.ref), 'primary'),
          button('None of these', answerId(0), answerValue(view.ref, [])),
        ]),
      ];
    case 'risk-level':
      return [
        ...guidanceBlocks(view, detail, false),
        ...tickedBlocks(view.ticked, 'Indicators you ticked'),
        ...sections([bold('Risk levels'), view.levelsNote ? esc(view.levelsNote) : ''].filter(Boolean).join('\n')),
        ...optionBlocks(view.ref, view.options, true),
      ];
    case 'actions': {
      // "Done" (or "carry on" from the emergency step and the self-check) is an answer to this very view, so a
      // second press of an old message is recognised as stale instead of acting on whatever step is current.
      const go = button(view.continueLabel, answerId(0), answerValue(view.ref, 'done'), 'primary');
      return [
        ...(view.basis ? contexts([esc(view.basis)]) : []),
        ...guidanceBlocks(view, detail, false),
        ...actionSections(view.actions),
        ...(labelNeedsText(view.continueLabel) ? contexts([`When you are ready: ${bold(esc(oneLine(view.continueLabel)))}`]) : []),
        ...actionRows('cse_continue', [go]),
      ];
    }
    case 'case-reference':
      return [
        ...guidanceBlocks(view, detail, false),
        ...actionRows('cse_case_ref_actions', [
          button('Enter case reference', ACTION.openCaseRef, refValue(view.ref), 'primary'),
          button('Skip', answerId(0), answerValue(view.ref, 'skip')),
        ]),
      ];
    case 'outcome':
      return [
        ...(view.actions.length > 0 ? [...sections(bold('Next steps')), ...actionSections(view.actions)] : []),
        ...(view.contacts.length > 0 ? [...sections(bold('Contacts')), ...contactSections(view.contacts)] : []),
        ...(detail === 'full' ? recordBlocks(view.summary) : []),
        ...guidanceBlocks(view, detail, true),
        divider,
        ...managerBlocks(view.ref),
      ];
  }
}

/** The outcome's record of the run: case reference, each answer, the indicators ticked. */
function recordBlocks(summary: CaseSummary): KnownBlock[] {
  const lines = [
    bold('Your record of this run'),
    `Case reference: ${esc(summary.caseRef ?? 'none given')}`,
    ...summary.answers.map((a) => `• ${esc(oneLine(a.heading))}: ${esc(oneLine(a.label))}`),
  ];
  return [...sections(lines.join('\n')), ...tickedBlocks(summary.indicators, 'Indicators ticked')];
}

/** "Send the risk summary to my line manager": a user picker and its Send button. */
function managerBlocks(ref: string): KnownBlock[] {
  return [
    ...sections(
      [
        bold('Send the risk summary to my line manager'),
        "They get a private Slack message with the case reference, the risk level you chose, the indicators you ticked and the next steps. Never the child's name.",
      ].join('\n'),
    ),
    {
      type: 'actions',
      block_id: MANAGER_BLOCK,
      elements: [
        { type: 'users_select', action_id: ACTION.manager, placeholder: plain('Choose your line manager', LIMITS.placeholder) },
        button('Send summary', ACTION.sendSummary, refValue(ref), 'primary'),
      ],
    },
  ];
}

function viewText(view: View, notice: Notice | undefined): string {
  const lines: (string | undefined)[] = [...noticePlain(notice), view.position, view.title, view.text];
  switch (view.kind) {
    case 'question':
    case 'risk-level':
      if (view.kind === 'risk-level') lines.push(view.levelsNote);
      lines.push(...view.options.map((o, i) => `${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`));
      break;
    case 'checklist': {
      const count = view.groups.reduce((n, g) => n + g.items.length, 0);
      lines.push(`${count} indicators in ${view.groups.length} groups: ${view.groups.map((g) => g.title).join('; ')}.`, 'Tick the ones that apply, or choose None of these.');
      break;
    }
    case 'actions':
      lines.push(view.basis, ...actionsPlain(view.actions), view.continueLabel);
      break;
    case 'case-reference':
      lines.push("Enter the case reference, or skip. Never the child's name.");
      break;
    case 'outcome':
      lines.push(`From the ${view.provenance}.`, 'Next steps:', ...actionsPlain(view.actions));
      lines.push('You can send the risk summary to your line manager from this message.');
      break;
  }
  lines.push(view.hint);
  return notificationText(lines);
}

// ---------------------------------------------------------------------------------------------------------------
// The contract.

/** The message for a view, with a notice (error, contacts, help) shown above it when given. */
export function viewMessage(view: View, notice?: Notice): SlackMessage {
  const build = (detail: Detail): KnownBlock[] => [
    ...(notice ? [...noticeBlocks(notice), divider] : []),
    ...titleBlocks(view, view.kind === 'outcome' ? sections(bold(esc(`From the ${view.provenance}.`))) : []),
    ...bodyOf(view, detail),
    ...commandBlocks(view),
    ...contexts([esc(view.hint)]),
  ];
  let blocks = build('full');
  if (blocks.length > LIMITS.messageBlocks || textLength(blocks) > LIMITS.messageTextTotal) blocks = packSections(build('compact'), LIMITS.messageBlocks);
  return { text: viewText(view, notice), blocks };
}

/** The same view once answered: its header and title and "You answered: …", with nothing left to click. */
export function answeredMessage(view: View, answer: string): SlackMessage {
  const said = answer.trim() === '' ? '(nothing)' : answer;
  return {
    text: notificationText([view.position, view.title, `You answered: ${said}`]),
    blocks: packSections(
      [
        { type: 'header', text: plain(view.position, LIMITS.headerText) },
        ...sections(bold(esc(view.title))),
        ...sections(`You answered: ${bold(esc(oneLine(said)))}`),
      ],
      LIMITS.messageBlocks,
    ),
  };
}

/** A notice on its own (e.g. "that question was already answered", the contacts, the help). */
export function noticeMessage(notice: Notice): SlackMessage {
  return { text: notificationText(noticePlain(notice)), blocks: packSections(noticeBlocks(notice), LIMITS.messageBlocks) };
}

/** Posted in a channel: says nothing about the child. */
export function channelPointerText(): string {
  return CHANNEL_POINTER_TEXT;
}

/** An indicator as a checkbox option: its id as the value (a stand-in when longer than 75), its text cut to fit. */
function indicatorOption(item: { id: string; n: number; text: string }, longIds: Record<string, string>) {
  let value = item.id;
  if (value.length > LIMITS.optionValue) {
    value = `#${item.n}`;
    longIds[value] = item.id;
  }
  const text = item.text.replace(/\s+/g, ' ').trim();
  if (text.length <= LIMITS.optionText) return { option: { text: plain(text, LIMITS.optionText), value }, cut: false };
  // Too long for an option: the start as its text, the rest as its description (and in full above, if still cut).
  const head = clip(text, LIMITS.optionText);
  const rest = text.slice(head.length - 1).replace(/^[\s,;:.]+/, '');
  const description = `…${rest}`;
  return {
    option: { text: plain(head, LIMITS.optionText), description: plain(description, LIMITS.optionDescription), value },
    cut: description.length > LIMITS.optionDescription,
  };
}

/** The checklist's modal: one optional checkboxes input per indicator group (at most ten options each). */
export function checklistModal(view: View & { kind: 'checklist' }): SlackModal {
  const longIds: Record<string, string> = {};
  const blocks: KnownBlock[] = [
    ...sections([bold(esc(view.title)), view.text ? esc(view.text) : ''].filter(Boolean).join('\n')),
    ...contexts([[view.note ? `(${esc(view.note)})` : '', 'Tick every indicator that applies, then Save. Leave them all unticked if none applies.'].filter(Boolean).join(' ')]),
  ];
  let n = 0;
  for (const g of view.groups) {
    const parts: (typeof g.items)[] = [];
    for (let i = 0; i < g.items.length; i += LIMITS.checkboxOptions) parts.push(g.items.slice(i, i + LIMITS.checkboxOptions));
    parts.forEach((items, k) => {
      const options = items.map((item) => indicatorOption(item, longIds));
      const cut = items.filter((_, i) => options[i]!.cut);
      if (cut.length > 0) blocks.push(...contexts([`In full:\n${cut.map((item) => `${item.n}. ${esc(oneLine(item.text))}`).join('\n')}`]));
      blocks.push({
        type: 'input',
        block_id: `${GROUP_BLOCK_PREFIX}${n++}`,
        optional: true,
        label: plain(parts.length > 1 ? `${g.title} (${k + 1} of ${parts.length})` : g.title, LIMITS.inputLabel),
        element: { type: 'checkboxes', action_id: INDICATORS_ACTION, options: options.map((o) => o.option) },
      });
    });
  }
  return {
    type: 'modal',
    callback_id: CALLBACK.checklist,
    title: plain(CHECKLIST_MODAL_TITLE, LIMITS.modalTitle),
    submit: plain('Save', LIMITS.modalSubmit),
    close: plain('Cancel', LIMITS.modalClose),
    private_metadata: checklistMetadata(view.ref, longIds),
    blocks: packSections(blocks, LIMITS.modalBlocks),
  };
}

/** The case reference's modal: one text input (at most 32 characters), never a name. */
export function caseRefModal(view: View & { kind: 'case-reference' }): SlackModal {
  return {
    type: 'modal',
    callback_id: CALLBACK.caseRef,
    title: plain(CASE_REF_MODAL_TITLE, LIMITS.modalTitle),
    submit: plain('Save', LIMITS.modalSubmit),
    close: plain('Cancel', LIMITS.modalClose),
    private_metadata: refValue(view.ref),
    blocks: [
      ...sections("The child's case reference: the council's case number, so the record can be found later. *Never type the child's name.*"),
      {
        type: 'input',
        block_id: CASE_REF_BLOCK,
        label: plain('Case reference', LIMITS.inputLabel),
        hint: plain(`${capitalised(view.format.description)}. Never a name.`, LIMITS.inputHint),
        element: { type: 'plain_text_input', action_id: CASE_REF_ACTION, max_length: CASE_REF_MAX, placeholder: plain(`e.g. ${view.format.example}`, LIMITS.placeholder) },
      },
    ],
  };
}

/** The risk summary a manager receives, with an Acknowledge button (or the acknowledgement once given). */
const SENDER = '\u0000sender\u0000';

/** A plain user mention (<@U123>) is kept as it is so Slack shows the name; anything else is escaped. */
function person(raisedBy: string): string {
  return /^<@[UW][A-Z0-9]+>$/.test(raisedBy) ? raisedBy : esc(oneLine(raisedBy));
}

export function managerSummaryMessage(summary: CaseSummary, notificationId: string, raisedBy: string, raisedAt: string, acknowledgedAt?: string): SlackMessage {
  const raised = when(raisedAt);
  const caseRef = summary.caseRef ?? 'none given';
  const riskLevel = summary.riskLevel?.label ?? 'not chosen on this path';
  const danger = immediateDangerText(summary);
  const acknowledged = acknowledgedAt === undefined ? null : when(acknowledgedAt);
  const field = (title: string, value: string) => ({ type: 'mrkdwn' as const, text: clipLines(`*${title}*\n${esc(oneLine(value))}`, LIMITS.fieldText), verbatim: true });
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('CSE risk summary', LIMITS.headerText) },
    ...sections([bold(esc(`${summary.areaName}: ${summary.outcome.title}`)), `Raised by ${person(raisedBy)}, ${raised.mrkdwn}`].join('\n')),
    {
      type: 'section',
      fields: [
        field('Case reference', caseRef),
        field('Area', summary.areaName),
        field('Risk level (chosen by the professional)', riskLevel),
        field('Immediate danger', danger),
        field('Outcome', summary.outcome.title),
      ],
    },
    ...(summary.indicators.length > 0 ? tickedBlocks(summary.indicators, 'Indicators ticked') : sections(`${bold('Indicators ticked')}\nNo indicator list on this path.`)),
    ...(summary.actions.length > 0 ? [...sections(bold('Recommended actions')), ...actionSections(summary.actions)] : []),
    ...contexts([esc(`From the ${summary.provenance}.`)]),
  ];
  if (acknowledged) {
    blocks.push(...sections(`:white_check_mark: ${bold('Acknowledged')} ${acknowledged.mrkdwn}`));
  } else {
    blocks.push(
      ...sections(`Select Acknowledge to let ${person(raisedBy)} know you have read this.`),
      ...actionRows(ACKNOWLEDGE_BLOCK, [button('Acknowledge', ACTION.acknowledge, notificationValue(notificationId), 'primary')]),
    );
  }
  // The notification shows only who, where and what: no case reference, no indicators.
  // notificationText escapes everything; the sender's mention goes in afterwards so Slack shows it as a name.
  const text = notificationText([
    `CSE risk summary from ${SENDER}: ${summary.areaName}: ${summary.outcome.title}.`,
    `Risk level (chosen by the professional): ${riskLevel}.`,
    acknowledged ? `Acknowledged ${acknowledged.plain}.` : 'Open the message to read it and acknowledge it.',
  ]).replace(SENDER, person(raisedBy));
  return { text, blocks: packSections(blocks, LIMITS.messageBlocks) };
}

const TELL_DIRECTLY = 'Or tell them about it yourself, in person or by phone. Never post the details in a channel.';
const FORWARD = "Or forward the summary yourself: copy the next steps and your record from the outcome message into a direct message or e-mail to them (never the child's name).";

/** Told to the sender: the manager acknowledged, or the summary could not be delivered (and what to do instead). */
export function senderMessage(kind: 'acknowledged' | 'not-installed' | 'not-found' | 'unreachable', caseRef: string | null): SlackMessage {
  const ref = caseRef ? `case reference ${caseRef}` : 'no case reference given';
  let title = `The risk summary (${ref}) was not sent.`;
  let lines: string[];
  switch (kind) {
    case 'acknowledged':
      title = `Your line manager acknowledged the risk summary (${ref}).`;
      lines = [];
      break;
    case 'not-installed':
      lines = [
        "Your line manager can't get messages from the CSE guidance app in Slack, so I can't send them the summary. What you can do:",
        FORWARD.replace(/^Or f/, 'F'),
        'Or ask them to open the CSE guidance app in Slack (or ask your Slack admin to add it for them), then send the summary again from the outcome message.',
        TELL_DIRECTLY,
      ];
      break;
    case 'not-found':
      lines = [
        "I couldn't find the person you chose in this Slack workspace. What you can do:",
        'Check you chose the right person and send the summary again from the outcome message.',
        FORWARD,
        TELL_DIRECTLY,
      ];
      break;
    case 'unreachable':
      lines = ["I couldn't reach your line manager in Slack just now. What you can do:", 'Try again in a few minutes from the outcome message.', FORWARD, TELL_DIRECTLY];
      break;
  }
  const icon = kind === 'acknowledged' ? ':white_check_mark:' : ':warning:';
  const body = [`${icon} ${bold(esc(title))}`, ...lines.map((line, i) => (i === 0 ? esc(line) : `• ${esc(line)}`))].join('\n');
  return { text: notificationText([title, ...lines]), blocks: sections(body) };
}

/** The App Home tab: Start, the conversation in progress (if any), and each enabled area with its provenance and contacts. */
export function homeView(input: {
  areas: { id: string; name: string; provenance: string; contacts: ContactView[] }[];
  inProgress: View | null;
}): SlackHome {
  const build = (withContacts: boolean): KnownBlock[] => {
    const start: SlackButton[] = [button('Start the CSE procedure', ACTION.start, 'start', 'primary')];
    if (input.inProgress) start.push(button('Carry on where I was', commandId('resume'), 'resume'));
    return [
      { type: 'header', text: plain('CSE guidance', LIMITS.headerText) },
      ...sections(
        "Walks you through your council's Child Sexual Exploitation procedure, step by step, in a direct message. Never type a child's name. *In an emergency, call 999.*",
      ),
      ...(input.inProgress
        ? sections([bold('In progress'), esc(oneLine(input.inProgress.position)), esc(oneLine(input.inProgress.title))].join('\n'))
        : []),
      ...actionRows('cse_home_actions', start),
      ...input.areas.flatMap((area) => [
        divider,
        ...sections(bold(esc(area.name))),
        ...contexts([esc(`From the ${area.provenance}.`)]),
        ...(withContacts ? contactSections(area.contacts) : []),
      ]),
    ];
  };
  const full = build(true);
  const blocks = full.length <= LIMITS.homeBlocks ? full : packSections(build(false), LIMITS.homeBlocks);
  return { type: 'home', blocks };
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
