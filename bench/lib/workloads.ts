/**
 * What the load generator sends: whole conversations as a Teams client or Slack sends them, with the check that each
 * run ended on its pack's outcome (so "fast" is never "fast and wrong").
 *
 * A turn is timed from sending the message to the arrival of its reply at the fake platform, on both channels: a
 * bot may answer the request before it sends the reply (Slack always does; Teams does once replies go through the
 * outbox). A reply that has not arrived within the reply deadline is a lost reply (LostReplyError): the turn fails
 * and its run is abandoned, and the fake counts the reply as late should it still come.
 */
import { randomBytes } from 'node:crypto';
import { slackSignature } from '../../src/channels/slack/slack-signature';
import type { FakeConnector } from './fake-connector';
import type { FakeSlackApi } from './fake-slack';
import type { LoopbackClient } from './http';
import { LostReplyError, type Run, type Workload } from './load';

/** The typed runs of the Teams and Slack test suites: from "what do I do?" to each pack's outcome. */
export const RUNS = {
  'nottingham-city': {
    texts: ['what do I do?', 'no', '1', 'done', 'AB123', '1,2,3,4', '1,5,9,20,37', 'no', 'no', 'no', '3'],
    // The outcome for a referral names Children & Families Direct's number.
    outcome: '0115 876 4800',
  },
  sandwell: {
    texts: ['what do I do?', 'no', '2', '2', '1', 'done', 'SW123', 'done', '2'],
    outcome: 'CSE Team Manager',
  },
} as const;
export type Pack = keyof typeof RUNS;

const TENANT = '0d5e2c7a-1b4f-4c3e-8d9a-7f6e5d4c3b2a';
const nonce = randomBytes(3).toString('hex');
let seq = 0;
/** Every run gets a conversation of its own, across phases too (a reused id would continue an old run). */
let runs = 0;

function teamsMessage(serviceUrl: string, conversation: string, user: string, text: string) {
  return JSON.stringify({
    type: 'message',
    id: `bench-${nonce}-${++seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${user}`, aadObjectId: `aad-${user}`, name: 'Bench User' },
    recipient: { id: '28:bot', name: 'CSE Guidance' },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: conversation },
    channelData: { tenant: { id: TENANT } },
    locale: 'en-GB',
    text,
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** How long a turn waits for its reply before it counts as lost, unless a workload says otherwise. */
export const REPLY_DEADLINE_MS = 30000;

/**
 * A Teams 1:1 conversation over POST /api/messages. `texts` is what the user types; `outcome` is what the last
 * reply must contain. The floor (an echo bot) gets the same number of messages and must echo the last one.
 *
 * replyMs runs from sending the activity to the first reply the connector receives in the conversation after those
 * already there (POST …/activities or …/activities/{replyToId}; a PUT update is not a reply); ackMs is the POST's
 * round trip, which Teams waits for too. The next turn starts once both are in.
 */
export function teamsWorkload(
  name: string,
  o: { client: LoopbackClient; bot: string; connector: FakeConnector; texts: (i: number) => readonly string[]; outcome: (i: number, texts: readonly string[]) => string; replyDeadlineMs?: number },
): Workload {
  const deadline = o.replyDeadlineMs ?? REPLY_DEADLINE_MS;
  return {
    name,
    newRun(vu, i): Run {
      const conversation = `a:bench-${name}-${nonce}-${++runs}`;
      const user = `${name}-${nonce}-${vu}`;
      const texts = o.texts(vu + i);
      o.connector.open(conversation);
      return {
        turns: texts.length,
        async turn(k) {
          const before = o.connector.repliesIn(conversation);
          const t0 = performance.now();
          const reply = o.connector.waitReply(conversation, before, deadline);
          let res;
          try {
            res = await o.client.post(`${o.bot}/api/messages`, teamsMessage(o.connector.url, conversation, user, texts[k]!), JSON_HEADERS);
          } catch (e) {
            reply.cancel();
            throw e;
          }
          const ackMs = performance.now() - t0;
          if (res.status !== 200 && res.status !== 202) {
            reply.cancel();
            throw new Error(`${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
          }
          const at = await reply.at;
          if (at === null) {
            o.connector.giveUp(conversation);
            throw new LostReplyError(`${name}: no reply in ${conversation} within ${deadline} ms of turn ${k + 1} ("${texts[k]}")`);
          }
          return { replyMs: at - t0, ackMs };
        },
        check() {
          const last = o.connector.last(conversation);
          o.connector.forget(conversation);
          return last.includes(o.outcome(vu + i, texts));
        },
      };
    },
  };
}

export function slackDm(text: string, user: string, channel: string) {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const eventId = `Ev${nonce}${String(seq).padStart(8, '0')}`;
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0CSE0001',
    context_team_id: 'T0CSE0001',
    api_app_id: 'A0CSEBOT01',
    event: {
      client_msg_id: `${eventId}-msg`,
      type: 'message',
      text,
      user,
      ts,
      blocks: [{ type: 'rich_text', block_id: 'b1', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }],
      team: 'T0CSE0001',
      channel,
      event_ts: ts,
      channel_type: 'im',
    },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T0CSE0001', user_id: 'U0CSEBOT01', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${eventId}`,
  });
}

/**
 * A Slack DM conversation: signed message.im events to /slack/events. replyMs runs to the next chat.postMessage in
 * the DM at the fake Web API; ackMs is the HTTP acknowledgement.
 */
export function slackWorkload(name: string, o: { client: LoopbackClient; bot: string; api: FakeSlackApi; signingSecret: string; pack: (i: number) => Pack; replyDeadlineMs?: number }): Workload {
  const deadline = o.replyDeadlineMs ?? REPLY_DEADLINE_MS;
  return {
    name,
    newRun(vu, i): Run {
      const id = `${nonce}X${(++runs).toString(36)}`.toUpperCase();
      const user = `U${id}`;
      const channel = `D${id}`;
      const run = RUNS[o.pack(vu + i)];
      o.api.open(channel);
      return {
        turns: run.texts.length,
        async turn(k) {
          const before = o.api.repliesIn(channel);
          const body = slackDm(run.texts[k]!, user, channel);
          const timestamp = String(Math.floor(Date.now() / 1000));
          const headers = {
            'content-type': 'application/json',
            'x-slack-request-timestamp': timestamp,
            'x-slack-signature': slackSignature(o.signingSecret, timestamp, body),
          };
          const t0 = performance.now();
          const reply = o.api.waitReply(channel, before, deadline);
          let res;
          try {
            res = await o.client.post(`${o.bot}/slack/events`, body, headers);
          } catch (e) {
            reply.cancel();
            throw e;
          }
          const ackMs = performance.now() - t0;
          if (res.status !== 200) {
            reply.cancel();
            throw new Error(`${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
          }
          const at = await reply.at;
          if (at === null) {
            o.api.giveUp(channel);
            throw new LostReplyError(`${name}: no reply in ${channel} within ${deadline} ms of turn ${k + 1} ("${run.texts[k]}")`);
          }
          return { ackMs, replyMs: at - t0 };
        },
        check() {
          const last = o.api.last(channel);
          o.api.forget(channel);
          return last.includes(run.outcome);
        },
      };
    },
  };
}
