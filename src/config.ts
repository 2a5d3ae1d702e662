import { z } from 'zod';

const Days = z.coerce.number().int().positive();

/** A host name as a browser puts it in Host, without a port: a DNS name, an IPv4 address or an [IPv6] address. */
const HostName = z
  .string()
  .regex(/^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/i, 'must be a host name with no port or scheme, such as cse-bot.council.local, 10.0.0.5 or [fd00::5]');

const Area = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be an area id such as nottingham-city');

/** Every environment variable the bot reads. `.env.example` lists the same names. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DIALOGS_DIR: z.string().min(1).default('./dialogs'),
  ENABLED_AREAS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return null;
      const areas = s.split(',').map((a) => a.trim());
      for (const a of areas) {
        const ok = Area.safeParse(a);
        if (!ok.success) ctx.addIssue({ code: 'custom', message: `"${a}" ${ok.error.issues[0]?.message ?? 'is not an area id'}` });
      }
      return areas;
    }),
  DEFAULT_AREA: Area.optional(),
  SESSION_TTL_DAYS: Days.default(30),
  RECORD_RETENTION_DAYS: Days.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_CHAT: z.enum(['on', 'off', 'auto']).default('auto'),
  // Host names the local page answers to besides the loopback names and HOST (a guard against DNS rebinding).
  WEB_CHAT_HOSTS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const hosts = (s ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
      for (const h of hosts) {
        const ok = HostName.safeParse(h);
        if (!ok.success) ctx.addIssue({ code: 'custom', message: `"${h}" ${ok.error.issues[0]?.message ?? 'is not a host name'}` });
      }
      return hosts;
    }),
  // Bot Framework (Teams). With no app id, inbound requests are not authenticated: local tools only.
  MicrosoftAppId: z.string().min(1).optional(),
  MicrosoftAppPassword: z.string().min(1).optional(),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: z.string().min(1).optional(),
  // Slack. Both or neither: with both, POST /slack/events is mounted; SLACK_API_URL is for tests and proxies.
  SLACK_BOT_TOKEN: z.string().regex(/^xox[a-z]-\S+$/, 'must be a Slack bot token (xoxb-…)').optional(),
  SLACK_SIGNING_SECRET: z.string().regex(/^\S{8,}$/, 'must be the app\'s signing secret').optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => (u.endsWith('/') ? u : `${u}/`))
    .default('https://slack.com/api/'),
}).superRefine((env, ctx) => {
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required when SLACK_BOT_TOKEN is set' });
  }
  if (env.SLACK_SIGNING_SECRET && !env.SLACK_BOT_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required when SLACK_SIGNING_SECRET is set' });
  }
  const needsTenant = env.MicrosoftAppType === 'SingleTenant' || env.MicrosoftAppType === 'UserAssignedMSI';
  if (env.MicrosoftAppId && needsTenant && !env.MicrosoftAppTenantId) {
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: `is required when MicrosoftAppType is ${env.MicrosoftAppType}` });
  }
  if (env.MicrosoftAppId && env.MicrosoftAppType === 'UserAssignedMSI' && env.MicrosoftAppPassword) {
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'must be empty when MicrosoftAppType is UserAssignedMSI' });
  }
  if (env.MicrosoftAppId && env.MicrosoftAppType !== 'UserAssignedMSI' && !env.MicrosoftAppPassword) {
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'is required when MicrosoftAppId is set' });
  }
});

export type Config = z.output<typeof Env>;

/** Raised at start when the environment is wrong; names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

/** Parses the environment once; empty strings count as unset, as in a copied .env.example. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
