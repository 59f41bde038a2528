import { z } from 'zod';
import type { TokenClaims } from './tokens';

/*
 * What a browser may put in an activity, and what the channel writes itself.
 *
 * The client's activity is parsed with zod; only the fields below survive. Everything that says who
 * is speaking or on which conversation (from, recipient, conversation, channelId, serviceUrl, id,
 * timestamp) is set here from the token and the URL, never taken from the body.
 *
 * channelData keeps only what Web Chat needs to match its own messages (clientActivityID,
 * clientTimestamp, attachmentSizes) and to hide button presses (postBack, messageBack). Then, and
 * only then, the channel adds:
 *
 *   channelData.verifiedAccountId   the account id the HOST SITE vouched for when it generated the
 *                                   token (server to server, with DIRECTLINE_SECRET). Absent for an
 *                                   anonymous visitor. A value sent by the browser is always dropped,
 *                                   so a dialog may trust this field on activities whose channelId is
 *                                   'directline' (see DIRECTLINE_CHANNEL_ID). Tier, "pro" flags and the
 *                                   like sent by the browser are dropped too: look the account up.
 */

export const DIRECTLINE_CHANNEL_ID = 'directline';

const locale = z.string().max(35).regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/);

const clientInfo = z.object({
  type: z.literal('clientInfo'),
  locale: locale.optional().catch(undefined),
  country: z.string().max(10).optional().catch(undefined),
  platform: z.string().max(40).optional().catch(undefined),
  timezone: z.string().max(64).optional().catch(undefined),
});

const clientChannelData = z.object({
  clientActivityID: z.string().max(100).optional().catch(undefined),
  clientTimestamp: z.string().max(40).optional().catch(undefined),
  attachmentSizes: z.array(z.number().int().nonnegative()).max(10).optional().catch(undefined),
  postBack: z.boolean().optional().catch(undefined),
  messageBack: z.object({ displayText: z.string().max(500).optional() }).optional().catch(undefined),
});

/** The fields of a client activity the channel reads. Unknown fields are dropped. */
export const clientActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().max(10000).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional().catch(undefined),
  locale: locale.optional().catch(undefined),
  localTimestamp: z.string().max(40).optional().catch(undefined),
  localTimezone: z.string().max(64).optional().catch(undefined),
  name: z.string().max(100).optional(),
  value: z.unknown().optional(),
  channelData: z.unknown().optional(),
  entities: z.array(z.unknown()).max(20).optional().catch(undefined),
});
export type ClientActivity = z.infer<typeof clientActivitySchema>;

export interface ChannelContext {
  claims: TokenClaims;
  conversationId: string;
  serviceUrl: string;
  bot: { id: string; name: string };
}

/** The activity the channel stores and hands to the bot, built from a parsed client activity. */
export function buildUserActivity(input: ClientActivity, ctx: ChannelContext, extra: { attachments?: unknown[] } = {}) {
  const cd = clientChannelData.safeParse(input.channelData ?? {});
  const channelData: Record<string, unknown> = {};
  if (cd.success) for (const [k, v] of Object.entries(cd.data)) if (v !== undefined) channelData[k] = v;
  if (ctx.claims.acct) channelData.verifiedAccountId = ctx.claims.acct;

  const entities = (input.entities ?? [])
    .map((e) => clientInfo.safeParse(e))
    .filter((r) => r.success)
    .map((r) => r.data)
    .slice(0, 1);

  return {
    type: input.type,
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.textFormat ? { textFormat: input.textFormat } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
    ...(input.localTimestamp ? { localTimestamp: input.localTimestamp } : {}),
    ...(input.localTimezone ? { localTimezone: input.localTimezone } : {}),
    ...(input.type === 'event' && input.name ? { name: input.name } : {}),
    ...(input.value !== undefined ? { value: input.value } : {}),
    ...(extra.attachments ? { attachments: extra.attachments } : {}),
    ...(entities.length ? { entities } : {}),
    channelData,
    channelId: DIRECTLINE_CHANNEL_ID,
    serviceUrl: ctx.serviceUrl,
    from: { id: ctx.claims.user, ...(ctx.claims.name ? { name: ctx.claims.name } : {}), role: 'user' },
    recipient: { id: ctx.bot.id, name: ctx.bot.name, role: 'bot' },
    conversation: { id: ctx.conversationId },
    timestamp: new Date().toISOString(),
  };
}

/** Body of POST /v3/directline/tokens/generate (server to server, with the secret). */
export const generateBodySchema = z
  .object({
    user: z
      .object({
        id: z.string().regex(/^[A-Za-z0-9_.:@|-]{1,128}$/, { message: 'letters, digits and _ . : @ | - (1-128)' }).optional(),
        name: z.string().min(1).max(100).optional(),
      })
      .optional(),
    /** The account id the host site has verified (its own login). Pro status is then looked up by the bot. */
    verifiedAccountId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, { message: 'letters, digits and _ . : @ - (1-128)' }).optional(),
  })
  .strict();

/** Body of POST /v3/directline/conversations (directlinejs sends the locale it starts with). */
export const startBodySchema = z.object({ locale: locale.optional().catch(undefined) }).catch({ locale: undefined });
