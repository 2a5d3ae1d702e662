/**
 * Adaptive Cards (schema 1.5, as Teams renders them) for every engine view. Pure functions: View in, card JSON out.
 * The signatures below are the contract the Teams adapter and the web page use.
 *
 * Buttons are Action.Execute (verb = data.verb) with an Action.Submit fallback carrying the same data; see
 * ./cards/card-action.ts for what comes back and how parseCardAction reads it. Pack wording is escaped for card
 * Markdown; phone numbers and e-mail addresses become tel: and mailto: links whose text is the number or address.
 * Every card stays under MAX_CARD_BYTES (28 KB of JSON): when a view would not fit, its guidance and record are
 * shortened to a pointer ("type guidance").
 */
import { CASE_REF_MAX } from '../../procedure/case-reference';
import { immediateDangerText, SPECIAL, type ActionView, type CaseSummary, type ContactView, type Notice, type OptionView, type TickedList, type View } from '../../engine';
import { CASE_REF_INPUT, CASE_REF_VALUE, CHECKLIST_VALUE, INDICATOR_INPUT_PREFIX, MANAGER_INPUT } from './cards/card-action';
import {
  bullet,
  bulletList,
  button,
  buttonRows,
  CARD_SCHEMA,
  CARD_VERSION,
  cardBytes,
  collapsible,
  contactAddsTo,
  contactBlock,
  contactLine,
  heading,
  MAX_CARD_BYTES,
  md,
  paragraphs,
  plainText,
  speech,
  textBlock,
  when,
  type CardElement,
} from './cards/elements';

export {
  CARD_COMMANDS,
  CASE_REF_VALUE,
  CHECKLIST_VALUE,
  caseRefValue,
  checklistValue,
  managerId,
  parseCardAction,
  type CardAction,
} from './cards/card-action';
export { cardBytes, MAX_CARD_BYTES, MAIL_SUBJECT, mailtoUri, telUri } from './cards/elements';

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/** The text of the card posted in a channel or group chat. */
export const CHANNEL_POINTER_TEXT = "I've sent you a private message to go through the CSE procedure.";


const COMMAND_BUTTONS = [
  { command: 'emergency', title: 'Emergency', style: 'destructive' },
  { command: 'back', title: 'Back' },
  { command: 'contacts', title: 'Contacts' },
  { command: 'restart', title: 'Restart' },
] as const;

/** How much of a view to show: everything, or (when that would not fit in a card) without guidance and record. */
type Detail = 'full' | 'compact';

function adaptiveCard(body: CardElement[], fallbackText: string, speak: string, actions: CardElement[] = []): AdaptiveCard {
  return {
    $schema: CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    body,
    ...(actions.length > 0 ? { actions } : {}),
    fallbackText,
    speak,
    msteams: { width: 'Full' },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parts shared by several cards.

function noticeSection(notice: Notice): CardElement {
  const error = notice.kind === 'error';
  return {
    type: 'Container',
    style: error ? 'attention' : 'emphasis',
    items: [
      textBlock(md(notice.title), { weight: 'bolder', ...(error ? { color: 'attention' } : {}) }),
      ...notice.lines.flatMap((line) => paragraphs(line, { spacing: 'small' })),
      ...(notice.contacts ?? []).map((c) => contactBlock(c, true)),
    ],
  };
}

function noticePlain(notice: Notice | undefined): string[] {
  if (!notice) return [];
  return [notice.title, ...notice.lines, ...(notice.contacts ?? []).map(contactLine), ''];
}

function header(view: View): CardElement[] {
  const urgent = view.node === SPECIAL.emergency;
  return [
    textBlock(md(view.position), { size: 'small', isSubtle: true, spacing: 'none' }),
    heading(view.title, { size: 'medium', spacing: 'none', ...(urgent ? { color: 'attention' } : {}) }),
  ];
}

/** The view's guidance, each entry behind a show/hide toggle; in compact form only a pointer to "guidance". */
function guidanceSection(view: View, detail: Detail): CardElement[] {
  if (view.guidance.length === 0) return [];
  if (detail === 'compact') {
    const titles = view.guidance.map((g) => g.title).join('; ');
    return [textBlock(`Guidance: ${md(titles)}. Type "guidance" to read it.`, { isSubtle: true, spacing: 'medium' })];
  }
  return view.guidance.flatMap((g, i) =>
    collapsible(`guidance-${i}`, `Guidance: ${g.title}`, [...paragraphs(g.text), ...(g.points.length > 0 ? [bulletList(g.points, { spacing: 'small' })] : [])]),
  );
}

/** Numbered actions, each with the contacts it names (phone and e-mail as links). */
function actionList(actions: ActionView[]): CardElement[] {
  return actions.map((a, i) => ({
    type: 'Container',
    spacing: 'medium',
    items: [
      // A no-break space after the number, so Markdown does not restart it as a one-item list.
      textBlock(`${i + 1}.\u00a0${md(a.text.replace(/\s*\n\s*/g, ' '))}`),
      ...a.contacts.filter((c) => contactAddsTo(c, a.text)).map((c) => contactBlock(c, false)),
    ],
  }));
}

function actionsPlain(actions: ActionView[]): string[] {
  return actions.flatMap((a, i) => [
    `${i + 1}. ${a.text}`,
    ...a.contacts.filter((c) => contactAddsTo(c, a.text)).map((c) => `   ${contactLine(c)}`),
  ]);
}

function tickedSection(ticked: TickedList[], title: string): CardElement[] {
  if (ticked.length === 0) return [];
  return [
    textBlock(md(title), { weight: 'bolder', spacing: 'medium' }),
    ...ticked.flatMap((list) => [
      textBlock(md(list.title), { weight: 'bolder', size: 'small', spacing: 'small' }),
      ...(list.groups.length === 0
        ? [textBlock('None ticked.', { isSubtle: true, spacing: 'none' })]
        : list.groups.flatMap((g) => [textBlock(md(g.title), { isSubtle: true, spacing: 'small' }), bulletList(g.items)])),
    ]),
  ];
}

function tickedPlain(ticked: TickedList[], title: string): string[] {
  if (ticked.length === 0) return [];
  return [
    `${title}:`,
    ...ticked.flatMap((list) => [
      `${list.title}:${list.groups.length === 0 ? ' none ticked' : ''}`,
      ...list.groups.flatMap((g) => [`  ${g.title}:`, ...g.items.map((item) => `    - ${item}`)]),
    ]),
  ];
}

function optionButtons(ref: string, options: OptionView[]): CardElement[] {
  const buttons = options.map((o) => button(o.label, { verb: 'answer', ref, value: o.value }));
  // Teams cuts long button titles short: long labels get a row each, so each can be read in full.
  return buttonRows(buttons, { stacked: options.some((o) => o.label.length > 24) });
}

/** Options with a description (risk level definitions): each label in bold over its description. */
function describedOptions(options: OptionView[]): CardElement[] {
  return options.map((o) => ({
    type: 'Container',
    spacing: 'medium',
    items: [textBlock(md(o.label), { weight: 'bolder' }), ...paragraphs(o.description, { spacing: 'none' })],
  }));
}

function commandButtons(view: View): CardElement[] {
  return COMMAND_BUTTONS.filter((c) => !(c.command === 'emergency' && view.node === SPECIAL.emergency)).map((c) =>
    // "none": typed text and ticks are not sent with a command, and the outcome's required picker does not block it.
    button(c.title, { verb: 'command', command: c.command }, { associatedInputs: 'none', ...('style' in c ? { style: c.style } : {}) }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Each kind of view.

function bodyOf(view: View, detail: Detail): CardElement[] {
  const guidance = guidanceSection(view, detail);
  switch (view.kind) {
    case 'question':
      return [
        ...guidance,
        ...(view.options.some((o) => o.description) ? describedOptions(view.options) : []),
        ...optionButtons(view.ref, view.options),
      ];
    case 'checklist':
      return [
        ...(view.note ? [textBlock(`(${md(view.note)})`, { isSubtle: true, size: 'small', spacing: 'small' })] : []),
        ...guidance,
        ...view.groups.flatMap((g) => [
          textBlock(md(g.title), { weight: 'bolder', spacing: 'medium' }),
          ...g.items.map((item) => ({
            type: 'Input.Toggle',
            id: `${INDICATOR_INPUT_PREFIX}${item.id}`,
            // Toggle titles are plain text (no Markdown), so the pack's wording goes in as it is.
            title: item.text,
            value: 'false',
            valueOn: 'true',
            valueOff: 'false',
            wrap: true,
            spacing: 'small',
          })),
        ]),
        ...buttonRows([
          button('Submit ticked indicators', { verb: 'answer', ref: view.ref, value: CHECKLIST_VALUE }, { style: 'positive' }),
          button('None of these', { verb: 'answer', ref: view.ref, value: [] }, { associatedInputs: 'none' }),
        ]),
      ];
    case 'risk-level':
      return [
        ...guidance,
        ...(detail === 'full' ? tickedSection(view.ticked, 'Indicators you ticked') : []),
        textBlock('Risk levels', { weight: 'bolder', spacing: 'medium' }),
        ...(view.levelsNote ? paragraphs(view.levelsNote, { isSubtle: true, spacing: 'small' }) : []),
        ...describedOptions(view.options),
        ...optionButtons(view.ref, view.options),
      ];
    case 'actions': {
      // "Done" (or "carry on" from the emergency step and the self-check) is an answer to this very view, so a
      // second press of an old card is recognised as stale instead of acting on whatever step is current.
      const data = { verb: 'answer', ref: view.ref, value: 'done' };
      return [
        ...(view.basis ? [textBlock(md(view.basis), { isSubtle: true, size: 'small', spacing: 'small' })] : []),
        ...guidance,
        ...actionList(view.actions),
        ...buttonRows([button(view.continueLabel, data, { style: 'positive' })]),
      ];
    }
    case 'case-reference':
      return [
        ...guidance,
        {
          type: 'Input.Text',
          id: CASE_REF_INPUT,
          label: 'Case reference',
          placeholder: `e.g. ${view.format.example} — never a name`,
          maxLength: CASE_REF_MAX,
          // Checked in the client too, so a name typed by mistake is stopped before it leaves the user's device.
          regex: view.format.inputPattern,
          errorMessage: `A case reference is ${view.format.description}. Never a name.`,
          spacing: 'medium',
        },
        ...buttonRows([
          button('Save', { verb: 'answer', ref: view.ref, value: CASE_REF_VALUE }, { style: 'positive' }),
          button('Skip', { verb: 'answer', ref: view.ref, value: 'skip' }, { associatedInputs: 'none' }),
        ]),
      ];
    case 'outcome':
      return [
        ...(view.actions.length > 0 ? [textBlock('Next steps', { weight: 'bolder', spacing: 'medium' }), ...actionList(view.actions)] : []),
        ...(view.contacts.length > 0
          ? [textBlock('Contacts', { weight: 'bolder', spacing: 'large' }), ...view.contacts.map((c: ContactView) => contactBlock(c, true))]
          : []),
        ...(detail === 'full' ? recordSection(view.summary) : []),
        ...guidance,
        managerSection(view.ref),
      ];
  }
}

/** Where the outcome comes from (procedure, version, review date), shown straight under the title. */
function provenanceBlock(provenance: string): CardElement {
  return {
    type: 'Container',
    style: 'emphasis',
    spacing: 'small',
    items: [textBlock(`From the ${md(provenance)}.`, { weight: 'bolder', size: 'small' })],
  };
}

/** The outcome's record of the run: case reference, each answer, the indicators ticked. */
function recordSection(summary: CaseSummary): CardElement[] {
  return [
    textBlock('Your record of this run', { weight: 'bolder', spacing: 'large' }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Case reference', value: md(summary.caseRef ?? 'none given') },
        ...summary.answers.map((a) => ({ title: md(a.heading), value: md(a.label) })),
      ],
    },
    ...tickedSection(summary.indicators, 'Indicators ticked'),
  ];
}

/** "Send the risk summary to my line manager": the Teams people picker and its send button. */
function managerSection(ref: string): CardElement {
  return {
    type: 'Container',
    separator: true,
    spacing: 'large',
    items: [
      heading('Send the risk summary to my line manager', { size: 'medium' }),
      textBlock(
        'They get a private Teams message with the case reference, the risk level you chose, the indicators you ticked and the next steps. Never the child\'s name.',
        { isSubtle: true, spacing: 'small' },
      ),
      {
        type: 'Input.ChoiceSet',
        id: MANAGER_INPUT,
        label: 'Your line manager',
        placeholder: 'Type a name to search',
        isRequired: true,
        errorMessage: 'Choose your line manager first.',
        isMultiSelect: false,
        choices: [],
        // Teams' people picker: search the organisation's directory; the value sent is the chosen user's id.
        'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
      },
      ...buttonRows([button('Send the risk summary', { verb: 'send-summary', ref }, { style: 'positive' })], { spacing: 'small' }),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text: fallbackText (full) and speak (what a screen reader should say first).

function viewFallback(view: View, notice: Notice | undefined): string {
  const lines: (string | undefined)[] = [...noticePlain(notice), view.position, view.title, view.text];
  switch (view.kind) {
    case 'question':
      lines.push(...view.options.map((o, i) => `${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`));
      break;
    case 'checklist':
      if (view.note) lines.push(`(${view.note})`);
      for (const g of view.groups) lines.push(g.title, ...g.items.map((item) => `${item.n}. ${item.text}`));
      break;
    case 'risk-level':
      lines.push(...tickedPlain(view.ticked, 'Indicators you ticked'), view.levelsNote);
      lines.push(...view.options.map((o, i) => `${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`));
      break;
    case 'actions':
      lines.push(view.basis, ...actionsPlain(view.actions), view.continueLabel);
      break;
    case 'case-reference':
      break;
    case 'outcome':
      lines.push(`From the ${view.provenance}.`, 'Next steps:', ...actionsPlain(view.actions));
      if (view.contacts.length > 0) lines.push('Contacts:', ...view.contacts.map(contactLine));
      lines.push('You can send the risk summary to your line manager from this card.');
      break;
  }
  lines.push(view.hint);
  return plainText(lines);
}

function viewSpeech(view: View, notice: Notice | undefined): string {
  const parts: (string | undefined)[] = [notice?.title, ...(notice?.lines ?? []), view.position, view.title, view.text];
  switch (view.kind) {
    case 'question':
      parts.push(`Options: ${view.options.map((o) => o.label).join('; ')}`);
      break;
    case 'checklist': {
      const count = view.groups.reduce((n, g) => n + g.items.length, 0);
      parts.push(`${count} indicators in ${view.groups.length} groups: ${view.groups.map((g) => g.title).join('; ')}`);
      parts.push('Tick each one that applies, then submit, or choose none of these');
      break;
    }
    case 'risk-level':
      parts.push(`Risk levels: ${view.options.map((o) => o.label).join('; ')}`, 'You decide the level');
      break;
    case 'actions':
      parts.push(view.basis, ...view.actions.map((a, i) => `${i + 1}: ${a.text}`), `Then: ${view.continueLabel}`);
      break;
    case 'case-reference':
      parts.push('Type the case reference and save, or skip. Never type the child\'s name');
      break;
    case 'outcome':
      parts.push(`From the ${view.provenance}`, 'Next steps', ...view.actions.map((a, i) => `${i + 1}: ${a.text}`));
      parts.push('You can send the risk summary to your line manager');
      break;
  }
  return speech(parts);
}

// ---------------------------------------------------------------------------------------------------------------
// The contract.

/** The card for a view, with a notice (error, contacts, help) shown above it when given. */
export function viewCard(view: View, notice?: Notice): AdaptiveCard {
  const build = (detail: Detail): AdaptiveCard =>
    adaptiveCard(
      [
        ...(notice ? [noticeSection(notice)] : []),
        ...header(view),
        ...(view.kind === 'outcome' ? [provenanceBlock(view.provenance)] : []),
        ...paragraphs(view.text, { spacing: 'small' }),
        ...bodyOf(view, detail),
        textBlock(md(view.hint), { size: 'small', isSubtle: true, spacing: 'medium' }),
      ],
      viewFallback(view, notice),
      viewSpeech(view, notice),
      commandButtons(view),
    );
  const full = build('full');
  return cardBytes(full) <= MAX_CARD_BYTES ? full : build('compact');
}

/** The same view once answered: shows the answer, has no actions, so it cannot be clicked again. */
export function answeredCard(view: View, answer: string): AdaptiveCard {
  const said = `You answered: ${answer}`;
  return adaptiveCard(
    [...header(view), textBlock(`You answered: ${md(answer)}`, { weight: 'bolder', spacing: 'small' })],
    plainText([view.position, view.title, said]),
    speech([view.position, view.title, said]),
  );
}

/** A notice on its own (e.g. "that question was already answered"). */
export function noticeCard(notice: Notice): AdaptiveCard {
  return adaptiveCard([noticeSection(notice)], plainText(noticePlain(notice)), speech([notice.title, ...notice.lines]));
}

/** Posted in a channel or group chat: says nothing about the child. */
export function channelPointerCard(): AdaptiveCard {
  return adaptiveCard([textBlock(CHANNEL_POINTER_TEXT)], CHANNEL_POINTER_TEXT, CHANNEL_POINTER_TEXT);
}

/** The risk summary a manager receives, with an Acknowledge button (or the acknowledgement once given). */
export function managerSummaryCard(summary: CaseSummary, notificationId: string, raisedBy: string, raisedAt: string, acknowledgedAt?: string): AdaptiveCard {
  const raised = when(raisedAt);
  const caseRef = summary.caseRef ?? 'none given';
  const riskLevel = summary.riskLevel?.label ?? 'not chosen on this path';
  const danger = immediateDangerText(summary);
  const acknowledged = acknowledgedAt === undefined ? null : when(acknowledgedAt);
  const body: CardElement[] = [
    textBlock('CSE risk summary', { size: 'small', isSubtle: true, spacing: 'none' }),
    heading(`${summary.areaName}: ${summary.outcome.title}`, { size: 'medium', spacing: 'none' }),
    textBlock(`Raised by ${md(raisedBy)}, ${raised.card}`, { spacing: 'small' }),
    {
      type: 'FactSet',
      spacing: 'medium',
      facts: [
        { title: 'Case reference', value: md(caseRef) },
        { title: 'Area', value: md(summary.areaName) },
        { title: 'Risk level (chosen by the professional)', value: md(riskLevel) },
        { title: 'Immediate danger', value: danger },
        { title: 'Outcome', value: md(summary.outcome.title) },
      ],
    },
    ...(summary.indicators.length > 0
      ? tickedSection(summary.indicators, 'Indicators ticked')
      : [textBlock('Indicators ticked', { weight: 'bolder', spacing: 'medium' }), textBlock('No indicator list on this path.', { isSubtle: true, spacing: 'none' })]),
    ...(summary.actions.length > 0 ? [textBlock('Recommended actions', { weight: 'bolder', spacing: 'medium' }), ...actionList(summary.actions)] : []),
    textBlock(`From the ${md(summary.provenance)}.`, { isSubtle: true, size: 'small', spacing: 'medium' }),
    acknowledged
      ? textBlock(`Acknowledged ${acknowledged.card}`, { color: 'good', weight: 'bolder', spacing: 'medium' })
      : textBlock(`Select Acknowledge to let ${md(raisedBy)} know you have read this.`, { isSubtle: true, spacing: 'medium' }),
  ];
  const fallback = plainText([
    `CSE risk summary: ${summary.areaName}: ${summary.outcome.title}`,
    `Raised by ${raisedBy}, ${raised.plain}`,
    `Case reference: ${caseRef}`,
    `Area: ${summary.areaName}`,
    `Risk level (chosen by the professional): ${riskLevel}`,
    `Immediate danger: ${danger}`,
    ...tickedPlain(summary.indicators, 'Indicators ticked'),
    ...(summary.actions.length > 0 ? ['Recommended actions:', ...actionsPlain(summary.actions)] : []),
    `From the ${summary.provenance}.`,
    acknowledged ? `Acknowledged ${acknowledged.plain}` : 'Select Acknowledge to confirm you have read this.',
  ]);
  const speak = speech([
    `CSE risk summary from ${raisedBy}`,
    `Case reference ${caseRef}`,
    `Area ${summary.areaName}`,
    `Risk level chosen by the professional: ${riskLevel}`,
    `Outcome: ${summary.outcome.title}`,
    acknowledged ? `Acknowledged ${acknowledged.plain}` : 'Select Acknowledge to confirm you have read it',
  ]);
  const actions = acknowledged ? [] : [button('Acknowledge', { verb: 'acknowledge', notification: notificationId }, { style: 'positive' })];
  return adaptiveCard(body, fallback, speak, actions);
}

const TELL_DIRECTLY = 'Or tell them about it yourself, in person or by phone. Never post the details in a channel.';

const FORWARD = "Or forward the summary yourself: copy the next steps and your record from the outcome card into a message or e-mail to them (never the child's name).";

/** Told to the sender: the manager acknowledged, or the summary could not be delivered (and what to do instead). */
export function senderCard(kind: 'acknowledged' | 'not-installed' | 'not-found' | 'unreachable', caseRef: string | null): AdaptiveCard {
  const ref = caseRef ? `case reference ${caseRef}` : 'no case reference given';
  let title: string;
  let lines: string[];
  switch (kind) {
    case 'acknowledged':
      title = `Your line manager acknowledged the risk summary (${ref}).`;
      lines = [];
      break;
    case 'not-installed':
      title = `The risk summary (${ref}) was not sent.`;
      lines = [
        "Your line manager doesn't have the CSE guidance bot installed in Teams, so I can't send them a message. What you can do:",
        'Forward the summary yourself: copy the next steps and your record from the outcome card into a message or e-mail to them (never the child\'s name).',
        'Or ask them to install the app in Teams, then send the summary again from the outcome card.',
        TELL_DIRECTLY,
      ];
      break;
    case 'not-found':
      title = `The risk summary (${ref}) was not sent.`;
      lines = [
        "I couldn't find the person you chose in your organisation's directory. What you can do:",
        'Check you chose the right person and send the summary again from the outcome card.',
        FORWARD,
        TELL_DIRECTLY,
      ];
      break;
    case 'unreachable':
      title = `The risk summary (${ref}) was not sent.`;
      lines = [
        "I couldn't reach your line manager in Teams just now. What you can do:",
        'Try again in a few minutes from the outcome card.',
        FORWARD,
        TELL_DIRECTLY,
      ];
      break;
  }
  const body = [
    textBlock(md(title), { weight: 'bolder', ...(kind === 'acknowledged' ? { color: 'good' } : { color: 'attention' }) }),
    ...lines.map((line, i) => (i === 0 ? textBlock(md(line), { spacing: 'small' }) : bullet(line, { spacing: 'small' }))),
  ];
  return adaptiveCard(body, plainText([title, ...lines]), speech([title, ...lines]));
}
