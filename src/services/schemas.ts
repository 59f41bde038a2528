/**
 * zod schemas for what the ports return: HTTP answers are parsed with them, and so is the demo data.
 * Order and account facts are the eligibility engine's own schemas, so a port can only return facts
 * the engine accepts.
 */
import { z } from 'zod';
import { AD_BROADCAST_STATES, DISPUTE_PROBLEMS, accountFactsSchema, moneySchema, orderFactsSchema } from '../eligibility/schema';
import {
  AD_CHANGE_REFUSALS,
  CALLS_TO_ACTION,
  INVOICE_STATUSES,
  type Invoice,
  type InvoicePauseResult,
  type MerchantComplaint,
  type MerchantComplaintStatus,
  type Account,
  type Ad,
  type AdChange,
  type AdChangeResult,
  type Order,
} from './ports';

const id = z.string().min(1).max(200);
const isoDateTime = z.iso.datetime({ offset: true });

/** `GET /orders/{orderNumber}` → 200 body. */
export const orderSchema = z.object({
  facts: orderFactsSchema,
  ownerAccountId: id,
  label: z.string().min(1).max(200).optional(),
  adId: id.optional(),
  merchantName: z.string().min(1).max(200).optional(),
});

/** `GET /accounts/{id}` and `GET /accounts?channelId=…&userId=…` → 200 body. */
export const accountSchema = accountFactsSchema.extend({
  id,
  displayName: z.string().min(1).max(200).optional(),
  /** Verified e-mail address of the account: where notifications go (src/services/notifications). */
  email: z.string().email().max(254).optional(),
});

export const adTargetingSchema = z
  .object({
    locations: z.array(z.string().min(1).max(100)).min(1).max(50),
    ageMin: z.number().int().min(13).max(100),
    ageMax: z.number().int().min(13).max(100),
    interests: z.array(z.string().min(1).max(100)).max(50),
  })
  .refine((t) => t.ageMin <= t.ageMax, { message: 'ageMin must not exceed ageMax', path: ['ageMax'] });

export const adPostSchema = z.object({
  title: z.string().min(1).max(120),
  text: z.string().min(1).max(2000),
  imageUrl: z.url().max(2000).optional(),
});

/** `GET /ads/{adId}` → 200 body; also the `ad` of a change result. */
export const adSchema = z.object({
  id,
  orderId: id,
  ownerAccountId: id,
  status: z.enum(AD_BROADCAST_STATES),
  targeting: adTargetingSchema,
  callToAction: z.enum(CALLS_TO_ACTION),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  post: adPostSchema,
  updatedAt: isoDateTime,
});

/** Body field `change` of `POST /ads/{adId}/changes`. */
export const adChangeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('targeting'),
    targeting: z
      .object({
        locations: adTargetingSchema.shape.locations,
        ageMin: adTargetingSchema.shape.ageMin,
        ageMax: adTargetingSchema.shape.ageMax,
        interests: adTargetingSchema.shape.interests,
      })
      .partial()
      .strict(),
  }),
  z.object({ kind: z.literal('call_to_action'), callToAction: z.enum(CALLS_TO_ACTION) }),
  z.object({ kind: z.literal('duration'), endsAt: isoDateTime }),
  z.object({ kind: z.literal('post'), post: adPostSchema.partial().strict() }),
  z.object({ kind: z.literal('pause') }),
  z.object({ kind: z.literal('resume') }),
]);

export const adFieldChangeSchema = z.discriminatedUnion('field', [
  z.object({ field: z.literal('targeting'), before: adTargetingSchema, after: adTargetingSchema }),
  z.object({ field: z.literal('callToAction'), before: z.enum(CALLS_TO_ACTION), after: z.enum(CALLS_TO_ACTION) }),
  z.object({ field: z.literal('endsAt'), before: isoDateTime, after: isoDateTime }),
  z.object({ field: z.literal('post'), before: adPostSchema, after: adPostSchema }),
  z.object({ field: z.literal('status'), before: z.enum(AD_BROADCAST_STATES), after: z.enum(AD_BROADCAST_STATES) }),
]);

/** `POST /ads/{adId}/changes` → 200 body. */
export const adChangeResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), ad: adSchema, changes: z.array(adFieldChangeSchema).min(1) }),
  z.object({ ok: z.literal(false), reason: z.enum(AD_CHANGE_REFUSALS), ad: adSchema }),
]);

/** `GET /invoices?orderId=…&accountId=…` → 200 body; also the `invoice` of a pause result. */
export const invoiceSchema = z.object({
  id,
  orderId: id,
  ownerAccountId: id,
  amountDue: moneySchema,
  dueDate: z.iso.date(),
  status: z.enum(INVOICE_STATUSES),
});

/** `POST /invoices/{invoiceId}/pause` → 200 body. */
export const invoicePauseResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), invoice: invoiceSchema, alreadyPaused: z.boolean() }),
  z.object({ ok: z.literal(false), reason: z.enum(['paid', 'cancelled']), invoice: invoiceSchema }),
]);

/** Body of `POST /complaints` (what the bot sends; also checked before sending). */
export const merchantComplaintSchema = z.object({
  caseRef: z.string().min(1).max(40),
  merchantName: z.string().min(1).max(200),
  orderId: id,
  problem: z.enum(DISPUTE_PROBLEMS),
  language: z.enum(['en', 'fr']),
  message: z.string().min(1).max(4000),
});

/** `POST /complaints` → 200 body. */
export const complaintSentSchema = z.object({ deadline: isoDateTime });

/** `GET /complaints/{caseRef}` → 200 body. */
export const merchantComplaintStatusSchema = z
  .object({ answered: z.boolean(), answeredAt: isoDateTime.optional() })
  .refine((s) => s.answered || s.answeredAt === undefined, { message: 'answeredAt only when answered', path: ['answeredAt'] });

/** zod issues as short `path: message` lines (never the values themselves). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

// Compile-time checks: the schemas produce exactly the port types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.infer<typeof orderSchema>, Order>,
  Same<z.infer<typeof accountSchema>, Account>,
  Same<z.infer<typeof adSchema>, Ad>,
  Same<z.infer<typeof adChangeSchema>, AdChange>,
  Same<z.infer<typeof adChangeResultSchema>, AdChangeResult>,
  Same<z.infer<typeof invoiceSchema>, Invoice>,
  Same<z.infer<typeof invoicePauseResultSchema>, InvoicePauseResult>,
  Same<z.infer<typeof merchantComplaintSchema>, MerchantComplaint>,
  Same<z.infer<typeof merchantComplaintStatusSchema>, MerchantComplaintStatus>,
] = [true, true, true, true, true, true, true, true, true];
void sameTypes;
