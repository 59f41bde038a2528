import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BotProcess } from '../support/botProcess';
import { sleep, until } from './topology';

const ROOT = join(__dirname, '..', '..');
const en = (ns: string) => JSON.parse(readFileSync(join(ROOT, 'locales', 'en', `${ns}.json`), 'utf8'));
const common = en('common');
const refund = en('refund');

/** Fixed, language-specific parts of the messages the loop recognises. */
const UNAVAILABLE = common.error.storageUnavailable as string;
const NOT_CONFIRMED = common.error.notConfirmed as string;
const BUSY = common.error.busy as string;
const LOST_TRACK = (common.continuity.lostTrack as string).split('.')[0]; // "Sorry, I've lost track of our last few messages"
const ASK_PROOF = refund.ask.proofOptional as string;
/** The summary card pressed after the turn that showed it failed to save (Redis went away meanwhile). */
const STALE_CARD = common.staleCard as string;
const CREATED = (refund.answer.reference as string).split('{{reference}}')[0]; // "Your reference is "
/** Replies that belong to another point of the conversation than any step of the loop. */
const FOREIGN = [
  common.menu.prompt as string,
  common.menu.retry as string,
  (common.welcome as string).split('{{')[0],
  refund.ask.order as string,
  refund.summary.correcting as string,
];

export const SECRET = 'failover-test-secret-0123456789abcdef';
export const FIRST = 'I want a refund of €49.00 for order FL-100001, I paid by mistake';
export const FACTS = { orderNumber: 'FL-100001', amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' };

export type TurnResult = 'ok' | 'unavailable' | 'not_confirmed' | 'busy' | 'no_reply' | 'partial' | 'http_error' | 'lost_track' | 'stale_card' | 'unexpected';

export interface TurnRecord {
  at: number;
  end: number;
  conv: string;
  instance: number;
  step: number;
  result: TurnResult;
  detail?: string;
}

export interface ConversationRecord {
  conv: string;
  user: string;
  /** References the customer was told, in order. */
  references: string[];
  /** Times the bot said it lost track. */
  lostTrack: number;
  /** Every activity id the client received, in order (duplicates would be a reuse). */
  ids: string[];
  /** Every watermark the client was given, in order. */
  watermarks: number[];
  /** A reply that fits neither the step nor an announced failure (a silent restart). */
  confused: string[];
  /** The loop reached the reference (false: stopped mid-request at the end of the run). */
  done: boolean;
}

/** Text of a Direct Line activity, cards included. */
function textOf(a: any): string {
  const parts = [a.text ?? ''];
  for (const att of a.attachments ?? []) parts.push(JSON.stringify(att.content ?? {}));
  return parts.join(' ');
}

/**
 * Conversation loops over the embedded Direct Line, turn by turn alternating between the bot
 * processes (each turn: POST the message to one instance, read the replies from the same one).
 * A conversation: the facts in one message → "skip" the proof → confirm → the case reference.
 */
export class Loops {
  readonly turns: TurnRecord[] = [];
  readonly conversations: ConversationRecord[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  private turnNo = 0;

  constructor(
    private readonly bots: BotProcess[],
    private readonly opts: { loops: number; pauseMs?: number } = { loops: 4 },
  ) {}

  start(): void {
    for (let i = 0; i < this.opts.loops; i++) this.running.push(this.loop(i));
  }

  /** One complete turn on each bot before the run: the first turn of a process is slow (cold start). */
  async warmUp(): Promise<void> {
    await Promise.all(
      this.bots.map(async (bot) => {
        const gen = await this.fetchJson(bot.baseUrl, '/tokens/generate', { method: 'POST', body: {} });
        const token = gen.body.token as string;
        const conv = gen.body.conversationId as string;
        await this.fetchJson(bot.baseUrl, '/conversations', { method: 'POST', token, body: { locale: 'en-GB' } });
        for (const text of [FIRST, 'skip']) {
          // The first turn of a process is slow (seconds; far more on a loaded machine).
          await this.fetchJson(bot.baseUrl, `/conversations/${conv}/activities`, { method: 'POST', token, body: { type: 'message', text, locale: 'en-GB' }, timeoutMs: 120000 });
        }
      }),
    );
  }

  /**
   * Resolves once a turn that started after `since` got its normal answer: the service is back for
   * customers, not only in the topology's own view. Rejects after `ms` (no recovery: the test fails).
   * A loaded machine can take many seconds to get there, so a fixed pause is not enough.
   */
  async servedSince(since: number, ms = 45000): Promise<void> {
    await until('a turn answered normally after the fault', async () => this.turns.some((t) => t.at > since && t.result === 'ok'), ms, 100);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async loop(i: number): Promise<void> {
    while (!this.stopping) {
      try {
        await this.conversation(i);
      } catch {
        await sleep(200); // token or start refused during an outage: a new conversation
      }
    }
  }

  private async fetchJson(base: string, path: string, init: { method?: string; token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${base}/v3/directline${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? SECRET}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 40000),
    });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }

  private async conversation(loop: number): Promise<void> {
    const first = this.bots[loop % this.bots.length].baseUrl;
    const user = `dl_failover_${loop}_${Date.now().toString(36)}`;
    const gen = await this.fetchJson(first, '/tokens/generate', { method: 'POST', body: { user: { id: user } } });
    if (gen.status !== 200) throw new Error(`generate ${gen.status}`);
    const token = gen.body.token as string;
    const conv = gen.body.conversationId as string;
    const started = await this.fetchJson(first, '/conversations', { method: 'POST', token, body: { locale: 'en-GB' } });
    if (started.status !== 200 && started.status !== 201) throw new Error(`start ${started.status}`);
    const record: ConversationRecord = { conv, user, references: [], lostTrack: 0, ids: [], watermarks: [], confused: [], done: false };
    this.conversations.push(record);
    let watermark = '';
    let step = 0;
    let attempts = 0;
    while (!this.stopping && step < 3 && attempts < 40) {
      attempts++;
      // Each turn of a conversation on the next instance: never the same one twice in a row.
      const instance = (loop + attempts) % this.bots.length;
      this.turnNo++;
      const base = this.bots[instance].baseUrl;
      const activity = step === 0 ? { type: 'message', text: FIRST, locale: 'en-GB' } : step === 1 ? { type: 'message', text: 'skip', locale: 'en-GB' } : { type: 'message', value: { action: 'refund.confirm' }, locale: 'en-GB' };
      const at = Date.now();
      let result: TurnResult = 'ok';
      let detail: string | undefined;
      let replies: any[] = [];
      try {
        const posted = await this.fetchJson(base, `/conversations/${conv}/activities`, { method: 'POST', token, body: { ...activity, from: { id: user } } });
        if (posted.status !== 200) {
          result = 'http_error';
          detail = `POST ${posted.status}`;
        }
        const postedId = posted.body?.id as string | undefined;
        // The POST returns once the bot answered: read what is new until this message's answers are
        // there (a failed read is tried again: the message itself was accepted).
        const deadline = Date.now() + 10000;
        while (result === 'ok' && Date.now() < deadline) {
          const got = await this.fetchJson(base, `/conversations/${conv}/activities?watermark=${watermark}`, { token }).catch(() => undefined);
          if (got?.status === 200) {
            for (const a of got.body.activities) record.ids.push(a.id);
            record.watermarks.push(Number(got.body.watermark));
            watermark = got.body.watermark;
            // Only the answers to this message (a slow earlier turn may answer late: not this turn's reply).
            replies.push(...got.body.activities.filter((a: any) => a.from?.role === 'bot' && a.replyToId === postedId));
            if (replies.length > 0) {
              await sleep(50); // a reply or two may still be on the way
              const more = await this.fetchJson(base, `/conversations/${conv}/activities?watermark=${watermark}`, { token }).catch(() => undefined);
              if (more?.status === 200) {
                for (const a of more.body.activities) record.ids.push(a.id);
                record.watermarks.push(Number(more.body.watermark));
                watermark = more.body.watermark;
                replies.push(...more.body.activities.filter((a: any) => a.from?.role === 'bot' && a.replyToId === postedId));
              }
              break;
            }
          }
          await sleep(100);
        }
      } catch (err) {
        result = 'http_error';
        detail = (err as Error).message;
      }
      const text = replies.map(textOf).join('\n');
      if (result === 'ok') {
        if (text.includes(LOST_TRACK)) {
          record.lostTrack++;
          result = 'lost_track';
          // The message was handled on a fresh start: the first one starts the request again.
          step = text.includes(ASK_PROOF) ? 1 : 0;
        } else if (text.includes(UNAVAILABLE)) result = 'unavailable';
        else if (text.includes(NOT_CONFIRMED)) result = 'not_confirmed';
        else if (text.includes(BUSY)) result = 'busy';
        else if (replies.length === 0) result = 'no_reply';
        else if (step === 0 && text.includes(ASK_PROOF)) step = 1;
        else if (step === 1 && text.includes('refund.confirm')) step = 2;
        else if (step === 2 && text.includes(CREATED)) {
          const ref = /\b((?:RF|PN|DS)-[0-9A-Z]{5})\b/.exec(text.split(CREATED)[1] ?? '')?.[1];
          if (ref) record.references.push(ref);
          record.done = true;
          step = 3;
        } else if (step === 2 && text.includes(STALE_CARD) && text.includes(ASK_PROOF)) {
          // The turn that showed the summary failed before its state was saved (its error message came
          // after this loop read the replies): the bot says the card is out of date and asks the
          // question its state is really at. That is the conversation going on, honestly: answer it.
          result = 'stale_card';
          step = 1;
        } else if (FOREIGN.some((f) => text.includes(f)) || (step > 0 && text.includes(ASK_PROOF))) {
          // The bot is somewhere else than where the customer left it, and did not say so.
          result = 'unexpected';
          detail = text.slice(0, 300);
          record.confused.push(`step ${step}: ${detail}`);
        } else {
          // Part of the answer only (the turn failed midway, before its state was saved): again.
          result = 'partial';
          detail = text.slice(0, 120);
        }
      }
      this.turns.push({ at, end: Date.now(), conv, instance, step, result, detail });
      if (result === 'unexpected') break; // counted; the loop goes on with a new conversation
      if (result !== 'ok' && result !== 'lost_track') await sleep(150);
      else if (this.opts.pauseMs) await sleep(this.opts.pauseMs);
    }
  }
}

export interface FaultWindow {
  name: string;
  at: number;
  /** When the topology was back to normal (the test's own check). */
  settledAt?: number;
}

export interface FaultReport {
  fault: string;
  /** From the fault to the end of the last turn that did not get a normal answer (0: none failed). */
  recoveryMs: number;
  unavailableTurns: number;
  notConfirmedTurns: number;
  otherFailedTurns: number;
  lostTrack: number;
  turns: number;
}

/** Per fault: the turns that started between it and the next fault (or the end). */
export function reportFaults(faults: FaultWindow[], turns: TurnRecord[], endAt: number): FaultReport[] {
  return faults.map((f, i) => {
    const until = faults[i + 1]?.at ?? endAt;
    const mine = turns.filter((t) => t.at >= f.at && t.at < until);
    const failed = mine.filter((t) => t.result !== 'ok');
    return {
      fault: f.name,
      recoveryMs: failed.length ? Math.max(...failed.map((t) => t.end)) - f.at : 0,
      unavailableTurns: mine.filter((t) => t.result === 'unavailable').length,
      notConfirmedTurns: mine.filter((t) => t.result === 'not_confirmed').length,
      otherFailedTurns: mine.filter((t) => !['ok', 'unavailable', 'not_confirmed', 'lost_track'].includes(t.result)).length,
      lostTrack: mine.filter((t) => t.result === 'lost_track').length,
      turns: mine.length,
    };
  });
}

/** Polls /readyz of a bot every 100 ms; remembers each answer with its time. */
export class ReadyProbe {
  readonly samples: { at: number; status: number }[] = [];
  private stopped = false;
  private done?: Promise<void>;

  constructor(private readonly bot: BotProcess) {}

  /** Resolves once /readyz answered 200 again; rejects after `ms` (the bot never came back: the test fails). */
  async readyAgain(ms = 30000): Promise<void> {
    await until('/readyz to answer 200 again', async () => this.samples.at(-1)?.status === 200, ms, 100);
  }

  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const at = Date.now();
        let status = 0;
        try {
          status = (await fetch(`${this.bot.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).status;
        } catch {
          status = 0;
        }
        this.samples.push({ at, status });
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** Statuses seen between two times. */
  between(from: number, to: number): number[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.status);
  }
}
