import { translator, type Language } from '../../src/i18n';
import type { CaseRecord } from '../../src/cases/types';
import type { Conversation, Harness } from './harness';

/** Test steps that drive a refund conversation the way a user would. */
export const T = (lang: Language) => translator(lang);

export function reasonLabel(lang: Language, code: string): string {
  return T(lang)(`refund:reasons.${code}.label`);
}

export interface RequestInput {
  lang: Language;
  order: string;
  amount: string;
  reason: string;
  /** What to answer to the proof question (default: skip in the user's language). */
  proof?: string;
}

/** From "refund" to the summary, one question at a time. Returns everything the bot said. */
export async function toSummary(c: Conversation, r: RequestInput): Promise<string> {
  const t = T(r.lang);
  const out: string[] = [];
  out.push(await c.send(r.lang === 'fr' ? 'Je voudrais un remboursement' : 'I would like a refund'));
  out.push(await c.send(r.order));
  out.push(await c.send(r.amount));
  out.push(await c.send(reasonLabel(r.lang, r.reason)));
  out.push(await c.send(r.proof ?? (r.lang === 'fr' ? 'passer' : 'skip')));
  expect(out.at(-1)).toContain(t('refund:summary.title'));
  return out.join('\n');
}

export const confirm = { value: { action: 'refund.confirm' } };

/** The user's cases, newest first. */
export async function casesOf(h: Harness, c: Conversation, accountId?: string): Promise<CaseRecord[]> {
  return h.cases.listByOwner({ channelId: c.channelId, userId: c.user, ...(accountId ? { accountId } : {}) });
}

export function referenceIn(text: string): string {
  const m = /\b(RF|PN|DS)-[2-9A-HJ-NP-Z]{5}\b/.exec(text);
  if (!m) throw new Error(`no case reference in: ${text}`);
  return m[0];
}
