/*
 * The questions of the refund and status dialogs: which pure parser reads each answer (with the
 * button titles it needs, in both languages), the file check of the proof, and the recogniser's
 * reading of a typed answer to the summary.
 */
import type { TurnContext } from 'botbuilder';
import { MessageFactory } from 'botbuilder';
import { turnLanguage as lang, TURN } from '../../src/bot/turnContext';
import { LANGUAGES, translator } from '../../src/i18n';
import { findCaseReferenceInText, parseCaseReference } from '../../src/cases/reference';
import { ProofRejectedError } from '../../src/cases/proof';
import type { ProofStore } from '../../src/cases/types';
import { formatBytes } from './format';
import { supportsAdaptiveCards } from '../cards/channel';
import { summaryCard, summaryText } from '../cards/summary';
import { msg } from '../prompts/message';
import type { SlotParser, SlotResolver, SlotView } from '../prompts/slotPrompt';
import { parseDays, parseLocations, parsePostText } from '../slots/adChange';
import { parseAmount, parseAmountCheck } from '../slots/amount';
import { parseReasonText } from '../slots/freeText';
import { parseOrderNumber } from '../slots/orderNumber';
import { parseProofAnswer, type ProofAnswer } from '../slots/proof';
import { parseSummaryAction, summaryFromReading, type SummaryAnswer, type SummaryTitles } from '../slots/summaryAction';
import { understanding, type NluPort } from '../../src/nlu';
import { newCardToken } from '../cards/token';
import { CORRECTABLE_FIELDS, fail, ok, type ProofSlot, type RefundSlots } from '../slots/types';
import { parseLink } from '../slots/link';
import { fetchAttachment, type FetchPolicy } from '../proof/fetchAttachment';

const bothLanguages = (key: string): string[] => LANGUAGES.map((l) => translator(l)(key) as string);

let summaryTitles: SummaryTitles | undefined;
function getSummaryTitles(): SummaryTitles {
  summaryTitles ??= {
    confirm: bothLanguages('refund:summary.confirm'),
    fields: Object.fromEntries(CORRECTABLE_FIELDS.map((f) => [f, bothLanguages(`refund:summary.change.${f}`)])) as SummaryTitles['fields'],
  };
  return summaryTitles;
}

export const PARSERS: Record<string, SlotParser> = {
  order: (input) => parseOrderNumber(input.text),
  amount: (input, lang, params) => parseAmount(input.text, lang, typeof params.currency === 'string' ? params.currency : 'EUR'),
  amountCheck: (input, lang, params) =>
    parseAmountCheck(input, lang, typeof params.currency === 'string' ? params.currency : 'EUR', LANGUAGES.map((l) => translator(l)('refund:amountCheck.other'))),
  reasonText: (input) => parseReasonText(input.text),
  link: (input) => parseLink(input.text),
  proof: (input, _lang, params) => parseProofAnswer(input, { optional: params.optional === true }),
  summary: (input) => parseSummaryAction(input, getSummaryTitles()),
  locations: (input) => parseLocations(input.text),
  days: (input, lang) => parseDays(input.text, lang),
  postText: (input) => parsePostText(input.text),
  caseReference: (input) => {
    const text = input.text ?? '';
    const ref = parseCaseReference(text) ?? findCaseReferenceInText(text);
    return ref ? ok(ref) : fail('reference');
  },
};

const REJECTION_KEY: Record<string, string> = {
  unsupported_type: 'type',
  too_large: 'too_large',
  empty: 'empty',
  not_allowed: 'not_allowed',
  download_failed: 'download_failed',
};

/** Tells the channel this file was taken (the web chat deletes the files the bot did not take). */
function keepAttachment(context: TurnContext, contentUrl: string): void {
  const kept = (context.turnState.get(TURN.attachmentsKept) as Set<string> | undefined) ?? new Set<string>();
  kept.add(contentUrl);
  context.turnState.set(TURN.attachmentsKept, kept);
}

/** Downloads (allowed origins only, capped, timed out), checks and stores a proof file; state keeps only its metadata. */
export function proofResolver(proofs: ProofStore, policy: FetchPolicy): SlotResolver {
  return async (value, context: TurnContext, params) => {
    const answer = value as ProofAnswer;
    if (answer.kind === 'skip') return { ok: true, value: { kind: 'skipped' } satisfies ProofSlot };
    if (answer.kind === 'reference') return { ok: true, value: { kind: 'reference', reference: answer.reference } satisfies ProofSlot };
    const tryAgain = msg(params.optional === true ? 'refund:proof.tryAgain' : 'refund:proof.tryAgainRequired');
    const reject = (code: string) => ({
      ok: false as const,
      error: `file_${code}`,
      message: [msg(`refund:proof.rejected.${REJECTION_KEY[code] ?? 'unreadable'}`, { max: formatBytes(policy.maxBytes, lang(context)) }), tryAgain],
    });
    const fetched = await fetchAttachment(answer.attachment.contentUrl, policy);
    if (!fetched.ok) return reject(fetched.error);
    try {
      const meta = await proofs.put({ name: answer.attachment.name ?? 'proof', contentType: answer.attachment.contentType, bytes: fetched.bytes });
      keepAttachment(context, answer.attachment.contentUrl);
      await context.sendActivity(translator(lang(context))('refund:proof.received', { name: meta.name, size: formatBytes(meta.size, lang(context)) }));
      return { ok: true, value: { kind: 'file', meta } satisfies ProofSlot };
    } catch (err) {
      if (err instanceof ProofRejectedError) return reject(err.reason);
      throw err;
    }
  };
}

/**
 * A typed answer to the summary, read by the recogniser ("yes send it", "the amount is wrong",
 * "changer le motif"); a button needs no reading. A plain "no" asks which field to change.
 */
export function summaryResolver(nlu: NluPort): SlotResolver {
  return async (value, context: TurnContext, params) => {
    const answer = value as SummaryAnswer;
    const action = answer.kind === 'action' ? ok(answer.action) : summaryFromReading(await nlu.summary(answer.text, lang(context)), understanding(context));
    // A field the summary does not show (the link, for an ad) cannot be changed: which one was meant?
    const shown = params.view as RefundSlots | undefined;
    if (action.ok && action.value.action === 'correct' && action.value.field === 'link' && !shown?.link) {
      return { ok: false, error: 'which', message: [msg('refund:summary.which')] };
    }
    if (action.ok) return { ok: true, value: action.value };
    return { ok: false, error: action.error, message: [msg(action.error === 'which' ? 'refund:summary.which' : 'refund:retry.summary')] };
  };
}

export const VIEWS: Record<string, SlotView> = {
  summary: (t, l, channelId, data, card = newCardToken()) =>
    supportsAdaptiveCards(channelId)
      ? MessageFactory.attachment(summaryCard(t, l, data as RefundSlots, card))
      : MessageFactory.text(summaryText(t, l, data as RefundSlots)),
};
