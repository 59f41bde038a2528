/** Case builders for the eligibility tests: small raw inputs, parsed by the real schema. */
import { evaluate, parseEligibilityInput, type Decision, type EligibilityInputRaw, type Profile } from '../../src/eligibility';

export const TZ = 'Europe/Paris';
/** Wednesday 15 May 2024, 10:00 in Paris. */
export const NOW = '2024-05-15T10:00:00+02:00';

export const eur = (minor: number) => ({ minor, currency: 'EUR' });

export const ACCOUNT = { id: 'U1', tier: 'standard', fraudFlag: false, openChargeback: false } as const;
export const PRO = { ...ACCOUNT, tier: 'pro' } as const;

type RawCase = EligibilityInputRaw['case'];
type RawOrder = NonNullable<RawCase['order']>;

export function order(over: Partial<RawOrder> = {}): RawOrder {
  return {
    id: 'ORD-1',
    serviceType: 'ad',
    status: 'pending',
    amountPaid: eur(3000),
    paymentMethod: 'card',
    paidAt: '2024-05-10T09:00:00+02:00',
    ...over,
  };
}

export function kase(over: Partial<RawCase> = {}): RawCase {
  return { topic: 'refund', now: NOW, account: { ...ACCOUNT }, order: order(), claims: {}, proof: {}, ...over };
}

export function input(c: RawCase, profile?: Profile): EligibilityInputRaw {
  return profile ? { profile, case: c } : { case: c };
}

/** Parses (so fixtures are valid input) and evaluates. */
export function decide(c: RawCase, profile?: Profile, timeZone = TZ, holidaysCountry?: string | null): Decision {
  const parsed = parseEligibilityInput(input(c, profile));
  if (!parsed.ok) throw new Error('invalid fixture: ' + JSON.stringify(parsed.errors));
  return evaluate(parsed.input, { timeZone, holidaysCountry });
}

/** Every clause of POLICY.md sections R, P, D and B. */
export const ALL_CLAUSES = [
  'R1.1', 'R1.2', 'R1.3', 'R1.4', 'R2.1', 'R2.2', 'R2.3', 'R2.4', 'R2.5', 'R3', 'R4',
  'R5.1', 'R5.2', 'R5.3', 'R5.4', 'R6.1', 'R6.2', 'R6.3', 'R6.4', 'R6.5', 'R7', 'R8',
  'P1', 'P2', 'P3', 'P3.1', 'P3.2', 'P3.3', 'P4', 'P5', 'P6',
  'D1', 'D2', 'D2.1', 'D2.2', 'D2.3', 'D3', 'D4', 'D5', 'D6.1', 'D6.2', 'D6.3',
  'B2', 'B3', 'B4', 'B4.1', 'B4.2', 'B4.3', 'B4.4', 'B4.5', 'B4.6', 'B5', 'B6', 'B7', 'B8', 'B9',
  'B10', 'B11', 'B12', 'B13', 'B14',
] as const;
