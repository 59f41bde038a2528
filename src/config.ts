import { z } from 'zod';

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

const envSchema = z
  .object({
    PORT: int(1, 65535).default(3978),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: url.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

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
    STATE_TTL_SECONDS: int(0, 31536000).default(7 * 24 * 3600),
    TURN_LOCK_WAIT_MS: int(100, 60000).default(10000),

    MicrosoftAppId: z.string().optional(),
    MicrosoftAppPassword: z.string().optional(),
    MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    MicrosoftAppTenantId: z.string().optional(),

    DEFAULT_LANGUAGE: z.enum(['en', 'fr'], { message: 'must be en or fr' }).default('en'),
    POLICY_PROFILE: z.enum(['standard', 'balance-only'], { message: 'must be standard or balance-only' }).default('standard'),
    TIME_ZONE: timeZone.default('Europe/Paris'),
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
    SERVICES_API_TOKEN: z.string().optional(),
    SERVICES_TIMEOUT_MS: int(100, 60000).default(3000),
  })
  .superRefine((env, ctx) => {
    const modes = [env.REDIS_URL && 'REDIS_URL', env.REDIS_SENTINELS && 'REDIS_SENTINELS', env.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
    if (modes.length > 1) {
      ctx.addIssue({ code: 'custom', path: [modes[1] as string], message: `cannot be combined with ${modes[0]}: set only one` });
    }
    if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'is required when REDIS_SENTINELS is set' });
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
  redis: {
    url?: string;
    sentinels?: { host: string; port: number }[];
    sentinelName?: string;
    clusterNodes?: { host: string; port: number }[];
    password?: string;
    keyPrefix: string;
    commandTimeoutMs: number;
    autostart: boolean;
    stateTtlSeconds: number;
    turnLockWaitMs: number;
  };
  botAuth: { appId?: string; appPassword?: string; appType: Env['MicrosoftAppType']; tenantId?: string };
  defaultLanguage: 'en' | 'fr';
  policyProfile: 'standard' | 'balance-only';
  timeZone: string;
  brandName: string;
  nlu: { provider: 'nlpjs' };
  limits: { maxBodyBytes: number; maxUploadBytes: number; messagesPerMinute: number };
  shutdownTimeoutMs: number;
  directLine: { secret?: string; tokenTtlSeconds: number; activityTtlSeconds: number };
  services: { ordersUrl?: string; accountsUrl?: string; adsUrl?: string; apiToken?: string; timeoutMs: number };
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
    redis: {
      url: e.REDIS_URL,
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
      clusterNodes: e.REDIS_CLUSTER_NODES,
      password: e.REDIS_PASSWORD,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      autostart: e.REDIS_AUTOSTART,
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
      apiToken: e.SERVICES_API_TOKEN,
      timeoutMs: e.SERVICES_TIMEOUT_MS,
    },
  };
}
