/**
 * HTTP adapters for the orders, accounts and ads ports. The contract (paths, methods, bodies, status
 * codes) is in docs/services-api.md; every 200 body is parsed with the ports' zod schemas.
 *
 * Ownership: the verified account id is sent as `accountId`, and the owner in the answer is checked
 * again here; an order or ad owned by someone else is `null`. Without a verified account, the HTTP
 * adapters answer `null` without calling the service unless `allowAnonymous` is set.
 */
import { normaliseOrderNumber } from '../orderNumber';
import {
  ServiceContractError,
  type Account,
  type AccountsPort,
  type Ad,
  type AdChange,
  type AdChangeResult,
  type AdsPort,
  type ChannelUser,
  type LookupOptions,
  type Order,
  type OrdersPort,
} from '../ports';
import { accountSchema, adChangeResultSchema, adSchema, orderSchema } from '../schemas';
import { parseAnswer, requestJson, segment, type HttpServiceOptions } from './client';

export interface HttpLookupOptions extends HttpServiceOptions {
  /** Look orders / ads up for a user without a verified account (default false). */
  allowAnonymous?: boolean;
}

function mayAsk(opts: LookupOptions | undefined, allowAnonymous: boolean): boolean {
  return opts?.accountId !== undefined || allowAnonymous;
}

function visible(owner: string, opts: LookupOptions | undefined): boolean {
  return opts?.accountId === undefined || opts.accountId === owner;
}

export class HttpOrdersAdapter implements OrdersPort {
  constructor(private readonly opts: HttpLookupOptions) {}

  async findOrder(orderNumber: string, lookup?: LookupOptions): Promise<Order | null> {
    const id = normaliseOrderNumber(orderNumber);
    if (!id || !mayAsk(lookup, this.opts.allowAnonymous ?? false)) return null;
    const answer = await requestJson('orders', this.opts, 'GET', `orders/${segment(id)}`, {
      query: { accountId: lookup?.accountId },
    });
    if (answer.status === 404) return null;
    const order = parseAnswer('orders', `order ${id}`, orderSchema, answer.body);
    if (normaliseOrderNumber(order.facts.id) !== id) {
      throw new ServiceContractError('orders', `asked for order ${id}, got another order`, ['facts.id: not the order asked for']);
    }
    if (!visible(order.ownerAccountId, lookup)) return null;
    return { ...order, facts: { ...order.facts, id } };
  }
}

export class HttpAccountsAdapter implements AccountsPort {
  constructor(private readonly opts: HttpServiceOptions) {}

  async getAccount(accountId: string): Promise<Account | null> {
    if (accountId === '') return null;
    const answer = await requestJson('accounts', this.opts, 'GET', `accounts/${segment(accountId)}`);
    if (answer.status === 404) return null;
    const account = parseAnswer('accounts', `account ${accountId}`, accountSchema, answer.body);
    if (account.id !== accountId) {
      throw new ServiceContractError('accounts', 'asked for one account, got another', ['id: not the account asked for']);
    }
    return account;
  }

  async findAccountForUser(user: ChannelUser): Promise<Account | null> {
    if (user.channelId === '' || user.userId === '') return null;
    const answer = await requestJson('accounts', this.opts, 'GET', 'accounts', {
      query: { channelId: user.channelId, userId: user.userId, ...(user.aadObjectId ? { tenantId: user.tenantId, aadObjectId: user.aadObjectId } : {}) },
    });
    if (answer.status === 404) return null;
    return parseAnswer('accounts', 'account for a channel user', accountSchema, answer.body);
  }
}

export class HttpAdsAdapter implements AdsPort {
  constructor(private readonly opts: HttpLookupOptions) {}

  async getAd(adId: string, lookup?: LookupOptions): Promise<Ad | null> {
    if (adId === '' || !mayAsk(lookup, this.opts.allowAnonymous ?? false)) return null;
    const answer = await requestJson('ads', this.opts, 'GET', `ads/${segment(adId)}`, { query: { accountId: lookup?.accountId } });
    if (answer.status === 404) return null;
    const ad = parseAnswer('ads', `ad ${adId}`, adSchema, answer.body);
    this.checkId(adId, ad);
    return visible(ad.ownerAccountId, lookup) ? ad : null;
  }

  async changeAd(adId: string, change: AdChange, lookup?: LookupOptions & { by?: string }): Promise<AdChangeResult | null> {
    if (adId === '' || !mayAsk(lookup, this.opts.allowAnonymous ?? false)) return null;
    const answer = await requestJson('ads', this.opts, 'POST', `ads/${segment(adId)}/changes`, {
      body: { change, accountId: lookup?.accountId, by: lookup?.by },
    });
    if (answer.status === 404) return null;
    const result = parseAnswer('ads', `change of ad ${adId}`, adChangeResultSchema, answer.body);
    this.checkId(adId, result.ad);
    // The service checked ownership with accountId; an answer about someone else's ad is a broken contract.
    if (!visible(result.ad.ownerAccountId, lookup)) {
      throw new ServiceContractError('ads', `changed ad ${adId} belongs to another account`, ['ad.ownerAccountId: not the asker']);
    }
    return result;
  }

  private checkId(adId: string, ad: Ad): void {
    if (ad.id !== adId) throw new ServiceContractError('ads', `asked for ad ${adId}, got another ad`, ['id: not the ad asked for']);
  }
}
