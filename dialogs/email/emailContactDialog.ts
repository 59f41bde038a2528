import { ActivityTypes, MessageFactory, TurnContext } from 'botbuilder';
import { Dialog, DialogContext, DialogInstance, DialogReason, DialogTurnResult } from 'botbuilder-dialogs';
import { tr } from '../../src/bot/turnContext';
import type { CaseRepository } from '../../src/cases/types';
import { LANGUAGES, translator } from '../../src/i18n';
import type { Logger } from '../../src/logger';
import { maskEmail, parseEmailAddress, partialEmail, type Notifier } from '../../src/services/notifications';
import type { AccountsPort } from '../../src/services/ports';
import { findUserAccount } from '../identity';
import { CONFIDENT, understanding, type Intent } from '../../src/nlu';
import { foldTitle as fold } from '../../src/i18n/fold';

export interface EmailContactDeps {
  notifier: Notifier;
  cases: Pick<CaseRepository, 'get' | 'setContact'>;
  accounts: AccountsPort;
  logger: Logger;
}

export interface EmailContactOptions {
  reference: string;
}

/** What the dialog ends with. `reroute`: the customer said something else; the menu handles it. */
export type EmailContactResult = { email: 'account' | 'confirmed' | 'declined' | 'skipped' } | { email: 'skipped'; reroute: string };

export const isEmailContactResult = (r: unknown): r is EmailContactResult => typeof r === 'object' && r !== null && 'email' in r;

/** The text to hand back to the menu, when the customer changed the subject. */
export const rerouteText = (r: unknown): string | undefined => (isEmailContactResult(r) && 'reroute' in r ? r.reroute : undefined);

interface State {
  reference: string;
  stage: 'account' | 'address' | 'confirm';
  /** The verified account's address (never typed by the customer; shown partly). */
  accountEmail?: string;
  /** The address the customer typed, waiting for their confirmation. */
  typed?: string;
  wrongAddresses: number;
  /** The titles of the buttons last offered (a title typed is an answer, not an interruption). */
  buttons?: string[];
}

const MAX_WRONG_ADDRESSES = 3;


/** What the recogniser must understand for each button, when the customer types rather than presses it. */
const MEANS: Record<'yes' | 'confirmYes' | 'change' | 'no', readonly Intent[]> = {
  yes: ['yes'],
  confirmYes: ['yes'],
  // "Is this address right?" "no, it's wrong": the address is to be changed.
  change: ['no'],
  no: ['no', 'skip'],
};

/** The customer's answer is this button (its title in either language) or, understood by the recogniser, means it. */
function says(context: TurnContext, text: string, button: keyof typeof MEANS, understood = true): boolean {
  const n = fold(text);
  // A button's title means that button, whatever else the words could be read as.
  const titled = (Object.keys(MEANS) as (keyof typeof MEANS)[]).find((b) => LANGUAGES.some((l) => fold(translator(l)(`email:ask.${b}`)) === n));
  if (titled) return titled === button;
  if (!understood) return false;
  const u = understanding(context);
  return u.score >= CONFIDENT && (MEANS[button] as readonly string[]).includes(u.intent);
}

/**
 * Asks how the customer wants to hear about a request by e-mail, once the case exists:
 * - with a verified account that has an address: "Shall we e-mail you at c•••n@example.com?";
 * - otherwise: the customer types an address; it is validated, shown back and confirmed with a
 *   button, then stored on the case only (never in logs, which show it masked);
 * - at any point "Don't e-mail me" keeps that choice on the case.
 * Once an address is settled, the "request recorded" e-mail is queued. A message that is none of
 * these answers (e.g. "where is my request?") ends this question and goes to the menu.
 */
export class EmailContactDialog extends Dialog<EmailContactOptions> {
  static readonly id = 'email.contact';

  constructor(private readonly deps: EmailContactDeps) {
    super(EmailContactDialog.id);
  }

  override async beginDialog(dc: DialogContext, options?: EmailContactOptions): Promise<DialogTurnResult> {
    if (!options?.reference || !this.deps.notifier.enabled) return dc.endDialog({ email: 'skipped' });
    let accountEmail: string | undefined;
    try {
      accountEmail = (await findUserAccount(this.deps.accounts, dc.context.activity))?.email;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'account lookup failed (e-mail address)');
    }
    const state: State = { reference: options.reference, stage: accountEmail ? 'account' : 'address', wrongAddresses: 0, ...(accountEmail ? { accountEmail } : {}) };
    dc.activeDialog!.state = state;
    await this.ask(dc.context, state);
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const a = dc.context.activity;
    if (a.type !== ActivityTypes.Message) return Dialog.EndOfTurn;
    const state = dc.activeDialog!.state as State;
    const text = (a.text ?? '').trim();
    const t = tr(dc.context);
    const address = parseEmailAddress(text);
    // At "is this address right?", a typed no means the address is wrong (below); only the button opts out.
    if (!address && says(dc.context, text, 'no', state.stage !== 'confirm')) return this.settle(dc, state, { optedOut: true });
    if (address) {
      state.typed = address;
      state.stage = 'confirm';
      await this.ask(dc.context, state);
      return Dialog.EndOfTurn;
    }
    if (state.stage === 'account' && says(dc.context, text, 'yes')) return this.settle(dc, state, {});
    if (state.stage === 'confirm' && state.typed && (says(dc.context, text, 'confirmYes') || says(dc.context, text, 'yes'))) {
      return this.settle(dc, state, { email: state.typed, confirmedAt: new Date().toISOString() });
    }
    if ((state.stage === 'confirm' && says(dc.context, text, 'change')) || (state.stage === 'address' && says(dc.context, text, 'yes'))) {
      state.stage = 'address';
      delete state.typed;
      state.buttons = [t('email:ask.no')];
      await dc.context.sendActivity(MessageFactory.suggestedActions(state.buttons, t('email:ask.changeAgain')));
      return Dialog.EndOfTurn;
    }
    if (state.stage === 'address' && text.includes('@')) {
      // Meant as an address, but not one: say how it should look, a few times.
      state.wrongAddresses += 1;
      if (state.wrongAddresses >= MAX_WRONG_ADDRESSES) {
        await dc.context.sendActivity(t('email:ask.gaveUp', { reference: state.reference }));
        return dc.endDialog({ email: 'skipped' } satisfies EmailContactResult);
      }
      state.buttons = [t('email:ask.no')];
      await dc.context.sendActivity(MessageFactory.suggestedActions(state.buttons, t('email:ask.retry')));
      return Dialog.EndOfTurn;
    }
    // Something else entirely: leave the question and let the menu answer it.
    return dc.endDialog({ email: 'skipped', reroute: text } satisfies EmailContactResult);
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    await this.ask(context, instance.state as State);
  }

  override async endDialog(_context: TurnContext, _instance: DialogInstance, _reason: DialogReason): Promise<void> {}

  private async ask(context: TurnContext, state: State): Promise<void> {
    const t = tr(context);
    const offer = async (buttons: string[], text: string) => {
      // Kept so that a title typed is read as this answer, never as an interruption (dialogs/baseDialog.ts).
      state.buttons = buttons;
      await context.sendActivity(MessageFactory.suggestedActions(buttons, text));
    };
    if (state.stage === 'confirm' && state.typed) {
      await offer([t('email:ask.confirmYes'), t('email:ask.change'), t('email:ask.no')], t('email:ask.confirm', { email: state.typed }));
    } else if (state.stage === 'account' && state.accountEmail) {
      await offer([t('email:ask.yes'), t('email:ask.no')], t('email:ask.withAccount', { reference: state.reference, email: partialEmail(state.accountEmail) }));
    } else {
      await offer([t('email:ask.no')], t('email:ask.withoutAccount', { reference: state.reference }));
    }
  }

  /** Stores the choice on the case, queues the "request recorded" e-mail when there is an address, and says so. */
  private async settle(dc: DialogContext, state: State, contact: { email?: string; confirmedAt?: string; optedOut?: boolean }): Promise<DialogTurnResult> {
    const t = tr(dc.context);
    const by = `user:${dc.context.activity.from?.id ?? 'unknown'}`;
    try {
      const record = await this.deps.cases.setContact(state.reference, contact, by);
      if (!record) throw new Error('case not found');
      if (contact.optedOut) {
        this.deps.logger.info({ caseRef: state.reference }, 'customer declined e-mails for this request');
        await dc.context.sendActivity(t('email:ask.declined', { reference: state.reference }));
        return dc.endDialog({ email: 'declined' } satisfies EmailContactResult);
      }
      const to = contact.email ?? state.accountEmail ?? '';
      this.deps.logger.info({ caseRef: state.reference, to: maskEmail(to), source: contact.email ? 'chat' : 'account' }, 'e-mail address settled');
      await this.deps.notifier.notifyRequestRecorded(record);
      await dc.context.sendActivity(t('email:ask.done', { email: contact.email ?? partialEmail(to) }));
      return dc.endDialog({ email: contact.email ? 'confirmed' : 'account' } satisfies EmailContactResult);
    } catch (err) {
      this.deps.logger.warn({ caseRef: state.reference, err: (err as Error).message }, 'could not store the e-mail choice');
      await dc.context.sendActivity(t('email:ask.failed', { reference: state.reference }));
      return dc.endDialog({ email: 'skipped' } satisfies EmailContactResult);
    }
  }
}
