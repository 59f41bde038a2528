/*
 * The questions of every topic (dialogs/request) and the status dialog: which pure parser reads each
 * answer (with the button titles it needs, in both languages), the file check of the proof, and the
 * recogniser's reading of a typed answer to the summary. A new slot kind adds its parser here (pure, in dialogs/slots).
 */
import type { TurnContext } from 'botbuilder';
import { turnLanguage as lang, TURN } from '../../src/bot/turnContext';
import { LANGUAGES, translator } from '../../src/i18n';
import { findCaseReferenceInText, parseCaseReference } from '../../src/cases/reference';
import { ProofRejectedError } from '../../src/cases/proof';
import type { ProofStore } from '../../src/cases/types';
import { formatBytes } from '../refund/format';
import { msg } from '../prompts/message';
import type { SlotParser, SlotResolver } from '../prompts/slotPrompt';
import { parseDays, parseLocations, parsePostText } from '../slots/adChange';
import { parseAmount, parseAmountCheck } from '../slots/amount';
import { parseReasonText } from '../slots/freeText';
import { parseOrderNumber } from '../slots/orderNumber';
import { parseProofAnswer, type ProofAnswer } from '../slots/proof';
import { parseFieldAnswer, parseSummaryAction, summaryFromReading, type FieldAction, type FieldAnswer, type SummaryTitles } from '../slots/summaryAction';
import { understanding, type NluPort } from '../../src/nlu';
import { parsePaidAtAnswer } from './paidAt';
import { CORRECTABLE_FIELDS, fail, ok, type ProofSlot } from '../slots/types';
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
  /**
   * Any topic's summary: params `{ ns, fields }`. A button, or its title typed, is that button;
   * other words go to the recogniser (`fieldsResolver`).
   */
  fields: (input, _lang, params) => {
    const ns = typeof params.ns === 'string' ? params.ns : 'refund';
    const fields = Array.isArray(params.fields) ? (params.fields as string[]) : [];
    return parseFieldAnswer(input, bothLanguages('refund:summary.confirm'), Object.fromEntries(fields.map((f) => [f, bothLanguages(`${ns}:summary.change.${f}`)])));
  },
  paidAt: (input, lang, params) => parsePaidAtAnswer(input, lang, params),
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
 * A typed answer to a topic's summary, read by the recogniser ("yes send it", "the amount is wrong",
 * "changer le motif"); a button needs no reading. A plain "no", or a field the summary does not
 * show, asks which field to change.
 */
export function fieldsResolver(nlu: NluPort): SlotResolver {
  return async (value, context: TurnContext, params) => {
    const answer = value as FieldAnswer;
    if (answer.kind === 'action') return { ok: true, value: answer.action };
    const ns = typeof params.ns === 'string' ? params.ns : 'refund';
    const fields = Array.isArray(params.fields) ? (params.fields as string[]) : [];
    const retry = { ok: false as const, error: 'unclear', message: [msg(`${ns}:retry.summary`)] };
    const which = { ok: false as const, error: 'which', message: [msg(`${ns}:summary.which`)] };
    const action = summaryFromReading(await nlu.summary(answer.text, lang(context)), understanding(context));
    if (!action.ok) return action.error === 'which' ? which : retry;
    const read: FieldAction = action.value;
    return read.action === 'confirm' || fields.includes(read.field) ? { ok: true, value: read } : which;
  };
}
