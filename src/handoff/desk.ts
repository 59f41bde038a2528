/**
 * The live handoff: the bot's side (queueing a conversation when a person is offered, keeping the bot
 * quiet while a person has it, relaying what the customer writes) and the desk's actions the agent
 * API calls (claim, answer, decide, release, close). Redis holds everything (./store.ts, ./relay.ts),
 * so any instance serves any customer and any agent.
 *
 * HANDOFF_MODE=external: no desk queue; the bot sends `handoff.initiate` (EventFactory) with the
 * context and the redacted transcript and follows the `handoff.status` events the contact centre
 * sends back (accepted: the bot stays quiet; completed or failed: the bot takes over again).
 */
import {
  ActionTypes,
  type Activity,
  ActivityTypes,
  CardFactory,
  type CloudAdapter,
  type ConversationReference,
  EventFactory,
  MessageFactory,
  type Middleware,
  TurnContext,
} from 'botbuilder';
import { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { translator, type Language, isLanguage } from '../i18n';
import { turnLanguage, TURN } from '../bot/turnContext';
import { turnHandle } from '../storage/conversationState';
import { redactDeep, redactSecrets } from '../bot/redact';
import type { CaseRecord, CaseRepository, CaseStatus, ProofStore } from '../cases/types';
import type { AccountsPort } from '../services/ports';
import type { Notifier } from '../services/notifications';
import { findUserAccount } from '../../dialogs/identity';
import { recognizeInterruption } from '../../dialogs/interruptions';
import { fetchAttachment, type FetchPolicy } from '../../dialogs/proof/fetchAttachment';
import type { HumanOffer, Say } from './offerHuman';
import { isOpen, nextOpening } from './hours';
import { EventFeed, Relay, type OutboxItem, type TranscriptAttachment, type TranscriptEntry } from './relay';
import { DeskStore, queueScore, type DeskConversation, type DeskTopic, type Severity, type Tier } from './store';
import { foldTitle as fold } from '../i18n/fold';

export interface DeskDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
  adapter: CloudAdapter;
  cases: CaseRepository;
  proofs: ProofStore;
  accounts?: AccountsPort;
  /** Shows the bot's menu (after a release or "stop waiting"). */
  sendMenu?: (context: TurnContext) => Promise<void>;
  /** Downloading a file the customer sends to the agent. */
  attachments?: FetchPolicy;
  now?: () => Date;
  /** How often the sweeper runs (ms, default 2000). */
  sweepMs?: number;
  /** E-mails to the customer: the agent's decision (R5.4), and answers to a customer who left an address. */
  notifier?: Pick<Notifier, 'notifyDecision' | 'notifyAgentAnswer'>;
}

const ENTRY = Symbol('deskEntry');
/** The desk's record of the conversation, read alongside the conversation state (see `prefetch`). */
const PREFETCHED = Symbol('deskPrefetched');
/** Writes the transcript lines an ordinary turn kept for its end (before a handoff reads them). */
const FLUSH = Symbol('deskFlush');
const PROACTIVE = Symbol('deskProactive');
const EMAIL = /^[^\s@<>()[\]]{1,64}@[^\s@<>()[\]]{1,190}\.[A-Za-z]{2,24}$/;

export const APPROVE_REASONS = ['conditions_met', 'goodwill', 'technical_error', 'duplicate_payment'] as const;
export const REFUSE_REASONS = ['service_used', 'ad_broadcast', 'outside_conditions', 'topup_non_refundable', 'fraud_suspected'] as const;
export const decisionSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('approve'), reason: z.enum(APPROVE_REASONS), note: z.string().max(1000).optional() }).strict(),
  z.object({ outcome: z.literal('refuse'), reason: z.enum(REFUSE_REASONS), note: z.string().max(1000).optional() }).strict(),
]);
export type AgentDecision = z.infer<typeof decisionSchema>;

export class DeskError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}


/**
 * A channel that keeps the whole conversation itself (the embedded Direct Line's log): the desk does
 * not copy its ordinary turns into its own transcript, and reads them from there when an agent or a
 * contact centre needs them ("no copy of what can be looked up", issue 13).
 */
export interface ConversationLog {
  /** True when this activity's conversation is kept by the log. */
  owns(activity: Partial<Activity>): boolean;
  /** The conversation's activities, oldest first, with the log's sequence numbers (µs). */
  activities(conversationId: string): Promise<{ activity: Partial<Activity>; seq: number }[]>;
}

export class Desk {
  private log?: ConversationLog;
  readonly store: DeskStore;
  readonly relay: Relay;
  readonly feed: EventFeed;
  private readonly now: () => Date;
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deps: DeskDeps) {
    this.store = new DeskStore(deps.redis, deps.keys, deps.logger);
    this.relay = new Relay(this.store, deps.logger);
    this.feed = new EventFeed(deps.redis, this.store.key('events'), deps.logger, Math.max(100, Math.min(2000, deps.config.redis.commandTimeoutMs - 300)));
    this.now = deps.now ?? (() => new Date());
  }

  get mode(): 'desk' | 'external' {
    return this.deps.config.handoff.mode;
  }

  async start(): Promise<void> {
    await this.feed.start();
    this.timer = setInterval(() => void this.sweep(), this.deps.sweepMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
    await this.feed.stop();
  }

  /** Runs work after the current turn without holding it (delivery waits for the turn's lock). */
  private background(work: () => Promise<unknown>): void {
    const p = work().catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'desk: background work failed'));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  // ================================================================ the bot's side

  /** offerHuman's hook: queue the conversation (desk) or hand it to the contact centre (external). */
  onOffer = async (
    context: TurnContext,
    offer: HumanOffer,
    _status: CaseStatus | undefined,
    say: Say = (activity) => context.sendActivity(activity),
  ): Promise<'queued' | void> => {
    const a = context.activity;
    const id = a.conversation?.id;
    if (!id) return;
    await (context.turnState.get(FLUSH) as (() => Promise<void>) | undefined)?.();
    const t = translator(turnLanguage(context));
    const record = offer.caseRef ? await this.deps.cases.get(offer.caseRef).catch(() => null) : null;
    const tier = await this.tierOf(context, offer, record);
    const severity = severityOf(offer, record);
    const topic: DeskTopic = record?.topic ?? 'none';
    const now = this.now().getTime();
    const reason = tier === 'pro' && offer.reason === 'user_asked' ? 'user_asked' : offer.reason;
    const base = {
      id,
      tier,
      language: turnLanguage(context),
      topic,
      reason,
      severity,
      caseRef: offer.caseRef ?? null,
      since: now,
      firstSince: now,
      ref: JSON.stringify(TurnContext.getConversationReference(a)),
      channelId: a.channelId ?? '',
    };

    if (this.mode === 'external') {
      const entries = await this.transcript(id, 200);
      const handoffContext = {
        caseRef: offer.caseRef ?? null,
        topic,
        language: base.language,
        tier,
        priority: tier === 'pro' ? 'pro' : severity === 'normal' || severity === 'review' ? 'normal' : 'high',
        reason,
        severity,
        decision: record ? { outcome: record.decision.outcome, clauses: record.decision.clauses, reviewReasons: record.decision.review.reasons } : null,
      };
      const transcript = { activities: entries.map((e) => transcriptActivity(e, a)) };
      await context.sendActivity(EventFactory.createHandoffInitiation(context, handoffContext, transcript as never));
      await this.store.enqueue({ ...base, status: 'external' }, 0);
      await say(t('handoff:external.waiting'));
      return 'queued';
    }

    const queued = await this.store.enqueue({ ...base, status: 'waiting' }, queueScore(tier, severity, now));
    if (queued) {
      await this.relay.publish({ type: 'conversation', conversationId: id, status: 'waiting', assignedTo: null });
      await this.relay.publish({ type: 'queue' });
      this.deps.logger.info({ conversationId: id, caseRef: offer.caseRef, reason, tier, severity }, 'desk: conversation queued');
    }
    const conv = await this.store.get(id);
    if (conv?.status === 'assigned') {
      await say(t('handoff:alreadyWith', { name: conv.assignedTo }));
      return 'queued';
    }
    await this.tellWaiting(context, id, true, say);
    this.background(() => this.updatePositions());
    return 'queued';
  };

  private async tierOf(context: TurnContext, offer: HumanOffer, record: CaseRecord | null): Promise<Tier> {
    if (offer.reason === 'pro_priority' || offer.priority === 'pro') return 'pro';
    if (record?.facts.account?.tier === 'pro') return 'pro';
    if (this.deps.accounts) {
      try {
        const account = await findUserAccount(this.deps.accounts, context.activity);
        if (account?.tier === 'pro') return 'pro';
      } catch {
        /* the account service is down: standard */
      }
    }
    return 'standard';
  }

  /** The waiting message: a person will answer, place and estimate (or closed / nobody signed in), how to stop. */
  private async tellWaiting(context: TurnContext, id: string, first: boolean, say: Say = (activity) => context.sendActivity(activity)): Promise<void> {
    const t = translator(turnLanguage(context));
    const now = this.now();
    const { hours, heartbeatTimeoutSeconds } = this.deps.config.handoff;
    const lines: string[] = [];
    let askEmail = false;
    if (!isOpen(hours, now, this.deps.config.timeZone)) {
      const next = nextOpening(hours, now, this.deps.config.timeZone);
      lines.push(next ? t('handoff:closedHours', formatWhen(next, turnLanguage(context), this.deps.config.timeZone)) : t('handoff:closedUnknown'));
      askEmail = true;
    } else if ((await this.store.agentsOnline(now.getTime(), heartbeatTimeoutSeconds * 1000)) === 0) {
      lines.push(t('handoff:noAgent'));
      askEmail = true;
    } else {
      const position = (await this.store.position(id)) ?? 1;
      lines.push(t(first ? 'handoff:queued' : 'handoff:position', { position }));
      const estimate = await this.estimateMinutes(position);
      if (estimate !== undefined) lines.push(t('handoff:estimate', { count: estimate }));
      await this.store.set(id, { toldPos: position });
    }
    if (askEmail) await this.store.set(id, { emailAsked: '1' });
    lines.push(t('handoff:howToStop'));
    await say(stopCard(turnLanguage(context), lines.join('\n')));
  }

  private async estimateMinutes(position: number): Promise<number | undefined> {
    const typical = await this.store.typicalWait();
    if (typical === undefined) return undefined;
    const agents = Math.max(1, await this.store.agentsOnline(this.now().getTime(), this.deps.config.handoff.heartbeatTimeoutSeconds * 1000));
    return Math.max(1, Math.ceil((typical * Math.max(1, position / agents)) / 60));
  }

  /** SupportBot's `intercept`: while waiting for or with a person, the bot stays quiet. */
  intercept = async (context: TurnContext): Promise<boolean> => {
    const a = context.activity;
    const id = a.conversation?.id;
    if (!id || a.type !== ActivityTypes.Message) return false;
    const conv = await this.record(context, id);
    if (!conv || !['waiting', 'assigned', 'external'].includes(conv.status)) {
      await this.offerProAtOnce(context, id);
      return false;
    }
    const lang = turnLanguage(context);
    const t = translator(lang);

    if (context.turnState.get(TURN.languageSwitched)) {
      await this.store.set(id, { language: lang });
      await context.sendActivity(t('common:language.switched'));
      if (conv.status === 'waiting') await this.tellWaiting(context, id, false);
      else await context.sendActivity(stopCard(lang, t('handoff:howToStop')));
      return true;
    }

    const text = typeof a.text === 'string' ? a.text.trim() : '';
    const value = a.value as { action?: unknown } | undefined;
    const stopLabels = (['en', 'fr'] as const).map((l) => fold(translator(l)('handoff:stop.button')));
    if (value?.action === 'handoff.stop' || (text && (stopLabels.includes(fold(text)) || recognizeInterruption(text) === 'cancel'))) {
      await this.customerStops(context, conv);
      return true;
    }
    if (conv.status === 'external') return true; // the contact centre has the conversation

    const entry = context.turnState.get(ENTRY) as TranscriptEntry | undefined;
    if (conv.emailAsked && !conv.email && EMAIL.test(text)) {
      await this.store.set(id, { email: text });
      // Kept on the case too, so the agent's answer can reach the customer by e-mail.
      if (conv.caseRef) await this.deps.cases.setContact(conv.caseRef, { email: text, confirmedAt: new Date().toISOString() }, `user:${a.from?.id ?? ''}`).catch(() => undefined);
      if (conv.caseRef) await this.deps.cases.note(conv.caseRef, `user:${a.from?.id ?? ''}`, 'left an e-mail address for the answer').catch(() => undefined);
      await context.sendActivity(t('handoff:emailSaved', { email: text }));
    }
    const files = await this.keepFiles(context, conv);
    let stored = entry;
    if (files.length > 0 && entry) {
      stored = await this.relay.append(id, { from: 'system', text: '', attachments: files });
    }
    if (!stored) return true;
    if (conv.status === 'assigned') {
      await this.store.incrUnread(id);
      await this.relay.publish({ type: 'message', conversationId: id, assignedTo: conv.assignedTo ?? null, entry: entry ?? stored });
      if (stored !== entry) await this.relay.publish({ type: 'message', conversationId: id, assignedTo: conv.assignedTo ?? null, entry: stored });
    } else {
      await this.store.set(id, { preview: (entry?.text || files.map((f) => f.name).join(', ')).slice(0, 140) });
      await this.relay.publish({ type: 'queue' });
    }
    return true;
  };

  /**
   * R8: a verified Pro account (account port only) is offered a person at once, on the first message
   * of the conversation, before the bot's own answer. The button says the words that ask for a person.
   */
  private async offerProAtOnce(context: TurnContext, id: string): Promise<void> {
    if (!this.deps.accounts || context.turnState.get(TURN.languageSwitched)) return;
    // The turn's lock knows whether this is the conversation's first message (src/storage/turnGate.ts).
    const handle = turnHandle(context);
    if (handle) {
      if (!handle.firstTurn) return;
    } else if ((await this.store.redis.set(this.store.proCheckedKey(id), '1', 'EX', 7 * 86400, 'NX')) !== 'OK') return;
    try {
      const account = await findUserAccount(this.deps.accounts, context.activity);
      if (account?.tier !== 'pro') return;
    } catch {
      return;
    }
    const t = translator(turnLanguage(context));
    const label = t('handoff:pro.button');
    await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', t('handoff:pro.offer'), undefined, [{ type: ActionTypes.ImBack, title: label, value: label }])));
  }

  /** Files the customer sends to the person: checked and kept in the proof store, added to the case. */
  private async keepFiles(context: TurnContext, conv: DeskConversation): Promise<TranscriptAttachment[]> {
    const policy = this.deps.attachments;
    const files = (context.activity.attachments ?? []).filter((x) => typeof x.contentUrl === 'string' && !(x.contentType ?? '').startsWith('application/vnd.microsoft.card'));
    if (!policy || files.length === 0) return [];
    const out: TranscriptAttachment[] = [];
    for (const f of files.slice(0, 5)) {
      const name = redactSecrets(f.name ?? 'file').text;
      try {
        const got = await fetchAttachment(f.contentUrl as string, policy);
        if (!got.ok) {
          out.push({ name, contentType: f.contentType ?? 'application/octet-stream' });
          continue;
        }
        const meta = await this.deps.proofs.put({ name, contentType: f.contentType, bytes: got.bytes });
        if (conv.caseRef) await this.deps.cases.addProof(conv.caseRef, meta, `user:${context.activity.from?.id ?? ''}`).catch(() => undefined);
        out.push({ name: meta.name, contentType: meta.contentType, storeId: meta.storeId });
      } catch (err) {
        this.deps.logger.info({ conversationId: conv.id, err: (err as Error).message }, 'desk: a file from the customer was not kept');
        out.push({ name, contentType: f.contentType ?? 'application/octet-stream' });
      }
    }
    return out;
  }

  private async customerStops(context: TurnContext, conv: DeskConversation): Promise<void> {
    const t = translator(turnLanguage(context));
    const { stopped, agent } = await this.store.stop(conv.id, 'released');
    if (stopped) {
      await this.relay.append(conv.id, { from: 'system', text: 'customer stopped waiting', event: { key: 'customerStopped' } });
      await this.relay.publish({ type: 'conversation', conversationId: conv.id, status: 'released', assignedTo: agent ?? null });
      await this.relay.publish({ type: 'queue' });
      if (conv.caseRef && conv.status === 'assigned' && agent) {
        await this.caseTo(conv.caseRef, 'awaiting_review', 'user:' + (context.activity.from?.id ?? ''), 'customer left the conversation with the agent');
      }
      this.background(() => this.updatePositions());
    }
    await context.sendActivity(t(conv.caseRef ? 'handoff:stopped' : 'handoff:stoppedNoCase', { reference: conv.caseRef ?? '' }));
    await this.deps.sendMenu?.(context);
  }

  /**
   * Keeps the transcript (redacted: runs after RedactionMiddleware), relays the customer's typing
   * to the agent, and follows `handoff.status` from a contact centre.
   */
  /** Set once the embedded channel exists (see ConversationLog). */
  setConversationLog(log: ConversationLog): void {
    this.log = log;
  }

  /**
   * The conversation's transcript for an agent or a contact centre: the desk's own lines, and the
   * ordinary turns a ConversationLog keeps (outside the stretch the desk's own lines cover, where
   * the log holds the same messages again and the agents' ones as the bot's).
   */
  async transcript(id: string, limit = 500): Promise<TranscriptEntry[]> {
    const own = await this.relay.transcript(id, limit);
    if (!this.log) return own;
    const logged = await this.log.activities(id).catch(() => []);
    const msOf = (seq: string) => Number(seq.split('-')[0]);
    const first = own.length ? msOf(own[0].seq) : Infinity;
    const last = own.length ? msOf(own[own.length - 1].seq) : -Infinity;
    const extra: TranscriptEntry[] = [];
    for (const { activity: a, seq } of logged) {
      if (a.type !== ActivityTypes.Message) continue;
      const ms = Math.floor(seq / 1000);
      if (ms >= first && ms <= last) continue;
      const entrySeq = `${ms}-${seq % 1000}`;
      const at = new Date(ms).toISOString();
      if (a.from?.role === 'bot') {
        if (!a.replyToId) continue; // the desk's own deliveries and notices: not the bot's turns
        const text = [a.text ?? '', ...(a.attachments ?? []).map(cardText)].filter(Boolean).join('\n');
        if (text) extra.push({ seq: entrySeq, from: 'bot', text: redactSecrets(text).text, at });
      } else {
        const text = typeof a.text === 'string' && a.text.trim() ? a.text : a.value !== undefined ? formSummary(a.value) : '';
        const attachments = (a.attachments ?? [])
          .filter((x) => !(x.contentType ?? '').startsWith('application/vnd.microsoft.card'))
          .map((x) => ({ name: redactSecrets(x.name ?? 'file').text, contentType: x.contentType ?? 'application/octet-stream' }));
        extra.push({ seq: entrySeq, from: 'customer', text: redactSecrets(text).text, at, ...(attachments.length ? { attachments } : {}) });
      }
    }
    const order = (e: TranscriptEntry) => e.seq.split('-').map(Number) as [number, number];
    return [...own, ...extra]
      .sort((x, y) => {
        const [a1, a2] = order(x);
        const [b1, b2] = order(y);
        return a1 - b1 || a2 - b2;
      })
      .slice(-limit);
  }

  /**
   * Starts reading the desk's record of the conversation (one HGETALL), so that it travels with the
   * conversation state's read instead of after it (src/bot/middleware.ts, TurnGateMiddleware).
   */
  prefetch(context: TurnContext): void {
    const id = context.activity.conversation?.id;
    if (!id || context.activity.type !== ActivityTypes.Message) return;
    const p = this.store.get(id);
    p.catch(() => undefined);
    context.turnState.set(PREFETCHED, p);
  }

  private record(context: TurnContext, id: string): Promise<DeskConversation | null> {
    return (context.turnState.get(PREFETCHED) as Promise<DeskConversation | null> | undefined) ?? this.store.get(id);
  }

  middleware(): Middleware {
    return {
      onTurn: async (context, next) => {
        const a = context.activity;
        const id = a.conversation?.id;
        // An ordinary turn (no person involved) keeps its transcript lines for the end of the turn,
        // written alongside the commit (one round trip, not one per line); with a person, at once.
        const handle = turnHandle(context);
        let deferred: Omit<TranscriptEntry, 'seq' | 'at'>[] | undefined;
        // A conversation whose channel keeps it whole (ConversationLog) is not copied at all.
        const logged = !!this.log?.owns(a);
        if (handle && id && a.type === ActivityTypes.Message) {
          const conv = await this.record(context, id).catch(() => null);
          if (!conv || !['waiting', 'assigned', 'external'].includes(conv.status)) {
            const lines: (Omit<TranscriptEntry, 'seq' | 'at'> & { at: string })[] = [];
            deferred = lines;
            const flush = async (): Promise<void> => {
              if (logged) lines.length = 0;
              else if (lines.length) await this.relay.appendMany(id, lines.splice(0));
            };
            context.turnState.set(FLUSH, flush);
            handle.defer(flush);
          }
        }
        if (id && a.type === ActivityTypes.Message) {
          const text = typeof a.text === 'string' && a.text.trim() ? a.text : a.value !== undefined ? formSummary(a.value) : '';
          const attachments = (a.attachments ?? [])
            .filter((x) => !(x.contentType ?? '').startsWith('application/vnd.microsoft.card'))
            .map((x) => ({ name: redactSecrets(x.name ?? 'file').text, contentType: x.contentType ?? 'application/octet-stream' }));
          const line = { from: 'customer' as const, text, ...(attachments.length ? { attachments } : {}) };
          if (deferred) (deferred as (typeof line & { at: string })[]).push({ ...line, at: new Date().toISOString() });
          else context.turnState.set(ENTRY, await this.relay.append(id, line));
        } else if (id && a.type === ActivityTypes.Typing) {
          await this.customerTyping(id);
          return;
        } else if (id && a.type === ActivityTypes.Event && a.name === 'handoff.status') {
          await this.onHandoffStatus(context);
          return;
        }
        if (id) {
          context.onSendActivities(async (ctx, activities, send) => {
            const res = await send();
            if (!ctx.turnState.get(PROACTIVE)) {
              for (const out of activities) {
                if (out.type !== ActivityTypes.Message) continue;
                const text = [out.text ?? '', ...(out.attachments ?? []).map(cardText)].filter(Boolean).join('\n');
                // The welcome of a logged conversation (a stream costs some 4 KB even for one line).
                if (!text || (logged && a.type !== ActivityTypes.Message)) continue;
                if (deferred) (deferred as { from: 'bot'; text: string; at: string }[]).push({ from: 'bot', text, at: new Date().toISOString() });
                else await this.relay.append(id, { from: 'bot', text }).catch(() => undefined);
              }
            }
            return res;
          });
        }
        await next();
      },
    };
  }

  /** The customer is typing: the agent who has the conversation sees it. */
  async customerTyping(id: string): Promise<void> {
    // Only a live record can be assigned (an archived one is released or closed).
    const { status, assignedTo } = await this.store.liveAssignment(id);
    if (status === 'assigned' && assignedTo) await this.relay.publish({ type: 'typing', conversationId: id, assignedTo });
  }

  private async onHandoffStatus(context: TurnContext): Promise<void> {
    const id = context.activity.conversation!.id;
    const value = z.object({ state: z.enum(['accepted', 'failed', 'completed']), message: z.string().optional() }).safeParse(context.activity.value);
    if (!value.success) return;
    const conv = await this.store.get(id);
    if (!conv || conv.status !== 'external') return;
    const t = translator(conv.language);
    this.deps.logger.info({ conversationId: id, state: value.data.state }, 'desk: handoff.status from the contact centre');
    if (value.data.state === 'accepted') {
      await this.store.set(id, { externalState: 'accepted' });
      if (conv.caseRef) await this.caseTo(conv.caseRef, 'in_review', 'external', 'contact centre accepted the conversation');
      return;
    }
    await this.store.stop(id, value.data.state === 'completed' ? 'closed' : 'released');
    await context.sendActivity(t(value.data.state === 'completed' ? 'handoff:external.completed' : 'handoff:external.failed'));
    if (conv.caseRef) await this.deps.cases.note(conv.caseRef, 'external', `handoff ${value.data.state}`).catch(() => undefined);
  }

  // ================================================================ delivery to the customer

  private async deliver(conv: DeskConversation, item: OutboxItem): Promise<void> {
    const reference = JSON.parse(conv.ref) as Partial<ConversationReference>;
    const t = translator(conv.language);
    const appId = this.deps.config.botAuth.appId ?? '';
    await this.deps.adapter.continueConversationAsync(appId, reference, async (ctx) => {
      ctx.turnState.set(PROACTIVE, true);
      ctx.turnState.set(TURN.language, conv.language);
      if (item.kind === 'agent') {
        const msg = MessageFactory.text(t('handoff:agentMessage', { name: item.agent, text: item.text }));
        msg.channelData = { deskSeq: item.seq };
        await ctx.sendActivity(msg);
      } else {
        const text = t(item.key, item.vars ?? {});
        await ctx.sendActivity(item.stopButton ? stopCard(conv.language, text) : MessageFactory.text(text));
        if (item.menu) await this.deps.sendMenu?.(ctx);
      }
    });
  }

  /** Delivers the conversation's outbox now (in the background when inside a turn). */
  async flush(id: string): Promise<void> {
    await this.relay.drain(id, async (item) => {
      const conv = await this.store.get(id);
      if (!conv) return;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.deliver(conv, item);
          return;
        } catch (err) {
          if (attempt >= 2) {
            this.deps.logger.warn({ conversationId: id, err: (err as Error).message }, 'desk: could not reach the customer; message kept in the transcript');
            return;
          }
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        }
      }
    });
  }

  private async toCustomer(id: string, item: OutboxItem): Promise<void> {
    await this.relay.enqueueForCustomer(id, item);
    this.background(() => this.flush(id));
  }

  /** Tells every waiting customer whose place changed their new place (top 50). */
  async updatePositions(): Promise<void> {
    const ids = await this.store.queueIds(50);
    const convs = await this.store.getMany(ids);
    for (const [i, conv] of convs.entries()) {
      const position = ids.indexOf(conv.id) + 1 || i + 1;
      if (conv.toldPos === undefined || conv.toldPos === position || conv.emailAsked) continue;
      await this.store.set(conv.id, { toldPos: position });
      const estimate = await this.estimateMinutes(position);
      await this.toCustomer(conv.id, { kind: 'notice', key: estimate === undefined ? 'handoff:positionOnly' : 'handoff:positionEstimate', vars: { position, count: estimate ?? 0 } });
    }
  }

  // ================================================================ the sweeper

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.now().getTime();
      const timeoutMs = this.deps.config.handoff.heartbeatTimeoutSeconds * 1000;
      for (const agent of await this.store.silentAgents(now, timeoutMs)) {
        for (const id of await this.store.mine(agent)) await this.returnToQueue(id, agent);
        await this.store.forgetAgent(agent, now - timeoutMs);
      }
      const maxWaitMs = this.deps.config.handoff.maxWaitSeconds * 1000;
      for (const conv of await this.store.getMany(await this.store.queueIds(200))) {
        if (conv.status === 'waiting' && !conv.maxWaitTold && now - conv.firstSince > maxWaitMs) {
          await this.store.set(conv.id, { maxWaitTold: '1', emailAsked: '1' });
          await this.toCustomer(conv.id, { kind: 'notice', key: 'handoff:maxWait', stopButton: true });
        }
      }
      for (const id of await this.relay.pendingConversations()) await this.flush(id);
      // Records whose move to their archive was interrupted (a crash, Redis unavailable): finished here.
      await this.store.finishArchiving();
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'desk: sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** An agent went silent: the conversation goes back to the front of its queue and the customer is told. */
  async returnToQueue(id: string, agent: string): Promise<boolean> {
    const conv = await this.store.get(id);
    if (!conv) return false;
    const now = this.now().getTime();
    const ok = await this.store.requeue(id, agent, queueScore(conv.tier, 'returned', now), now);
    if (!ok) return false;
    this.deps.logger.info({ conversationId: id, agent }, 'desk: agent silent, conversation back in the queue');
    await this.relay.append(id, { from: 'system', text: `agent ${agent} disconnected; back in the queue`, event: { key: 'agentSilent', vars: { agent } } });
    await this.relay.publish({ type: 'conversation', conversationId: id, status: 'waiting', assignedTo: null });
    await this.relay.publish({ type: 'queue' });
    if (conv.caseRef) await this.caseTo(conv.caseRef, 'awaiting_review', 'system', `agent:${agent} stopped answering (no heartbeat); back in the queue`);
    const position = (await this.store.position(id)) ?? 1;
    await this.store.set(id, { toldPos: position });
    await this.toCustomer(id, { kind: 'notice', key: 'handoff:agentLeft', vars: { position }, stopButton: true });
    return true;
  }

  // ================================================================ the agent's side

  async heartbeat(agent: string): Promise<void> {
    await this.store.heartbeat(agent, this.now().getTime());
  }

  async deskStatus(): Promise<{ open: boolean; agentsOnline: number }> {
    const now = this.now();
    return {
      open: isOpen(this.deps.config.handoff.hours, now, this.deps.config.timeZone),
      agentsOnline: await this.store.agentsOnline(now.getTime(), this.deps.config.handoff.heartbeatTimeoutSeconds * 1000),
    };
  }

  summary(conv: DeskConversation) {
    const now = this.now().getTime();
    return {
      id: conv.id,
      tier: conv.tier,
      language: conv.language,
      topic: conv.topic,
      waitingSeconds: Math.max(0, Math.floor((now - conv.since) / 1000)),
      caseRef: conv.caseRef,
      reason: conv.reason,
      severity: conv.severity,
      since: new Date(conv.since).toISOString(),
      preview: conv.preview ?? '',
    };
  }

  async queue(agent: string) {
    const ids = await this.store.queueIds(200);
    const waiting = (await this.store.getMany(ids)).filter((c) => c.status === 'waiting');
    const mine = (await this.store.getMany(await this.store.mine(agent))).filter((c) => c.status === 'assigned' && c.assignedTo === agent);
    return {
      items: waiting.map((c) => this.summary(c)),
      mine: mine.sort((x, y) => x.since - y.since).map((c) => ({ ...this.summary(c), status: c.status, assignedTo: c.assignedTo ?? null, unread: c.unread })),
    };
  }

  async claim(id: string, agent: string): Promise<DeskConversation> {
    const now = this.now().getTime();
    const before = await this.store.get(id);
    const r = await this.store.claim(id, agent, now);
    if (!r.ok) {
      if ('by' in r) throw new DeskError(409, 'already_claimed', 'Another agent claimed this conversation.', { by: r.by });
      throw new DeskError(404, 'not_found', 'Nothing waits under this id.');
    }
    await this.store.heartbeat(agent, now);
    if (before) await this.store.recordWait((now - before.firstSince) / 1000);
    await this.relay.append(id, { from: 'system', text: `claimed by ${agent}`, event: { key: 'claimed', vars: { agent } } });
    await this.relay.publish({ type: 'conversation', conversationId: id, status: 'assigned', assignedTo: agent });
    await this.relay.publish({ type: 'queue' });
    if (before?.caseRef) await this.caseTo(before.caseRef, 'in_review', `agent:${agent}`, 'claimed the conversation');
    await this.toCustomer(id, { kind: 'notice', key: 'handoff:claimed', vars: { name: agent } });
    this.background(() => this.updatePositions());
    return (await this.store.get(id))!;
  }

  /** The conversation, for an agent: any waiting one, or one this agent has. */
  async readable(id: string, agent: string): Promise<DeskConversation> {
    const conv = await this.store.get(id);
    if (!conv) throw new DeskError(404, 'not_found', 'Unknown conversation.');
    if (conv.status === 'waiting') return conv;
    if (conv.assignedTo !== agent) throw new DeskError(403, 'forbidden', 'This conversation is not yours.');
    return conv;
  }

  private async owned(id: string, agent: string): Promise<DeskConversation> {
    const conv = await this.store.get(id);
    if (!conv) throw new DeskError(404, 'not_found', 'Unknown conversation.');
    if (conv.status === 'assigned' && conv.assignedTo === agent) return conv;
    if (conv.status === 'assigned') throw new DeskError(403, 'forbidden', 'This conversation is not yours.');
    throw new DeskError(409, 'not_assigned', 'This conversation is not with an agent any more.');
  }

  async send(id: string, agent: string, text: string): Promise<string> {
    const conv = await this.owned(id, agent);
    const entry = await this.relay.append(id, { from: 'agent', agent, text });
    await this.store.set(id, { unread: 0 });
    await this.relay.enqueueForCustomer(id, { kind: 'agent', agent, text: entry.text, seq: entry.seq });
    await this.relay.publish({ type: 'message', conversationId: id, assignedTo: agent, entry });
    this.background(() => this.flush(id));
    // A customer who left an address while waiting may have closed the chat: the answer also goes by e-mail.
    if (conv.email && conv.caseRef && this.deps.notifier) {
      const record = await this.deps.cases.get(conv.caseRef);
      if (record) await this.deps.notifier.notifyAgentAnswer(record, { text: entry.text, messageId: entry.seq });
    }
    return entry.seq;
  }

  async typing(id: string, agent: string): Promise<void> {
    const conv = await this.owned(id, agent);
    const reference = JSON.parse(conv.ref) as Partial<ConversationReference>;
    this.background(() =>
      this.deps.adapter.continueConversationAsync(this.deps.config.botAuth.appId ?? '', reference, async (ctx) => {
        ctx.turnState.set(PROACTIVE, true);
        await ctx.sendActivity({ type: ActivityTypes.Typing });
      }),
    );
  }

  async decide(id: string, agent: string, decision: AgentDecision): Promise<CaseRecord> {
    const conv = await this.owned(id, agent);
    if (!conv.caseRef) throw new DeskError(409, 'no_case', 'This conversation has no case to decide.');
    const record = await this.deps.cases.get(conv.caseRef);
    if (!record) throw new DeskError(404, 'not_found', 'The case does not exist.');
    if (record.status === 'closed') throw new DeskError(409, 'case_closed', 'The case is closed.');
    const target: CaseStatus = decision.outcome === 'approve' ? 'approved' : 'refused';
    const by = `agent:${agent}`;
    const note = `decision: ${decision.outcome} (${decision.reason})${decision.note ? ` — ${redactSecrets(decision.note).text}` : ''}`;
    if (record.status === 'approved' || record.status === 'refused') await this.deps.cases.updateStatus(conv.caseRef, 'in_review', by, 'decision changed');
    const updated = (await this.deps.cases.updateStatus(conv.caseRef, target, by, note))!;
    const noteText = decision.note ? redactSecrets(decision.note).text : undefined;
    const entry = await this.relay.append(id, {
      from: 'system',
      agent,
      text: note,
      event: { key: 'decision', vars: { outcome: decision.outcome, reason: decision.reason, ...(noteText ? { note: noteText } : {}) } },
    });
    await this.relay.publish({ type: 'message', conversationId: id, assignedTo: agent, entry });
    // The customer reads plain words: never a clause id, never the fraud reason.
    const key = decision.reason === 'fraud_suspected' ? 'desk:customer.refuse.generic' : `desk:customer.${decision.outcome}.${decision.reason}`;
    await this.toCustomer(id, { kind: 'notice', key: `desk:customer.${decision.outcome}.intro`, vars: { reference: conv.caseRef } });
    await this.toCustomer(id, { kind: 'notice', key, vars: { reference: conv.caseRef } });
    // R5.4: the decision is also confirmed by e-mail, in the customer's language and plain words.
    if (this.deps.notifier) {
      const t = translator(updated.language);
      await this.deps.notifier.notifyDecision(updated, { status: target, reasons: [t(key, { reference: conv.caseRef })], decisionId: String(updated.history.length) });
    }
    return updated;
  }

  async release(id: string, agent: string): Promise<void> {
    const conv = await this.owned(id, agent);
    if (!(await this.store.finish(id, agent, 'released'))) throw new DeskError(409, 'not_assigned', 'Not yours any more.');
    await this.afterFinish(conv, agent, 'released');
    if (conv.caseRef) await this.caseTo(conv.caseRef, 'awaiting_review', `agent:${agent}`, 'handed the conversation back to the bot', true);
    await this.toCustomer(id, { kind: 'notice', key: 'handoff:released', menu: true });
  }

  async close(id: string, agent: string): Promise<void> {
    const conv = await this.owned(id, agent);
    if (!(await this.store.finish(id, agent, 'closed'))) throw new DeskError(409, 'not_assigned', 'Not yours any more.');
    await this.afterFinish(conv, agent, 'closed');
    if (conv.caseRef) await this.deps.cases.note(conv.caseRef, `agent:${agent}`, 'closed the conversation').catch(() => undefined);
    await this.toCustomer(id, { kind: 'notice', key: conv.caseRef ? 'handoff:closed' : 'handoff:closedNoCase', vars: { reference: conv.caseRef ?? '' }, menu: true });
  }

  private async afterFinish(conv: DeskConversation, agent: string, status: 'released' | 'closed'): Promise<void> {
    await this.relay.append(conv.id, { from: 'system', text: `${status} by ${agent}`, event: { key: status, vars: { agent } } });
    await this.relay.publish({ type: 'conversation', conversationId: conv.id, status, assignedTo: agent });
    await this.relay.publish({ type: 'queue' });
  }

  /**
   * Moves the case (history: who, what, when) when the move is allowed; otherwise only notes it.
   * `onlyFrom in_review` for release: a decided case keeps its decision.
   */
  private async caseTo(reference: string, status: CaseStatus, by: string, note: string, onlyFromInReview = false): Promise<void> {
    try {
      const record = await this.deps.cases.get(reference);
      if (!record) return;
      const allowed = record.status !== status && (!onlyFromInReview || record.status === 'in_review') && ['submitted', 'awaiting_review', 'in_review'].includes(record.status);
      if (allowed) await this.deps.cases.updateStatus(reference, status, by, note);
      else await this.deps.cases.note(reference, by, note);
    } catch (err) {
      this.deps.logger.warn({ caseRef: reference, err: (err as Error).message }, 'desk: could not update the case history');
    }
  }
}

// ---------------------------------------------------------------- helpers

function severityOf(offer: HumanOffer, record: CaseRecord | null): Severity {
  const d = record?.decision;
  if (d?.outcome === 'suspended') return 'suspended';
  if (d?.review.priority === 'high' || d?.review.reasons.includes('urgent') || offer.priority === 'high') return 'urgent';
  if (d?.review.required || offer.reason === 'needs_review') return 'review';
  return 'normal';
}

function stopCard(lang: Language, text: string): Partial<Activity> {
  const label = translator(lang)('handoff:stop.button');
  return MessageFactory.attachment(CardFactory.heroCard('', text, undefined, [{ type: ActionTypes.ImBack, title: label, value: label }]));
}

function cardText(att: { contentType?: string; content?: unknown }): string {
  const c = att.content as { title?: unknown; text?: unknown } | undefined;
  return [c?.title, c?.text].filter((x) => typeof x === 'string' && x).join('\n');
}

/** A card submit, as the agent reads it: `key: value` lines (already redacted). */
function formSummary(value: unknown): string {
  const v = redactDeep(value).value;
  if (!v || typeof v !== 'object') return String(v ?? '');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`)
    .join('\n')
    .slice(0, 2000);
}

function formatWhen(at: Date, lang: Language, timeZone: string): { day: string; time: string } {
  const locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
  return {
    day: new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' }).format(at),
    time: new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(at),
  };
}

function transcriptActivity(e: TranscriptEntry, a: Partial<Activity>): Partial<Activity> {
  const bot = a.recipient;
  const user = a.from;
  return {
    type: ActivityTypes.Message,
    id: e.seq,
    timestamp: new Date(e.at),
    from: e.from === 'customer' ? user : { ...(bot ?? { id: 'bot', name: 'bot' }), role: e.from === 'agent' ? 'agent' : 'bot' },
    text: e.text,
    conversation: a.conversation,
    channelId: a.channelId,
  } as Partial<Activity>;
}

export function isDeskLanguage(v: unknown): v is Language {
  return isLanguage(v);
}
