import type { Profile, ServiceType } from '../../src/eligibility';

/*
 * What a request must include, per policy profile. These only decide which questions are asked;
 * the engine still decides the outcome (and names any fact that is missing).
 */

/** R3: a screenshot is optional (standard). B10: a request gives useful screenshots (balance-only). */
export function proofIsOptional(profile: Profile): boolean {
  return profile === 'standard';
}

/** B10: a digital service is reviewed against the link or profile it was ordered for. */
export function needsLink(profile: Profile, serviceType: ServiceType | undefined): boolean {
  return profile === 'balance-only' && serviceType === 'digital_service';
}
