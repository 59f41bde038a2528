/**
 * The R7 changes on an ad, as pure functions: what the demo ads adapter applies, and the rules the
 * HTTP ads service is expected to follow (docs/services-api.md).
 *
 * - targeting, call to action, post: merged into the ad; allowed in every state (on a finished ad they
 *   apply if it runs again).
 * - duration: a new end date-time, after the start; for an ad that has started, in the future. On a
 *   finished ad a future end runs it again (status → broadcasting).
 * - pause: only a broadcasting ad. resume: only a paused ad whose end is still ahead.
 * A change that leaves the ad as it is answers `no_change`; nothing is written.
 */
import type { Ad, AdChange, AdChangeResult, AdFieldChange, AdStatus } from './ports';
import { adChangeSchema, adPostSchema, adTargetingSchema } from './schemas';

/** The status an ad has at `now`, from its dates (a stored ad ages like a real one). */
export function effectiveAdStatus(ad: Ad, now: Date): AdStatus {
  const t = now.getTime();
  if (ad.status === 'not_started' && Date.parse(ad.startsAt) <= t) {
    return Date.parse(ad.endsAt) <= t ? 'finished' : 'broadcasting';
  }
  if (ad.status === 'broadcasting' && Date.parse(ad.endsAt) <= t) return 'finished';
  return ad.status;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Applies one change to `ad` (already aged with `effectiveAdStatus`) at `now`. Pure. */
export function applyAdChange(ad: Ad, change: AdChange, now: Date): AdChangeResult {
  const parsed = adChangeSchema.safeParse(change);
  if (!parsed.success) return { ok: false, reason: 'invalid_change', ad };
  const c = parsed.data;
  const t = now.getTime();
  const changes: AdFieldChange[] = [];
  let next: Ad = ad;

  switch (c.kind) {
    case 'targeting': {
      const merged = adTargetingSchema.safeParse({ ...ad.targeting, ...c.targeting });
      if (!merged.success) return { ok: false, reason: 'invalid_change', ad };
      if (!same(merged.data, ad.targeting)) {
        changes.push({ field: 'targeting', before: ad.targeting, after: merged.data });
        next = { ...next, targeting: merged.data };
      }
      break;
    }
    case 'call_to_action':
      if (c.callToAction !== ad.callToAction) {
        changes.push({ field: 'callToAction', before: ad.callToAction, after: c.callToAction });
        next = { ...next, callToAction: c.callToAction };
      }
      break;
    case 'post': {
      const merged = adPostSchema.safeParse({ ...ad.post, ...c.post });
      if (!merged.success) return { ok: false, reason: 'invalid_change', ad };
      if (!same(merged.data, ad.post)) {
        changes.push({ field: 'post', before: ad.post, after: merged.data });
        next = { ...next, post: merged.data };
      }
      break;
    }
    case 'duration': {
      const end = Date.parse(c.endsAt);
      if (end <= Date.parse(ad.startsAt)) return { ok: false, reason: 'invalid_change', ad };
      if (ad.status !== 'not_started' && end <= t) return { ok: false, reason: 'invalid_change', ad };
      const endsAt = new Date(end).toISOString();
      if (end !== Date.parse(ad.endsAt)) {
        changes.push({ field: 'endsAt', before: ad.endsAt, after: endsAt });
        next = { ...next, endsAt };
        if (ad.status === 'finished') {
          changes.push({ field: 'status', before: 'finished', after: 'broadcasting' });
          next = { ...next, status: 'broadcasting' };
        }
      }
      break;
    }
    case 'pause':
      if (ad.status === 'finished') return { ok: false, reason: 'ad_finished', ad };
      if (ad.status === 'paused') return { ok: false, reason: 'already_paused', ad };
      if (ad.status === 'not_started') return { ok: false, reason: 'not_started', ad };
      changes.push({ field: 'status', before: ad.status, after: 'paused' });
      next = { ...next, status: 'paused' };
      break;
    case 'resume':
      if (ad.status === 'finished' || (ad.status === 'paused' && Date.parse(ad.endsAt) <= t)) {
        return { ok: false, reason: 'ad_finished', ad };
      }
      if (ad.status !== 'paused') return { ok: false, reason: 'not_paused', ad };
      changes.push({ field: 'status', before: 'paused', after: 'broadcasting' });
      next = { ...next, status: 'broadcasting' };
      break;
  }

  if (changes.length === 0) return { ok: false, reason: 'no_change', ad };
  return { ok: true, ad: { ...next, updatedAt: now.toISOString() }, changes };
}
