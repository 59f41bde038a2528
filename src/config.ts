import { hostname } from 'node:os';
import { z } from 'zod';
import { holidayCountries } from './eligibility/calendar';
import { parseDeskHours, type DeskHours } from './handoff/hours';

/**
 * Every setting, read once from the environment and validated.
 * A bad or missing value stops start-up with one line naming the variable (see formatConfigError).
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const hostPortList = z
  .string()
  .transform((s, ctx) => {
    const out: { host: string; port: number }[] = [];
    for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(part);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port` });
        return z.NEVER;
      }
      out.push({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
      return z.NEVER;
    }
    return out;
  });

/** `name:hash,name:hash`; the hash as printed by `npm run -s agent-hash` (scrypt$N$r$p$salt$key). */
const agentList = z.string().transform((s, ctx) => {
  const out: { name: string; hash: string }[] = [];
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const name = i > 0 ? part.slice(0, i) : '';
    const hash = i > 0 ? part.slice(i + 1) : '';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name) || !/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/.test(hash)) {
      ctx.addIssue({ code: 'custom', message: `"${part.slice(0, 40)}" is not name:hash (the hash printed by npm run -s agent-hash)` });
      return z.NEVER;
    }
    if (out.some((a) => a.name === name)) {
      ctx.addIssue({ code: 'custom', message: `lists ${name} twice` });
      return z.NEVER;
    }
    out.push({ name, hash });
  }
  return out;
});

/**
 * Opening hours of the desk, in TIME_ZONE: `mon-fri 09:00-18:00; sat 10:00-13:00` (days mon..sun,
 * a day or a range, one or more time ranges separated by commas; groups separated by `;`).
 */
const deskHours = z.string().transform((s, ctx) => {
  try {
    return parseDeskHours(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const url = z.string().url({ message: 'must be a URL' });

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Paris' },
);

/** A country `date-holidays` knows (ISO 3166-1 alpha-2, any case), or `none` for weekends only. */
const holidaysCountry = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine((v) => v === 'NONE' || holidayCountries().has(v), { message: 'must be a country code such as FR, BE or DE, or none' })
  .transform((v) => (v === 'NONE' ? null : v));

const envSchema = z
  .object({
    PORT: int(1, 65535).default(3978),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: url.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ . : or -' }).optional(),
    METRICS_PORT: int(1, 65535).optional(),
    METRICS_HOST: z.string().min(1).optional(),
    METRICS_TOKEN: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),

    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' })
      .optional(),
    REDIS_SENTINELS: hostPortList.optional(),
    REDIS_SENTINEL_NAME: z.string().min(1).optional(),
    REDIS_CLUSTER_NODES: hostPortList.optional(),
    REDIS_PASSWORD: z.string().min(1).optional(),
    REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'must be 1-32 letters, digits, _ . or -' }).default('rsb'),
    REDIS_COMMAND_TIMEOUT_MS: int(50, 60000).default(800),
    REDIS_AUTOSTART: bool.default(true),
    REDIS_WAIT_REPLICAS: z
      .string()
      .regex(/^(auto|\d{1,2})$/, { message: 'must be auto or a number of replicas (0 never waits)' })
      .transform((v) => (v === 'auto' ? ('auto' as const) : Number(v)))
      .default('auto'),
    REDIS_WAIT_TIMEOUT_MS: int(10, 10000).default(500),
    STATE_TTL_SECONDS: int(0, 31536000).default(7 * 24 * 3600),
    TURN_LOCK_WAIT_MS: int(100, 60000).default(10000),

    MicrosoftAppId: z.string().optional(),
    MicrosoftAppPassword: z.string().optional(),
    MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    MicrosoftAppTenantId: z.string().optional(),

    DEFAULT_LANGUAGE: z.enum(['en', 'fr'], { message: 'must be en or fr' }).default('en'),
    POLICY_PROFILE: z.enum(['standard', 'balance-only'], { message: 'must be standard or balance-only' }).default('standard'),
    TIME_ZONE: timeZone.default('Europe/Paris'),
    HOLIDAYS_COUNTRY: holidaysCountry.default('FR'),
    BRAND_NAME: z.string().min(1).max(60).default('Support'),
    NLU_PROVIDER: z.enum(['nlpjs'], { message: 'must be nlpjs' }).default('nlpjs'),

    MAX_BODY_BYTES: int(1024, 50 * 1024 * 1024).default(256 * 1024),
    MAX_UPLOAD_BYTES: int(1024, 50 * 1024 * 1024).default(10 * 1024 * 1024),
    SHUTDOWN_TIMEOUT_MS: int(100, 60000).default(8000),
    RATE_LIMIT_MESSAGES_PER_MINUTE: int(1, 100000).default(60),

    DIRECTLINE_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    DIRECTLINE_TOKEN_TTL_SECONDS: int(60, 86400).default(1800),
    DIRECTLINE_ACTIVITY_TTL_SECONDS: int(60, 30 * 86400).default(7 * 24 * 3600),

    ORDERS_API_URL: url.optional(),
    ACCOUNTS_API_URL: url.optional(),
    ADS_API_URL: url.optional(),
    INVOICES_API_URL: url.optional(),
    MERCHANTS_API_URL: url.optional(),
    SERVICES_API_TOKEN: z.string().optional(),
    SERVICES_TIMEOUT_MS: int(100, 60000).default(3000),

    AGENTS: agentList.optional(),
    HANDOFF_MODE: z.enum(['desk', 'external'], { message: 'must be desk or external' }).default('desk'),
    AGENT_SESSION_TTL_SECONDS: int(60, 7 * 86400).default(8 * 3600),
    AGENT_HEARTBEAT_TIMEOUT_SECONDS: int(5, 3600).default(60),
    DESK_HOURS: deskHours.optional(),
    HANDOFF_MAX_WAIT_SECONDS: int(5, 7 * 86400).default(900),
    DEMO_AGENT: bool.optional(),
    NODE_ENV: z.string().max(40).optional(),
    SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, { message: 'must start with smtp:// or smtps://' }).optional(),
    MAIL_FROM: z.string().min(3).max(200).default('Support <no-reply@example.com>'),
    MAIL_REPLY_TO: z.string().min(3).max(200).optional(),
    MAIL_MAX_ATTEMPTS: int(1, 50).default(10),
    MAIL_RETRY_BASE_MS: int(10, 600000).default(2000),
    DISPUTE_SWEEP_INTERVAL_SECONDS: int(0, 86400).default(300),
    RECOGNIZERS_WARMUP: bool.default(true),
    // Security (SECURITY.md)
    MAX_JSON_DEPTH: int(4, 512).default(64),
    ALLOW_UNAUTHENTICATED_MESSAGES: bool.default(false),
    ELIGIBILITY_API_KEYS: z
      .string()
      .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
      .pipe(z.array(z.string().min(16, { message: 'each key must be at least 16 characters' })))
      .optional(),
    TRUSTED_PROXIES: z
      .string()
      .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^(?:loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(?:\/\d{1,3})?)$/, { message: 'must list IP addresses, CIDR ranges or loopback' })))
      .optional(),
    UPLOAD_MAX_FILES_PER_CONVERSATION: int(0, 1000).default(3),
    UPLOAD_MAX_BYTES_PER_CONVERSATION: int(1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
    UPLOAD_BYTES_PER_MINUTE_PER_ADDRESS: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
    UPLOAD_BYTES_PER_MINUTE_PER_TOKEN: int(1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
    UPLOAD_RETENTION_SECONDS: int(60, 30 * 86400).default(3600),
    REDIS_MEMORY_CEILING_BYTES: int(1024 * 1024, Number.MAX_SAFE_INTEGER).optional(),
    REDIS_MEMORY_UPLOAD_PERCENT: int(10, 100).default(90),
  })
  .superRefine((env, ctx) => {
    const modes = [env.REDIS_URL && 'REDIS_URL', env.REDIS_SENTINELS && 'REDIS_SENTINELS', env.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
    if (modes.length > 1) {
      ctx.addIssue({ code: 'custom', path: [modes[1] as string], message: `cannot be combined with ${modes[0]}: set only one` });
    }
    if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'is required when REDIS_SENTINELS is set' });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' });
    }
    if (env.MicrosoftAppId && !env.MicrosoftAppPassword && env.MicrosoftAppType !== 'UserAssignedMSI') {
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'is required when MicrosoftAppId is set' });
    }
    if (env.MicrosoftAppType === 'SingleTenant' && !env.MicrosoftAppTenantId) {
      ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: 'is required when MicrosoftAppType is SingleTenant' });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** The names of every environment variable the bot reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  port: number;
  host: string;
  publicUrl?: string;
  logLevel: Env['LOG_LEVEL'];
  /** Names this process in logs and metrics: INSTANCE_ID, else `<hostname>-<pid>`. */
  instanceId: string;
  /** /metrics: on its own port, or on the bot's port behind a token, or not at all (see src/metrics/server.ts). */
  metrics: { port?: number; host: string; token?: string };
  redis: {
    url?: string;
    sentinels?: { host: string; port: number }[];
    sentinelName?: string;
    clusterNodes?: { host: string; port: number }[];
    password?: string;
    keyPrefix: string;
    commandTimeoutMs: number;
    autostart: boolean;
    /** Replicas a write the user is told about waits for (src/storage/durability.ts). */
    waitReplicas: number | 'auto';
    waitTimeoutMs: number;
    stateTtlSeconds: number;
    turnLockWaitMs: number;
  };
  botAuth: { appId?: string; appPassword?: string; appType: Env['MicrosoftAppType']; tenantId?: string };
  defaultLanguage: 'en' | 'fr';
  policyProfile: 'standard' | 'balance-only';
  timeZone: string;
  /** Public holidays of this country are not business days (R5.1); null: weekends only. */
  holidaysCountry: string | null;
  brandName: string;
  nlu: { provider: 'nlpjs' };
  limits: { maxBodyBytes: number; maxUploadBytes: number; messagesPerMinute: number };
  shutdownTimeoutMs: number;
  directLine: { secret?: string; tokenTtlSeconds: number; activityTtlSeconds: number };
  services: {
    ordersUrl?: string;
    accountsUrl?: string;
    adsUrl?: string;
    invoicesUrl?: string;
    merchantsUrl?: string;
    apiToken?: string;
    timeoutMs: number;
  };
  handoff: {
    mode: 'desk' | 'external';
    agents: { name: string; hash: string }[];
    /** Adds the demo agent `demo` (password `demo`): only when DEMO_AGENT is true, never with NODE_ENV=production. */
    demoAgent: boolean;
    sessionTtlSeconds: number;
    heartbeatTimeoutSeconds: number;
    /** Unset: always open. */
    hours?: DeskHours;
    maxWaitSeconds: number;
  };
  production: boolean;
  /** E-mail (src/services/notifications): SMTP when `smtpUrl` is set, else the dev outbox (never in production). */
  mail: { smtpUrl?: string; from: string; replyTo?: string; maxAttempts: number; retryBaseMs: number };
  /** The dispute sweep (src/disputes/sweep.ts): seconds between runs on each instance; 0 = off. */
  disputes: { sweepIntervalSeconds: number };
  /** Read one date per language at start-up (src/index.ts), so that no customer waits for the recognizers' first use. */
  recognizersWarmup: boolean;
  security: SecurityConfig;
  uploads: UploadConfig;
}

export interface SecurityConfig {
  /** Deepest nesting of arrays and objects accepted in a JSON body (400 beyond). */
  maxJsonDepth: number;
  /** With no MicrosoftAppId: accept /api/messages from any address, not only loopback. */
  allowUnauthenticatedMessages: boolean;
  /** Keys of the eligibility API; empty: the API is off. */
  eligibilityApiKeys: string[];
  /** Peers whose X-Forwarded-For is believed (IPs, CIDR ranges, `loopback`); empty: none. */
  trustedProxies: string[];
}

export interface UploadConfig {
  maxFilesPerConversation: number;
  maxBytesPerConversation: number;
  bytesPerMinutePerAddress: number;
  bytesPerMinutePerToken: number;
  /** How long an uploaded file the bot took stays downloadable for the chat (the proof store keeps its own copy). */
  retentionSeconds: number;
  /** Ceiling used when Redis has no maxmemory. */
  memoryCeilingBytes?: number;
  /** Uploads are refused once Redis uses this share (%) of maxmemory or the ceiling. */
  memoryUploadPercent: number;
}

export class ConfigError extends Error {}

/** Empty strings count as unset, as in most .env tooling. */
function clean(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v.trim();
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(clean(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`);
    throw new ConfigError(`Configuration error: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST, token: e.METRICS_TOKEN },
    redis: {
      url: e.REDIS_URL,
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
      clusterNodes: e.REDIS_CLUSTER_NODES,
      password: e.REDIS_PASSWORD,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      autostart: e.REDIS_AUTOSTART,
      waitReplicas: e.REDIS_WAIT_REPLICAS,
      waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
      stateTtlSeconds: e.STATE_TTL_SECONDS,
      turnLockWaitMs: e.TURN_LOCK_WAIT_MS,
    },
    botAuth: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType,
      tenantId: e.MicrosoftAppTenantId,
    },
    defaultLanguage: e.DEFAULT_LANGUAGE,
    policyProfile: e.POLICY_PROFILE,
    timeZone: e.TIME_ZONE,
    holidaysCountry: e.HOLIDAYS_COUNTRY,
    brandName: e.BRAND_NAME,
    nlu: { provider: e.NLU_PROVIDER },
    limits: { maxBodyBytes: e.MAX_BODY_BYTES, maxUploadBytes: e.MAX_UPLOAD_BYTES, messagesPerMinute: e.RATE_LIMIT_MESSAGES_PER_MINUTE },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    directLine: {
      secret: e.DIRECTLINE_SECRET,
      tokenTtlSeconds: e.DIRECTLINE_TOKEN_TTL_SECONDS,
      activityTtlSeconds: e.DIRECTLINE_ACTIVITY_TTL_SECONDS,
    },
    services: {
      ordersUrl: e.ORDERS_API_URL,
      accountsUrl: e.ACCOUNTS_API_URL,
      adsUrl: e.ADS_API_URL,
      invoicesUrl: e.INVOICES_API_URL,
      merchantsUrl: e.MERCHANTS_API_URL,
      apiToken: e.SERVICES_API_TOKEN,
      timeoutMs: e.SERVICES_TIMEOUT_MS,
    },
    handoff: {
      mode: e.HANDOFF_MODE,
      agents: e.AGENTS ?? [],
      demoAgent: (e.DEMO_AGENT ?? false) && env.NODE_ENV !== 'production',
      sessionTtlSeconds: e.AGENT_SESSION_TTL_SECONDS,
      heartbeatTimeoutSeconds: e.AGENT_HEARTBEAT_TIMEOUT_SECONDS,
      hours: e.DESK_HOURS,
      maxWaitSeconds: e.HANDOFF_MAX_WAIT_SECONDS,
    },
    production: e.NODE_ENV === 'production',
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, replyTo: e.MAIL_REPLY_TO, maxAttempts: e.MAIL_MAX_ATTEMPTS, retryBaseMs: e.MAIL_RETRY_BASE_MS },
    disputes: { sweepIntervalSeconds: e.DISPUTE_SWEEP_INTERVAL_SECONDS },
    recognizersWarmup: e.RECOGNIZERS_WARMUP,
    security: {
      maxJsonDepth: e.MAX_JSON_DEPTH,
      allowUnauthenticatedMessages: e.ALLOW_UNAUTHENTICATED_MESSAGES,
      eligibilityApiKeys: e.ELIGIBILITY_API_KEYS ?? [],
      trustedProxies: e.TRUSTED_PROXIES ?? [],
    },
    uploads: {
      maxFilesPerConversation: e.UPLOAD_MAX_FILES_PER_CONVERSATION,
      maxBytesPerConversation: e.UPLOAD_MAX_BYTES_PER_CONVERSATION,
      bytesPerMinutePerAddress: e.UPLOAD_BYTES_PER_MINUTE_PER_ADDRESS,
      bytesPerMinutePerToken: e.UPLOAD_BYTES_PER_MINUTE_PER_TOKEN,
      retentionSeconds: e.UPLOAD_RETENTION_SECONDS,
      memoryCeilingBytes: e.REDIS_MEMORY_CEILING_BYTES,
      memoryUploadPercent: e.REDIS_MEMORY_UPLOAD_PERCENT,
    },
  };
}
