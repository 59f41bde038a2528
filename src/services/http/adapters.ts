/**
 * HTTP adapters for the orders, accounts, ads, invoices and merchants ports. The contract (paths, methods, bodies, status
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
import {
  accountSchema,
  adChangeResultSchema,
  adSchema,
  complaintSentSchema,
  describeIssues,
  invoicePauseResultSchema,
  invoiceSchema,
  merchantComplaintSchema,
  merchantComplaintStatusSchema,
  orderSchema,
} from '../schemas';
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
      query: { channelId: user.channelId, userId: user.userId },
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

export class HttpInvoicesAdapter implements InvoicesPort {
  constructor(private readonly opts: HttpLookupOptions) {}

  async findForOrder(orderId: string, lookup?: LookupOptions): Promise<Invoice | null> {
    const id = normaliseOrderNumber(orderId);
    if (!id || !mayAsk(lookup, this.opts.allowAnonymous ?? false)) return null;
    const answer = await requestJson('invoices', this.opts, 'GET', 'invoices', { query: { orderId: id, accountId: lookup?.accountId } });
    if (answer.status === 404) return null;
    const invoice = parseAnswer('invoices', `invoice of order ${id}`, invoiceSchema, answer.body);
    if (normaliseOrderNumber(invoice.orderId) !== id) {
      throw new ServiceContractError('invoices', `asked for the invoice of ${id}, got another order's`, ['orderId: not the order asked for']);
    }
    return visible(invoice.ownerAccountId, lookup) ? { ...invoice, orderId: id } : null;
  }

  async pause(invoiceId: string, input: { caseRef: string; by: string }, lookup?: LookupOptions): Promise<InvoicePauseResult | null> {
    if (invoiceId === '' || !mayAsk(lookup, this.opts.allowAnonymous ?? false)) return null;
    const answer = await requestJson('invoices', this.opts, 'POST', `invoices/${segment(invoiceId)}/pause`, {
      body: { caseRef: input.caseRef, by: input.by, accountId: lookup?.accountId },
    });
    if (answer.status === 404) return null;
    const result = parseAnswer('invoices', `pause of invoice ${invoiceId}`, invoicePauseResultSchema, answer.body);
    if (result.invoice.id !== invoiceId) {
      throw new ServiceContractError('invoices', `paused invoice ${invoiceId}, got another invoice`, ['invoice.id: not the invoice asked for']);
    }
    if (!visible(result.invoice.ownerAccountId, lookup)) {
      throw new ServiceContractError('invoices', `paused invoice ${invoiceId} belongs to another account`, ['invoice.ownerAccountId: not the asker']);
    }
    if (result.ok && result.invoice.status !== 'paused') {
      throw new ServiceContractError('invoices', `pause of ${invoiceId} answered ok but the invoice is ${result.invoice.status}`, ['invoice.status: not paused']);
    }
    return result;
  }
}

export class HttpMerchantsAdapter implements MerchantsPort {
  constructor(private readonly opts: HttpServiceOptions) {}

  async sendComplaint(complaint: MerchantComplaint): Promise<{ deadline: string }> {
    const checked = merchantComplaintSchema.safeParse(complaint);
    // A complaint the bot built wrong is the bot's bug; it is never sent.
    if (!checked.success) throw new ServiceContractError('merchants', 'complaint does not fit the contract', describeIssues(checked.error));
    const answer = await requestJson('merchants', this.opts, 'POST', 'complaints', { body: checked.data });
    if (answer.status === 404) {
      throw new ServiceContractError('merchants', `POST complaints answered 404 for ${complaint.caseRef}`, ['status: 404 is not an answer to a complaint']);
    }
    return parseAnswer('merchants', `complaint ${complaint.caseRef}`, complaintSentSchema, answer.body);
  }

  async complaintStatus(caseRef: string): Promise<MerchantComplaintStatus | null> {
    if (caseRef === '') return null;
    const answer = await requestJson('merchants', this.opts, 'GET', `complaints/${segment(caseRef)}`);
    if (answer.status === 404) return null;
    return parseAnswer('merchants', `complaint ${caseRef}`, merchantComplaintStatusSchema, answer.body);
  }
}
