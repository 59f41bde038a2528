/**
 * The ports to the outside, wired from the configuration: each port uses its HTTP adapter when its
 * URL is set (ORDERS_API_URL, ACCOUNTS_API_URL, ADS_API_URL, INVOICES_API_URL,
 * MERCHANTS_API_URL), and the demo adapter on `data/demo/`
 * otherwise (what `npm start` uses by default). Contract: docs/services-api.md; demo data:
 * docs/demo-data.md.
 */
import type { Config } from '../config';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { DemoAccountsAdapter, DemoAdsAdapter, DemoInvoicesAdapter, DemoMerchantsAdapter, DemoOrdersAdapter } from './demo/adapters';
import { DemoData } from './demo/data';
import { HttpAccountsAdapter, HttpAdsAdapter, HttpInvoicesAdapter, HttpMerchantsAdapter, HttpOrdersAdapter } from './http/adapters';
import type { Services } from './ports';

export * from './ports';
export { normaliseOrderNumber, isValidOrderNumber, findOrderNumberInText, ORDER_NUMBER_PATTERN } from './orderNumber';
export { applyAdChange, effectiveAdStatus } from './adChanges';
export { DemoData, DemoDataError, findDemoDir } from './demo/data';
export { DemoAccountsAdapter, DemoAdsAdapter, DemoInvoicesAdapter, DemoMerchantsAdapter, DemoOrdersAdapter } from './demo/adapters';
export { HttpAccountsAdapter, HttpAdsAdapter, HttpInvoicesAdapter, HttpMerchantsAdapter, HttpOrdersAdapter } from './http/adapters';
export {
  orderSchema,
  accountSchema,
  adSchema,
  adChangeSchema,
  adChangeResultSchema,
  invoiceSchema,
  invoicePauseResultSchema,
  merchantComplaintSchema,
  merchantComplaintStatusSchema,
  complaintSentSchema,
} from './schemas';

export interface CreateServicesOptions {
  /** Demo data to use instead of `data/demo/` (tests). Loaded (and validated) only if a port needs it. */
  demoData?: DemoData;
  /** Clock for the demo adapters (tests). */
  now?: () => Date;
}

export function createServices(
  config: Pick<Config, 'services'>,
  redis: RedisClient,
  keys: Keyspace,
  opts: CreateServicesOptions = {},
): Services {
  const s = config.services;
  const http = (baseUrl: string) => ({ baseUrl, token: s.apiToken, timeoutMs: s.timeoutMs });
  let demo: DemoData | undefined = opts.demoData;
  const demoData = (): DemoData => (demo ??= DemoData.load());
  const demoOpts = opts.now ? { now: opts.now } : {};

  const ads = s.adsUrl ? new HttpAdsAdapter(http(s.adsUrl)) : new DemoAdsAdapter(demoData(), redis, keys, demoOpts);
  return {
    // Demo orders report the demo ads' current state (an ad paused through the bot reads as paused).
    orders: s.ordersUrl
      ? new HttpOrdersAdapter(http(s.ordersUrl))
      : new DemoOrdersAdapter(demoData(), { ...demoOpts, ...(s.adsUrl ? {} : { ads }) }),
    accounts: s.accountsUrl ? new HttpAccountsAdapter(http(s.accountsUrl)) : new DemoAccountsAdapter(demoData(), demoOpts),
    ads,
    invoices: s.invoicesUrl ? new HttpInvoicesAdapter(http(s.invoicesUrl)) : new DemoInvoicesAdapter(demoData(), redis, keys, demoOpts),
    merchants: s.merchantsUrl ? new HttpMerchantsAdapter(http(s.merchantsUrl)) : new DemoMerchantsAdapter(demoData(), redis, keys, demoOpts),
    kinds: {
      orders: s.ordersUrl ? 'http' : 'demo',
      accounts: s.accountsUrl ? 'http' : 'demo',
      ads: s.adsUrl ? 'http' : 'demo',
      invoices: s.invoicesUrl ? 'http' : 'demo',
      merchants: s.merchantsUrl ? 'http' : 'demo',
    },
  };
}
