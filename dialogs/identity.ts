import type { Activity } from 'botbuilder';
import type { Account, AccountsPort } from '../src/services/ports';
import { verifiedTeamsUser } from '../src/channels/teams/identity';

/**
 * Who the user is, as far as the bot can trust it.
 *
 * - `channelData.verifiedAccountId` is set only by the embedded web channel, from the signed token a
 *   host site generated (src/channels/directline/sanitize.ts); `/api/messages` strips the field from
 *   whatever arrives from outside (src/server/createServer.ts), so a client can't claim an account.
 * - In Teams, the account is looked up by tenant id + AAD object id, and only when the request
 *   carried a valid Bot Framework token (src/channels/teams/identity.ts); without one, a Teams user
 *   has no account here, whatever the activity says.
 * - Otherwise the account service may know the channel user (demo users).
 * - Anything the user says about their tier is never read.
 */
export function verifiedAccountId(activity: Partial<Activity>): string | undefined {
  const id = (activity.channelData as { verifiedAccountId?: unknown } | undefined)?.verifiedAccountId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** The verified account of the user, or null (anonymous, unknown, or the service is down). */
export async function findUserAccount(accounts: AccountsPort, activity: Partial<Activity>): Promise<Account | null> {
  const id = verifiedAccountId(activity);
  if (id) return accounts.getAccount(id);
  if ((activity.channelId ?? '').toLowerCase() === 'msteams') {
    const teams = verifiedTeamsUser(activity);
    if (!teams) return null;
    return accounts.findAccountForUser({ channelId: 'msteams', userId: activity.from?.id ?? '', tenantId: teams.tenantId, aadObjectId: teams.aadObjectId });
  }
  return accounts.findAccountForUser({ channelId: activity.channelId ?? '', userId: activity.from?.id ?? '' });
}
