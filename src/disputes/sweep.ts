/**
 * The dispute sweep, run on a timer by every bot instance (src/app.ts, DISPUTE_SWEEP_INTERVAL_SECONDS):
 *
 * - D6.3: a dispute with no new request for 180 days after its transaction date (or after the
 *   customer's last new request) is closed automatically (`closed_auto`).
 * - D5: a delivery complaint whose merchant deadline has passed: the merchants port says whether the
 *   merchant answered. Answered → the case is `open` again (the customer and the merchant take it
 *   from there; the customer can come back or close it). No answer → `platform_review`, and the
 *   customer is told: an e-mail (the notifier's `notifyMerchantDeadline`, through the outbox) and,
 *   when the case keeps the conversation, a message in the chat.
 *
 * Several instances may sweep at the same moment: each change is a compare-and-set on the case
 * (`CaseRepository.transition`), so exactly one instance makes it, and only that one tells the
 * customer. The candidates come from two sorted sets the repository keeps in step with the records
 * (`dueForSweep`); every case is checked again before it changes. If the instance that moved a case
 * stops before telling the customer, the case is listed again `TELL_GRACE_MS` later and another
 * instance claims the telling (compare-and-set again); the e-mail has a fixed id in the outbox, so it
 * is never queued twice.
 *
 * The clock is injected: nothing here reads the time itself.
 */
import { TELL_GRACE_MS, disputeExpiryMs } from '../cases/repository';
import { AUTO_CLOSABLE_STATUSES, type CaseRecord, type CaseRepository } from '../cases/types';
import { translator } from '../i18n';
import type { Logger } from '../logger';
import { isServiceFailure, type MerchantsPort } from '../services/ports';
import type { Notifier } from '../services/notifications/notifier';

export interface SweepDeps {
  cases: Pick<CaseRepository, 'dueForSweep' | 'get' | 'transition'>;
  merchants: Pick<MerchantsPort, 'complaintStatus'>;
  /** E-mails (absent: none). */
  notifier?: Pick<Notifier, 'notifyMerchantDeadline'>;
  /** Sends a message into the case's conversation (proactive); absent: no chat message. */
  tellInChat?: (record: CaseRecord, text: string) => Promise<void>;
  logger: Logger;
  now: () => Date;
  /** Cases looked at per index and run (default 100); the rest waits for the next run. */
  batchSize?: number;
  /** Who the history says made the change (default `system:sweep`). */
  by?: string;
}

export interface SweepReport {
  /** D6.3: closed automatically. */
  closedAuto: string[];
  /** D5: deadline passed with no answer: moved to the platform. */
  movedToPlatform: string[];
  /** D5: the merchant answered: open again. */
  merchantAnswered: string[];
  /** Customers told that the platform took over (by this run). */
  told: string[];
  /** Left for the next run (the merchants service could not answer). */
  skipped: string[];
}

const BY = 'system:sweep';

/** One run of the sweep. Never throws for one case: a failing case is logged and left for the next run. */
export async function runSweep(deps: SweepDeps): Promise<SweepReport> {
  const report: SweepReport = { closedAuto: [], movedToPlatform: [], merchantAnswered: [], told: [], skipped: [] };
  const by = deps.by ?? BY;
  const batch = deps.batchSize ?? 100;
  const log = deps.logger;

  // D6.3 first: a case past both its 180 days and its merchant deadline is simply closed.
  for (const ref of await deps.cases.dueForSweep('expiry', deps.now(), batch)) {
    try {
      const now = deps.now();
      const r = await deps.cases.transition(ref, {
        from: [...AUTO_CLOSABLE_STATUSES],
        to: 'closed_auto',
        by,
        note: 'no new request within 180 days after the transaction date (D6.3)',
        when: (rec) => rec.topic === 'dispute' && disputeExpiryMs(rec) <= now.getTime(),
      });
      if (r?.moved) {
        report.closedAuto.push(ref);
        log.info({ caseRef: ref }, 'dispute sweep: closed automatically (D6.3)');
      }
    } catch (err) {
      log.warn({ caseRef: ref, err: (err as Error).message }, 'dispute sweep: could not close');
    }
  }

  for (const ref of await deps.cases.dueForSweep('deadline', deps.now(), batch)) {
    try {
      const record = await deps.cases.get(ref);
      if (!record || record.topic !== 'dispute') continue;
      if (record.status === 'waiting_merchant') await deadline(deps, record, by, report);
      else if (record.status === 'platform_review') await tellLate(deps, record, by, report);
    } catch (err) {
      log.warn({ caseRef: ref, err: (err as Error).message }, 'dispute sweep: case left for the next run');
    }
  }
  return report;
}

const deadlinePassed = (rec: CaseRecord, nowMs: number): boolean =>
  !!rec.dispute?.merchantDeadline && !rec.dispute.merchantAnsweredAt && Date.parse(rec.dispute.merchantDeadline) <= nowMs;

/** D5: the merchant's deadline has passed: did they answer? */
async function deadline(deps: SweepDeps, record: CaseRecord, by: string, report: SweepReport): Promise<void> {
  const ref = record.reference;
  if (!deadlinePassed(record, deps.now().getTime())) return;
  let status: Awaited<ReturnType<MerchantsPort['complaintStatus']>>;
  try {
    status = await deps.merchants.complaintStatus(ref);
  } catch (err) {
    if (!isServiceFailure(err)) throw err;
    deps.logger.warn({ caseRef: ref, err: err.message }, 'dispute sweep: merchants service cannot tell; next run');
    report.skipped.push(ref);
    return;
  }
  const now = deps.now();
  if (status?.answered) {
    const r = await deps.cases.transition(ref, {
      from: ['waiting_merchant'],
      to: 'open',
      by,
      note: 'the merchant answered the complaint (D5)',
      patch: { merchantAnsweredAt: status.answeredAt ?? now.toISOString() },
      when: (rec) => deadlinePassed(rec, now.getTime()),
    });
    if (r?.moved) report.merchantAnswered.push(ref);
    return;
  }
  const r = await deps.cases.transition(ref, {
    from: ['waiting_merchant'],
    to: 'platform_review',
    by,
    note: status === null ? 'merchant deadline passed; the merchants service does not know the complaint (D5)' : 'merchant deadline passed with no answer (D5)',
    patch: { deadlinePassedAt: now.toISOString() },
    when: (rec) => deadlinePassed(rec, now.getTime()),
  });
  if (!r?.moved) return;
  report.movedToPlatform.push(ref);
  deps.logger.info({ caseRef: ref }, 'dispute sweep: merchant deadline passed, moved to platform review (D5)');
  await tell(deps, r.record, report);
  // Done: the case leaves the deadline index. A failure here only means another run tells again
  // (after the grace period): the e-mail is not queued twice, the chat message could be.
  await deps.cases.transition(ref, {
    from: ['platform_review'],
    to: 'platform_review',
    by,
    note: 'customer told that the platform took over',
    patch: { customerToldAt: deps.now().toISOString() },
    when: (rec) => !rec.dispute?.customerToldAt,
  });
}

/** A case moved to the platform by an instance that stopped before telling the customer. */
async function tellLate(deps: SweepDeps, record: CaseRecord, by: string, report: SweepReport): Promise<void> {
  const now = deps.now().getTime();
  const due = (rec: CaseRecord): boolean =>
    !!rec.dispute?.deadlinePassedAt && !rec.dispute.customerToldAt && Date.parse(rec.dispute.deadlinePassedAt) + TELL_GRACE_MS <= now;
  if (!due(record)) return;
  const r = await deps.cases.transition(record.reference, {
    from: ['platform_review'],
    to: 'platform_review',
    by,
    note: 'customer told that the platform took over (late)',
    patch: { customerToldAt: new Date(now).toISOString() },
    when: due,
  });
  if (r?.moved) await tell(deps, r.record, report);
}

/** The e-mail and the chat message: "the merchant did not answer in time; our team takes over". */
async function tell(deps: SweepDeps, record: CaseRecord, report: SweepReport): Promise<void> {
  const merchant = record.dispute?.merchantName ?? record.facts.order?.id ?? record.reference;
  const deadlineAt = record.dispute?.merchantDeadline ?? deps.now().toISOString();
  let told = false;
  if (deps.notifier) {
    const r = await deps.notifier.notifyMerchantDeadline(record, { merchant, deadline: deadlineAt });
    told = r.queued || r.reason === 'duplicate';
  }
  if (deps.tellInChat && record.conversationReference.conversation?.id) {
    const t = translator(record.language);
    try {
      await deps.tellInChat(record, t('status:sweep.merchantDeadline', { merchant, reference: record.reference }));
      told = true;
    } catch (err) {
      deps.logger.warn({ caseRef: record.reference, err: (err as Error).message }, 'dispute sweep: chat message not delivered');
    }
  }
  if (told) report.told.push(record.reference);
}

export interface DisputeSweeperOptions extends SweepDeps {
  /** Between the end of one run and the start of the next. */
  intervalMs: number;
}

/** Runs the sweep every `intervalMs` (the first run after one interval); `stop` waits for a run in progress. */
export class DisputeSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly opts: DisputeSweeperOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** One run now (tests, operators); runs never overlap within one instance. */
  async runOnce(): Promise<SweepReport> {
    while (this.running) await this.running.catch(() => undefined);
    const run = runSweep(this.opts);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runOnce()
        .then((r) => {
          const changed = r.closedAuto.length + r.movedToPlatform.length + r.merchantAnswered.length + r.told.length;
          if (changed) this.opts.logger.info({ ...counts(r) }, 'dispute sweep: run done');
        })
        .catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'dispute sweep: run failed; next run as planned'))
        .finally(() => this.schedule());
    }, this.opts.intervalMs);
    this.timer.unref();
  }
}

function counts(r: SweepReport): Record<string, number> {
  return { closedAuto: r.closedAuto.length, movedToPlatform: r.movedToPlatform.length, merchantAnswered: r.merchantAnswered.length, told: r.told.length, skipped: r.skipped.length };
}
