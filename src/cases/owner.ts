/**
 * Who may see a case ("a user never sees another user's case").
 *
 * Matching rule between the case's owner and the person asking:
 *  1. both have a verified account id → the same account id, whatever the channel;
 *  2. otherwise → the same channel and the same channel user id.
 * So a verified account sees its cases from any channel (Teams, signed-in web chat), and a case
 * created by a verified account is never shown to a different verified account, even on the same
 * channel user. An anonymous web chat user sees only the cases made with the same channel user id
 * (Direct Line user ids may change between sessions: then only the reference read to an agent helps).
 */
import type { CaseOwner } from './types';

export function matchesOwner(caseOwner: CaseOwner, asker: CaseOwner): boolean {
  if (caseOwner.accountId !== undefined && asker.accountId !== undefined) return caseOwner.accountId === asker.accountId;
  return caseOwner.channelId === asker.channelId && caseOwner.userId === asker.userId;
}

/** The owner indexes a case is listed in: its channel user, and its account when verified. */
export function ownerIndexIds(owner: CaseOwner): string[] {
  const ids = [`user:${JSON.stringify([owner.channelId, owner.userId])}`];
  if (owner.accountId !== undefined) ids.push(`account:${owner.accountId}`);
  return ids;
}
