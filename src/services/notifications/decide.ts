import type { CaseRecord, CaseRepository } from '../../cases/types';
import type { Notifier } from './notifier';

/**
 * An agent's (or a review's) decision on a case: moves the case to `approved` or `refused` and
 * e-mails the customer the decision with its plain-words reasons (R5.4). The e-mail is queued, never
 * awaited; a case that is unknown answers `null`; a move not allowed throws
 * `InvalidStatusTransitionError` (nothing is sent).
 */
export async function decideCase(
  deps: { cases: Pick<CaseRepository, 'updateStatus'>; notifier: Notifier },
  reference: string,
  decision: { status: 'approved' | 'refused'; by: string; reasons: string[]; note?: string },
): Promise<CaseRecord | null> {
  const record = await deps.cases.updateStatus(reference, decision.status, decision.by, decision.note);
  if (record) {
    await deps.notifier.notifyDecision(record, { status: decision.status, reasons: decision.reasons, decisionId: String(record.history.length) });
  }
  return record;
}
