/**
 * The demo data shipped in `data/demo/` (orders.json, accounts.json, ads.json, invoices.json,
 * merchants.json), described in
 * docs/demo-data.md. Loaded once and validated with the ports' schemas (the engine's schemas for the
 * facts); a bad file stops start-up with the file and the path of each problem. Dates are relative
 * (see ./relativeTime.ts) and resolved against the clock at every lookup.
 */
import { isDeepStrictEqual } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { normaliseOrderNumber } from '../orderNumber';
import type { Account, Ad, Invoice, Order } from '../ports';
import { accountSchema, adSchema, describeIssues, invoiceSchema, orderSchema } from '../schemas';
import { isRelativeInstant, resolveRelativeDates } from './relativeTime';

export const demoOrderSchema = orderSchema.extend({
  /** What the order demonstrates (docs, testers); never shown to users. */
  about: z.string().min(1),
});
export const demoAccountSchema = accountSchema.extend({
  about: z.string().min(1).optional(),
  /**
   * Channel users verified as this account (demo stand-in for sign-in). Without `channelId`, the
   * user id matches on every channel: acceptable for demo users only.
   */
  channelUsers: z
    .array(
      z.object({ channelId: z.string().min(1).optional(), userId: z.string().min(1).optional(), tenantId: z.string().min(1).optional(), aadObjectId: z.string().min(1).optional() }),
    )
    .default([]),
});
export const demoAdSchema = adSchema.extend({ about: z.string().min(1).optional() });

/**
 * A demo invoice. `dueAt` (relative or ISO, like every `…At` field) gives the due date: the calendar
 * date (UTC) of that instant. The port's `dueDate` is computed from it.
 */
export const demoInvoiceSchema = invoiceSchema
  .omit({ dueDate: true })
  .extend({ about: z.string().min(1).optional(), dueAt: z.iso.datetime({ offset: true }) });

/** An offset after the complaint is sent: `+7d`, `+3m`, `+2h` (./relativeTime.ts syntax, `+` only). */
const sendOffset = z
  .string()
  .refine((v) => isRelativeInstant(v) && v !== 'now' && !v.includes('-'), { message: 'must be an offset such as +7d, +2h, +3m' });

/**
 * A demo merchant (orders name it in `merchantName`). `replyDeadline`: how long after a complaint the
 * merchant should answer (D5); `answersAfter`: when it answers, or `null`: never (the sweep then moves
 * the case to the platform).
 */
export const demoMerchantSchema = z.object({
  name: z.string().min(1).max(200),
  about: z.string().min(1).optional(),
  replyDeadline: sendOffset,
  answersAfter: sendOffset.nullable(),
});

export type DemoOrder = z.infer<typeof demoOrderSchema>;
export type DemoInvoice = z.infer<typeof demoInvoiceSchema>;
export type DemoMerchant = z.infer<typeof demoMerchantSchema>;
export type DemoAccount = z.infer<typeof demoAccountSchema>;
export type DemoAd = z.infer<typeof demoAdSchema>;

const fileSchema = (key: string) => z.object({ [key]: z.array(z.unknown()) }).loose();

export class DemoDataError extends Error {
  override readonly name = 'DemoDataError';
}

/** The demo data as written (relative dates kept), validated; look entries up with `at(now)`. */
export class DemoData {
  private constructor(
    private readonly orders: ReadonlyMap<string, unknown>,
    private readonly accounts: ReadonlyMap<string, unknown>,
    private readonly ads: ReadonlyMap<string, unknown>,
    private readonly invoices: ReadonlyMap<string, unknown>,
    private readonly merchants: ReadonlyMap<string, DemoMerchant>,
    /** Entries the schema returns unchanged once their dates are resolved (most): no parse per lookup. */
    private readonly verbatim: WeakSet<object> = new WeakSet(),
    /** Each account's channel users (no dates in them): an account is found without resolving the others. */
    private readonly channelUsers: ReadonlyMap<string, DemoAccount['channelUsers']> = new Map(),
  ) {}

  /**
   * Builds and validates from already-read JSON values (tests may pass their own). `invoices` and
   * `merchants` may be left out (then there are none).
   */
  static fromJson(
    json: { orders: unknown; accounts: unknown; ads: unknown; invoices?: unknown; merchants?: unknown },
    now: Date = new Date(),
  ): DemoData {
    const problems: string[] = [];
    const verbatim = new WeakSet<object>();
    const read = <T,>(
      file: string,
      value: unknown,
      key: string,
      schema: z.ZodType<T>,
      idOf: (raw: T) => string,
    ): { raw: Map<string, unknown>; parsed: Map<string, T> } => {
      const raw = new Map<string, unknown>();
      const parsed = new Map<string, T>();
      const top = fileSchema(key).safeParse(value);
      if (!top.success) {
        problems.push(`${file}: must be an object with an array "${key}"`);
        return { raw, parsed };
      }
      (top.data[key] as unknown[]).forEach((entry, i) => {
        const r = schema.safeParse(resolveRelativeDates(entry, now));
        if (!r.success) {
          for (const line of describeIssues(r.error)) problems.push(`${file} ${key}[${i}] ${line}`);
          return;
        }
        const id = idOf(r.data);
        if (raw.has(id)) problems.push(`${file} ${key}[${i}]: duplicate id ${id}`);
        raw.set(id, entry);
        parsed.set(id, r.data);
        // The schema adds nothing (no default, no transform): a lookup needs no parse, only the dates.
        if (typeof entry === 'object' && entry !== null && isDeepStrictEqual(r.data, resolveRelativeDates(entry, now))) verbatim.add(entry);
      });
      return { raw, parsed };
    };

    const orders = read('orders.json', json.orders, 'orders', demoOrderSchema, (o) => o.facts.id);
    const accounts = read('accounts.json', json.accounts, 'accounts', demoAccountSchema, (a) => a.id);
    const ads = read('ads.json', json.ads, 'ads', demoAdSchema, (a) => a.id);
    const invoices = read('invoices.json', json.invoices ?? { invoices: [] }, 'invoices', demoInvoiceSchema, (i) => i.id);
    const merchants = read('merchants.json', json.merchants ?? { merchants: [] }, 'merchants', demoMerchantSchema, (m) => m.name);
    const invoiceOfOrder = new Set<string>();
    for (const [id, inv] of invoices.parsed) {
      const order = orders.parsed.get(inv.orderId);
      if (!order) problems.push(`invoices.json ${id}: unknown order ${inv.orderId}`);
      else if (order.ownerAccountId !== inv.ownerAccountId) problems.push(`invoices.json ${id}: owner must be the owner of ${inv.orderId}`);
      if (invoiceOfOrder.has(inv.orderId)) problems.push(`invoices.json ${id}: a second invoice for ${inv.orderId}`);
      invoiceOfOrder.add(inv.orderId);
    }

    for (const [id, o] of orders.parsed) {
      if (normaliseOrderNumber(id) !== id) problems.push(`orders.json ${id}: not a canonical order number (XX-123456)`);
      if (!accounts.parsed.has(o.ownerAccountId)) problems.push(`orders.json ${id}: unknown owner ${o.ownerAccountId}`);
      if (o.facts.serviceType === 'ad') {
        const ad = o.adId ? ads.parsed.get(o.adId) : undefined;
        if (!ad) problems.push(`orders.json ${id}: an ad order needs an adId listed in ads.json`);
        else if (ad.orderId !== id || ad.ownerAccountId !== o.ownerAccountId || ad.status !== o.facts.adBroadcast) {
          problems.push(`orders.json ${id}: ad ${ad.id} must name this order, its owner and the same broadcast state`);
        }
      }
      if (o.merchantName !== undefined && json.merchants !== undefined && !merchants.parsed.has(o.merchantName)) {
        problems.push(`orders.json ${id}: merchant ${o.merchantName} is not in merchants.json`);
      }
    }
    if (problems.length > 0) throw new DemoDataError(`Invalid demo data: ${problems.join('; ')}`);
    const channelUsers = new Map([...accounts.parsed].map(([id, a]) => [id, a.channelUsers] as const));
    return new DemoData(orders.raw, accounts.raw, ads.raw, invoices.raw, merchants.parsed, verbatim, channelUsers);
  }

  /** Reads `orders.json`, `accounts.json` and `ads.json` from `dir` (default: `data/demo` of the project). */
  static load(dir: string = findDemoDir(), now: Date = new Date()): DemoData {
    const readJson = (name: string): unknown => {
      const file = join(dir, name);
      try {
        return JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new DemoDataError(`Invalid demo data: cannot read ${file}: ${(err as Error).message}`);
      }
    };
    const optional = (name: string): unknown => (existsSync(join(dir, name)) ? readJson(name) : undefined);
    return DemoData.fromJson(
      {
        orders: readJson('orders.json'),
        accounts: readJson('accounts.json'),
        ads: readJson('ads.json'),
        invoices: optional('invoices.json'),
        merchants: optional('merchants.json'),
      },
      now,
    );
  }

  orderIds(): string[] {
    return [...this.orders.keys()];
  }
  accountIds(): string[] {
    return [...this.accounts.keys()];
  }
  adIds(): string[] {
    return [...this.ads.keys()];
  }
  invoiceIds(): string[] {
    return [...this.invoices.keys()];
  }
  merchantNames(): string[] {
    return [...this.merchants.keys()];
  }

  /** The order with its dates resolved against `now`; `undefined` when unknown. */
  order(id: string, now: Date): DemoOrder | undefined {
    return this.resolve(this.orders, id, now, demoOrderSchema);
  }
  account(id: string, now: Date): DemoAccount | undefined {
    return this.resolve(this.accounts, id, now, demoAccountSchema);
  }
  ad(id: string, now: Date): DemoAd | undefined {
    return this.resolve(this.ads, id, now, demoAdSchema);
  }
  invoice(id: string, now: Date): DemoInvoice | undefined {
    return this.resolve(this.invoices, id, now, demoInvoiceSchema);
  }
  /** The invoice of an order (at most one), resolved against `now`. */
  invoiceForOrder(orderId: string, now: Date): DemoInvoice | undefined {
    for (const id of this.invoices.keys()) {
      const inv = this.invoice(id, now);
      if (inv?.orderId === orderId) return inv;
    }
    return undefined;
  }
  merchant(name: string): DemoMerchant | undefined {
    return this.merchants.get(name);
  }
  /** The first account with a channel user that `matches`, resolved against `now`. */
  accountWhere(matches: (u: DemoAccount['channelUsers'][number]) => boolean, now: Date): DemoAccount | undefined {
    for (const [id, users] of this.channelUsers) if (users.some(matches)) return this.account(id, now);
    return undefined;
  }

  /** Every account, resolved (small list). */
  allAccounts(now: Date): DemoAccount[] {
    return this.accountIds().map((id) => this.account(id, now) as DemoAccount);
  }

  private resolve<T>(map: ReadonlyMap<string, unknown>, id: string, now: Date, schema: z.ZodType<T>): T | undefined {
    const raw = map.get(id);
    if (raw === undefined) return undefined;
    // Validated at load. An entry the schema would change (defaults) is parsed again after its dates
    // are resolved; the others are only resolved (a fresh copy each time).
    const resolved = resolveRelativeDates(raw, now);
    return typeof raw === 'object' && raw !== null && this.verbatim.has(raw) ? (resolved as T) : schema.parse(resolved);
  }
}

/** Strips demo-only fields: what a port returns. */
export function toOrder(o: DemoOrder): Order {
  const { about: _about, ...order } = o;
  return order;
}
export function toAccount(a: DemoAccount): Account {
  const { about: _about, channelUsers: _links, ...account } = a;
  return account;
}
export function toAd(a: DemoAd): Ad {
  const { about: _about, ...ad } = a;
  return ad;
}

export function toInvoice(i: DemoInvoice): Invoice {
  const { about: _about, dueAt, ...rest } = i;
  return { ...rest, dueDate: dueAt.slice(0, 10) };
}

/** `data/demo` of the project, found from this file whether it runs from `src/` or `dist/src/`. */
export function findDemoDir(from: string = __dirname): string {
  let dir = resolve(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'data', 'demo');
    if (existsSync(join(candidate, 'orders.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new DemoDataError(`Invalid demo data: no data/demo/orders.json above ${from}`);
}
