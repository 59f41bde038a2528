import type { Activity } from 'botbuilder';

/*
 * Who a Teams user is, when the bot can trust it: the tenant id and the AAD object id Teams puts in
 * the activity, believed only when the request carried a valid Bot Framework token for this bot
 * (an app id is configured; src/server/messages.ts checks the token, TeamsMiddleware checks the
 * turn's claims). The mark is a symbol on the activity object for the turn: it cannot come from
 * JSON, so nothing a client sends can set it.
 */

const TEAMS_USER = Symbol('verifiedTeamsUser');

export interface TeamsUser {
  tenantId: string;
  aadObjectId: string;
}

/** The tenant id of a Teams activity (channelData.tenant.id, else conversation.tenantId). */
export function teamsTenantId(a: Partial<Activity>): string | undefined {
  const fromChannelData = (a.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const id = typeof fromChannelData === 'string' && fromChannelData ? fromChannelData : a.conversation?.tenantId;
  return typeof id === 'string' && id ? id : undefined;
}

/** Marks the activity's user as verified for this turn (call only after the token was checked). */
export function rememberTeamsUser(a: Activity): void {
  const tenantId = teamsTenantId(a);
  const aadObjectId = a.from?.aadObjectId;
  if (!tenantId || typeof aadObjectId !== 'string' || !aadObjectId) return;
  Object.defineProperty(a, TEAMS_USER, { value: { tenantId, aadObjectId } satisfies TeamsUser, enumerable: false, configurable: true });
}

/** The verified Teams user of this activity, or undefined (no token, no AAD id, not Teams). */
export function verifiedTeamsUser(a: Partial<Activity>): TeamsUser | undefined {
  return (a as { [TEAMS_USER]?: TeamsUser })[TEAMS_USER];
}
