import { randomBytes } from 'node:crypto';
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import { tr } from '../../src/bot/turnContext';

/**
 * Per-card tokens. A card that asks something (the summary, the form) carries a token drawn when
 * it is shown, and the dialog keeps the token of the card it is waiting for. A submit carrying any
 * other token comes from an older card: it is answered "out of date", changes nothing, and the
 * real current question is asked again.
 */
export const newCardToken = (): string => randomBytes(9).toString('base64url');

/** The token a card's submit carries (`card` in its data), if any. */
export function cardTokenOf(value: unknown): string | undefined {
  const card = (value as { card?: unknown } | null | undefined)?.card;
  return typeof card === 'string' ? card : undefined;
}

/**
 * Whether a submit comes from the card being waited for. A submit without a token (a card sent
 * before tokens existed) is taken as current; one with a token must carry exactly that one.
 */
export function isCurrentCard(value: unknown, current: string | undefined): boolean {
  const got = cardTokenOf(value);
  return got === undefined || got === current;
}

/** "This card is out of date, so I haven't changed anything", then the current question again. */
export async function answerOutOfDate(inner: DialogContext): Promise<DialogTurnResult> {
  await inner.context.sendActivity(tr(inner.context)('common:staleCard'));
  await inner.repromptDialog();
  return { status: DialogTurnStatus.waiting };
}
