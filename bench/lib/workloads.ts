/**
 * What the load generator sends: whole conversations as a Teams client or Slack sends them, with the check that each
 * run ended on its pack's outcome (so "fast" is never "fast and wrong").
 */
import { randomBytes } from 'node:crypto';
import { slackSignature } from '../../src/channels/slack/slack-signature';
import type { FakeConnector } from './fake-connector';
import type { FakeSlackApi } from './fake-slack';
import type { LoopbackClient } from './http';
import type { Run, Workload } from './load';

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

/**
 * A Teams 1:1 conversation over POST /api/messages. `texts` is what the user types; `outcome` is what the last
 * reply must contain. The floor (an echo bot) gets the same number of messages and must echo the last one.
 */
export function teamsWorkload(name: string, o: { client: LoopbackClient; bot: string; connector: FakeConnector; texts: (i: number) => readonly string[]; outcome: (i: number, texts: readonly string[]) => string }): Workload {
  return {
    name,
    newRun(vu, i): Run {
      const conversation = `a:bench-${name}-${nonce}-${++runs}`;
      const user = `${name}-${nonce}-${vu}`;
      const texts = o.texts(vu + i);
      o.connector.forget(conversation);
      return {
        turns: texts.length,
        async turn(k) {
          const t0 = performance.now();
          const res = await o.client.post(`${o.bot}/api/messages`, teamsMessage(o.connector.url, conversation, user, texts[k]!), JSON_HEADERS);
          const replyMs = performance.now() - t0;
          if (res.status !== 200 && res.status !== 202) throw new Error(`${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
          return { replyMs };
        },
        check() {
          const last = o.connector.last.get(conversation) ?? '';
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

/** A Slack DM conversation: signed message.im events to /slack/events; the reply is the next chat.postMessage. */
export function slackWorkload(name: string, o: { client: LoopbackClient; bot: string; api: FakeSlackApi; signingSecret: string; pack: (i: number) => Pack }): Workload {
  return {
    name,
    newRun(vu, i): Run {
      const id = `${nonce}X${(++runs).toString(36)}`.toUpperCase();
      const user = `U${id}`;
      const channel = `D${id}`;
      const run = RUNS[o.pack(vu + i)];
      o.api.forget(channel);
      return {
        turns: run.texts.length,
        async turn(k) {
          const before = o.api.postsIn(channel);
          const body = slackDm(run.texts[k]!, user, channel);
          const timestamp = String(Math.floor(Date.now() / 1000));
          const headers = {
            'content-type': 'application/json',
            'x-slack-request-timestamp': timestamp,
            'x-slack-signature': slackSignature(o.signingSecret, timestamp, body),
          };
          const t0 = performance.now();
          const replied = o.api.nextPost(channel, before);
          const res = await o.client.post(`${o.bot}/slack/events`, body, headers);
          const ackMs = performance.now() - t0;
          if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
          const at = await replied;
          return { ackMs, replyMs: at - t0 };
        },
        check() {
          const last = o.api.last.get(channel) ?? '';
          o.api.forget(channel);
          return last.includes(run.outcome);
        },
      };
    },
  };
}
