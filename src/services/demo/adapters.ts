/**
 * Demo adapters: orders, accounts, ads, invoices and merchants from `data/demo/` (see docs/demo-data.md).
 *
 * - Orders and accounts are read-only, from memory.
 * - Ads: a changed ad is kept in Redis (no process memory), so every bot instance on the same Redis
 *   sees the same ad; an ad never changed is read from the demo data. A change is a compare-and-set
 *   (Lua, one key), retried when another instance changed the ad in between.
 * - Invoices: a pause is kept in Redis (`SET NX`: the first report to pause it wins; a retry of the
 *   same report answers the same). Merchants: a complaint is kept in Redis (`SET NX` per case
 *   reference) with its deadline and, for a merchant that answers, the time of its answer.
 * - Ownership: an order / ad / invoice owned by another account than the verified one asking is `null`.
 *   Anonymous lookups (no verified account) are allowed by default: it is a demo.
 */
import type { RedisClient } from '../../storage/redisClient';
import type { Keyspace } from '../../storage/keys';
import { luaScript } from '../../storage/scripts';
import { applyAdChange, effectiveAdStatus } from '../adChanges';
import { normaliseOrderNumber } from '../orderNumber';
import {
  ServiceContractError,
  ServiceUnavailableError,
  type Account,
  type AccountsPort,
  type Ad,
  type AdChange,
  type AdChangeResult,
  type AdsPort,
  type ChannelUser,
  type Invoice,
  type InvoicePauseResult,
  type InvoicesPort,
  type LookupOptions,
  type MerchantComplaint,
  type MerchantComplaintStatus,
  type MerchantsPort,
  type Order,
  type OrdersPort,
} from '../ports';
import { z } from 'zod';
import { adSchema, describeIssues, merchantComplaintSchema } from '../schemas';
import { DemoData, toAccount, toAd, toInvoice, toOrder } from './data';
import { resolveInstant } from './relativeTime';

export interface DemoAdapterOptions {
  /** The clock the relative demo dates are resolved against (default: the real one). */
  now?: () => Date;
  /** Answer lookups without a verified account (default true: it is a demo). */
  allowAnonymous?: boolean;
}

/** Whether `owner` may be shown to someone asking with `opts`. */
function visible(owner: string, opts: LookupOptions | undefined, allowAnonymous: boolean): boolean {
  if (opts?.accountId !== undefined) return opts.accountId === owner;
  return allowAnonymous;
}

export interface DemoOrdersOptions extends DemoAdapterOptions {
  /**
   * The demo ads port: an ad order then reports its ad's current state (`facts.adBroadcast`), so an
   * ad paused through the bot is seen as paused by the next refund request.
   */
  ads?: AdsPort;
}

export class DemoOrdersAdapter implements OrdersPort {
  private readonly now: () => Date;
  private readonly allowAnonymous: boolean;
  private readonly ads: AdsPort | undefined;
  constructor(
    private readonly data: DemoData,
    opts: DemoOrdersOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.allowAnonymous = opts.allowAnonymous ?? true;
    this.ads = opts.ads;
  }

  async findOrder(orderNumber: string, opts?: LookupOptions): Promise<Order | null> {
    const id = normaliseOrderNumber(orderNumber);
    if (!id) return null;
    const order = this.data.order(id, this.now());
    if (!order || !visible(order.ownerAccountId, opts, this.allowAnonymous)) return null;
    const result = toOrder(order);
    if (this.ads && result.adId && result.facts.serviceType === 'ad') {
      let ad: Ad | null;
      try {
        ad = await this.ads.getAd(result.adId, { accountId: result.ownerAccountId });
      } catch (err) {
        throw new ServiceUnavailableError('orders', `ad state of ${id}: ${(err as Error).message}`, undefined, { cause: err });
      }
      if (ad) result.facts = { ...result.facts, adBroadcast: ad.status };
    }
    return result;
  }
}

export class DemoAccountsAdapter implements AccountsPort {
  private readonly now: () => Date;
  constructor(
    private readonly data: DemoData,
    opts: DemoAdapterOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async getAccount(accountId: string): Promise<Account | null> {
    const account = this.data.account(accountId, this.now());
    return account ? toAccount(account) : null;
  }

  async findAccountForUser(user: ChannelUser): Promise<Account | null> {
    // A Teams user is known by tenant + AAD object id only (never by the Teams user id alone).
    const matches = (u: { channelId?: string; userId?: string; tenantId?: string; aadObjectId?: string }) =>
      user.aadObjectId
        ? u.aadObjectId === user.aadObjectId && u.tenantId === user.tenantId
        : u.userId === user.userId && (u.channelId === undefined || u.channelId === user.channelId);
    const account = this.data.accountWhere(matches, this.now());
    return account ? toAccount(account) : null;
  }
}

/**
 * KEYS[1] the ad key. ARGV[1] '1' when a value was read, '0' when the key was absent; ARGV[2] the value
 * read; ARGV[3] the new value; ARGV[4] TTL in ms ('0': none). Writes only if the key still holds what
 * was read. Returns 1 when written, 0 on conflict.
 */
const COMPARE_AND_SET = luaScript<[ad: string, hadValue: string, read: string, next: string, ttlMs: string], number>('demoAdCompareAndSet', 1, `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`);

export interface DemoAdsOptions extends DemoAdapterOptions {
  /** How long a changed demo ad is kept (default 30 days; 0 = forever). Then it is back to the demo data. */
  changedAdTtlSeconds?: number;
  /** Compare-and-set attempts before giving up under contention (default 8). */
  maxAttempts?: number;
}

export class DemoAdsAdapter implements AdsPort {
  private readonly now: () => Date;
  private readonly allowAnonymous: boolean;
  private readonly ttlMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly data: DemoData,
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    opts: DemoAdsOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.allowAnonymous = opts.allowAnonymous ?? true;
    this.ttlMs = (opts.changedAdTtlSeconds ?? 30 * 24 * 3600) * 1000;
    this.maxAttempts = opts.maxAttempts ?? 8;
  }

  /** The Redis key of a changed demo ad. */
  key(adId: string): string {
    return this.keys.global('demo-ad', adId);
  }

  async getAd(adId: string, opts?: LookupOptions): Promise<Ad | null> {
    const now = this.now();
    const current = await this.read(adId, now);
    if (!current || !visible(current.ad.ownerAccountId, opts, this.allowAnonymous)) return null;
    return { ...current.ad, status: effectiveAdStatus(current.ad, now) };
  }

  async changeAd(adId: string, change: AdChange, opts?: LookupOptions & { by?: string }): Promise<AdChangeResult | null> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const now = this.now();
      const current = await this.read(adId, now);
      if (!current || !visible(current.ad.ownerAccountId, opts, this.allowAnonymous)) return null;
      const aged: Ad = { ...current.ad, status: effectiveAdStatus(current.ad, now) };
      const result = applyAdChange(aged, change, now);
      if (!result.ok) return result;
      const written = await this.redisCall(() =>
        COMPARE_AND_SET.run(
          this.redis,
          this.key(adId),
          current.raw === null ? '0' : '1',
          current.raw ?? '',
          JSON.stringify(result.ad),
          String(this.ttlMs),
        ),
      );
      if (written === 1) return result;
    }
    throw new ServiceUnavailableError('ads', `ad ${adId} changed concurrently ${this.maxAttempts} times; try again`);
  }

  /** The ad as stored in Redis (raw JSON kept for the compare-and-set), else from the demo data. */
  private async read(adId: string, now: Date): Promise<{ ad: Ad; raw: string | null } | null> {
    const seed = this.data.ad(adId, now);
    if (!seed) return null;
    const raw = await this.redisCall(() => this.redis.get(this.key(adId)));
    if (raw === null) return { ad: toAd(seed), raw: null };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ServiceContractError('ads', `stored demo ad ${adId} is not JSON`);
    }
    const parsed = adSchema.safeParse(json);
    if (!parsed.success) throw new ServiceContractError('ads', `stored demo ad ${adId} is invalid`, describeIssues(parsed.error));
    return { ad: parsed.data, raw };
  }

  private async redisCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ServiceUnavailableError('ads', `Redis: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

// ---------------------------------------------------------------- invoices

const storedPauseSchema = z.object({ caseRef: z.string().min(1), by: z.string().min(1), at: z.string().min(1) });

/** How long a demo pause is kept (then the invoice reads as its demo data again). */
const DEMO_STATE_TTL_SECONDS = 400 * 86400;

export class DemoInvoicesAdapter implements InvoicesPort {
  private readonly now: () => Date;
  private readonly allowAnonymous: boolean;
  constructor(
    private readonly data: DemoData,
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    opts: DemoAdapterOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.allowAnonymous = opts.allowAnonymous ?? true;
  }

  /** The Redis key of a paused demo invoice. */
  key(invoiceId: string): string {
    return this.keys.global('demo-invoice', invoiceId);
  }

  async findForOrder(orderId: string, opts?: LookupOptions): Promise<Invoice | null> {
    const id = normaliseOrderNumber(orderId);
    if (!id) return null;
    const seed = this.data.invoiceForOrder(id, this.now());
    if (!seed || !visible(seed.ownerAccountId, opts, this.allowAnonymous)) return null;
    const pause = await this.readPause(seed.id);
    const invoice = toInvoice(seed);
    return pause && invoice.status === 'due' ? { ...invoice, status: 'paused' } : invoice;
  }

  async pause(invoiceId: string, input: { caseRef: string; by: string }, opts?: LookupOptions): Promise<InvoicePauseResult | null> {
    const seed = this.data.invoice(invoiceId, this.now());
    if (!seed || !visible(seed.ownerAccountId, opts, this.allowAnonymous)) return null;
    const invoice = toInvoice(seed);
    if (invoice.status === 'paid' || invoice.status === 'cancelled') return { ok: false, reason: invoice.status, invoice };
    const paused: Invoice = { ...invoice, status: 'paused' };
    if (invoice.status === 'paused') return { ok: true, invoice: paused, alreadyPaused: true };
    const value = JSON.stringify({ caseRef: input.caseRef, by: input.by, at: this.now().toISOString() });
    const set = await this.redisCall(() => this.redis.set(this.key(invoiceId), value, 'EX', DEMO_STATE_TTL_SECONDS, 'NX'));
    if (set === 'OK') return { ok: true, invoice: paused, alreadyPaused: false };
    const first = await this.readPause(invoiceId);
    return { ok: true, invoice: paused, alreadyPaused: first?.caseRef !== input.caseRef };
  }

  private async readPause(invoiceId: string): Promise<z.infer<typeof storedPauseSchema> | null> {
    const raw = await this.redisCall(() => this.redis.get(this.key(invoiceId)));
    if (raw === null) return null;
    const parsed = storedPauseSchema.safeParse(safeJson(raw));
    if (!parsed.success) throw new ServiceContractError('invoices', `stored demo pause of ${invoiceId} is invalid`, describeIssues(parsed.error));
    return parsed.data;
  }

  private async redisCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ServiceUnavailableError('invoices', `Redis: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

// ---------------------------------------------------------------- merchants

const storedComplaintSchema = z.object({
  complaint: merchantComplaintSchema,
  sentAt: z.string().min(1),
  deadline: z.string().min(1),
  /** When the demo merchant answers; null: never. */
  answerAt: z.string().min(1).nullable(),
});

/** What a merchant not listed in merchants.json does: 7 days to answer, never answers. */
const DEFAULT_MERCHANT = { replyDeadline: '+7d', answersAfter: null } as const;

export class DemoMerchantsAdapter implements MerchantsPort {
  private readonly now: () => Date;
  constructor(
    private readonly data: DemoData,
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    opts: Pick<DemoAdapterOptions, 'now'> = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** The Redis key of a complaint sent to a demo merchant. */
  key(caseRef: string): string {
    return this.keys.global('demo-complaint', caseRef);
  }

  async sendComplaint(complaint: MerchantComplaint): Promise<{ deadline: string }> {
    const checked = merchantComplaintSchema.safeParse(complaint);
    if (!checked.success) throw new ServiceContractError('merchants', 'complaint does not fit the contract', describeIssues(checked.error));
    const merchant = this.data.merchant(complaint.merchantName) ?? DEFAULT_MERCHANT;
    const now = this.now();
    const record = {
      complaint: checked.data,
      sentAt: now.toISOString(),
      deadline: resolveInstant(merchant.replyDeadline, now),
      answerAt: merchant.answersAfter === null ? null : resolveInstant(merchant.answersAfter, now),
    };
    await this.redisCall(() => this.redis.set(this.key(complaint.caseRef), JSON.stringify(record), 'EX', DEMO_STATE_TTL_SECONDS, 'NX'));
    // Sent before (a retry, another instance): the first deadline stands.
    const stored = await this.read(complaint.caseRef);
    if (!stored) throw new ServiceUnavailableError('merchants', `complaint ${complaint.caseRef} not readable after sending`);
    return { deadline: stored.deadline };
  }

  async complaintStatus(caseRef: string): Promise<MerchantComplaintStatus | null> {
    const stored = await this.read(caseRef);
    if (!stored) return null;
    if (stored.answerAt !== null && Date.parse(stored.answerAt) <= this.now().getTime()) {
      return { answered: true, answeredAt: stored.answerAt };
    }
    return { answered: false };
  }

  private async read(caseRef: string): Promise<z.infer<typeof storedComplaintSchema> | null> {
    const raw = await this.redisCall(() => this.redis.get(this.key(caseRef)));
    if (raw === null) return null;
    const parsed = storedComplaintSchema.safeParse(safeJson(raw));
    if (!parsed.success) throw new ServiceContractError('merchants', `stored demo complaint ${caseRef} is invalid`, describeIssues(parsed.error));
    return parsed.data;
  }

  private async redisCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ServiceUnavailableError('merchants', `Redis: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
