import { REFUND_REASONS, type RefundReason } from '../../src/eligibility';
import { LANGUAGES, translator } from '../../src/i18n';
import { parseAmount, findAmountInText } from '../../dialogs/slots/amount';
import { parseOrderNumber } from '../../dialogs/slots/orderNumber';
import { reasonsFor } from '../../dialogs/slots/reason';
import { parseReasonText } from '../../dialogs/slots/freeText';
import { parsePaymentReference, parseProofAnswer } from '../../dialogs/slots/proof';
import { parseSummaryAction, summaryFromReading } from '../../dialogs/slots/summaryAction';
import { parseRefundForm } from '../../dialogs/slots/formSubmission';
import { extractFacts } from '../../dialogs/slots/extract';
import { parseDays, parseLocations, parsePostText } from '../../dialogs/slots/adChange';
import { parseLink } from '../../dialogs/slots/link';
import { needsLink, proofIsOptional } from '../../dialogs/slots/requirements';

const eur = (minor: number) => ({ ok: true, value: { minor, currency: 'EUR' } });

describe('amount parser (recognizers, both languages)', () => {
  const cases: [string, 'en' | 'fr', unknown][] = [
    ['49,90 €', 'fr', eur(4990)],
    ['49,90 €', 'en', eur(4990)],
    ['49.90', 'en', eur(4990)],
    ['49.90', 'fr', eur(4990)],
    ['49,90', 'fr', eur(4990)],
    ['€49.90', 'en', eur(4990)],
    ['€49.90', 'fr', eur(4990)],
    ['49 euros 90', 'fr', eur(4990)],
    ['49 euros 90', 'en', eur(4990)],
    ['quarante-neuf euros', 'fr', eur(4900)],
    ['forty-nine euros', 'en', eur(4900)],
    ['49 euros et 90 centimes', 'fr', eur(4990)],
    ['1 234,56 €', 'fr', eur(123456)],
    ['€1,234.56', 'en', eur(123456)],
    ['EUR 49.90', 'en', eur(4990)],
    ['$12', 'en', { ok: true, value: { minor: 1200, currency: 'USD' } }],
    ['0', 'en', { ok: false, error: 'zero' }],
    ['-5 €', 'fr', { ok: false, error: 'zero' }],
    ['1000000 €', 'fr', { ok: false, error: 'too_large' }],
    ['abc', 'en', { ok: false, error: 'not_amount' }],
    ['', 'fr', { ok: false, error: 'not_amount' }],
  ];
  it.each(cases)('%s (%s)', (text, lang, expected) => expect(parseAmount(text, lang)).toEqual(expected));

  it('reads a bare number in the order currency', () => {
    expect(parseAmount('12.50', 'en', 'GBP')).toEqual({ ok: true, value: { minor: 1250, currency: 'GBP' } });
  });

  it('finds an amount with its currency inside a sentence, never a bare number', () => {
    expect(findAmountInText("Je veux être remboursé de 49,90 € pour la commande FL-123456, j'ai payé deux fois", 'fr')).toEqual({ minor: 4990, currency: 'EUR' });
    expect(findAmountInText('refund of €49.90 for FL-123456', 'en')).toEqual({ minor: 4990, currency: 'EUR' });
    expect(findAmountInText('order FL-123456, I paid twice', 'en')).toBeUndefined();
  });
});

describe('order number parser', () => {
  it.each([
    ['FL-123456', 'FL-123456'],
    ['fl 123 456', 'FL-123456'],
    ['#fl123456', 'FL-123456'],
    ["c'est la commande FL-123456", 'FL-123456'],
  ])('%s → %s', (text, expected) => expect(parseOrderNumber(text)).toEqual({ ok: true, value: expected }));
  it.each(['123456', 'FL-12345', 'hello', ''])('%s is refused', (text) => expect(parseOrderNumber(text)).toEqual({ ok: false, error: 'format' }));
});

describe('reasons', () => {
  // Reasons stated in free text are read by the recogniser: test/nlu/understand.test.ts.
  it('offers the reasons that fit the profile and the purchase, "other" last', () => {
    expect(reasonsFor('standard', 'ad')).toContain('not_broadcast');
    expect(reasonsFor('standard', 'top_up')).not.toContain('not_broadcast');
    expect(reasonsFor('balance-only', 'digital_service')).toContain('partial_delivery');
    expect(reasonsFor('standard', undefined).at(-1)).toBe('other');
    for (const r of reasonsFor('balance-only', 'vip_plan')) expect(REFUND_REASONS).toContain(r);
  });
  it('free text for "other"', () => {
    expect(parseReasonText('  the picture was wrong ')).toEqual({ ok: true, value: 'the picture was wrong' });
    expect(parseReasonText('!!')).toEqual({ ok: false, error: 'empty' });
    expect(parseReasonText('a'.repeat(501))).toEqual({ ok: false, error: 'too_long' });
  });
});

describe('proof answer', () => {
  const png = { name: 'receipt.png', contentType: 'image/png', contentUrl: 'data:image/png;base64,AAAA' };
  it.each([
    [{ attachments: [png] }, true, { ok: true, value: { kind: 'attachment', attachment: png } }],
    [{ attachments: [png, png] }, true, { ok: false, error: 'several_files' }],
    [{ text: 'PAY-2024-001234' }, true, { ok: true, value: { kind: 'reference', reference: 'PAY-2024-001234' } }],
    // The recogniser's skip ("passer", "no I don't have one") or no.
    [{ text: 'passer', intent: 'skip' }, true, { ok: true, value: { kind: 'skip' } }],
    [{ text: "no I don't have one", intent: 'skip' }, true, { ok: true, value: { kind: 'skip' } }],
    [{ text: 'non', intent: 'no' }, true, { ok: true, value: { kind: 'skip' } }],
    [{ text: 'skip', intent: 'skip' }, false, { ok: false, error: 'skip_not_allowed' }],
    [{ text: 'PAY-2024-001234', intent: 'no' }, true, { ok: true, value: { kind: 'reference', reference: 'PAY-2024-001234' } }],
    [{ text: 'I am not sure what you mean' }, true, { ok: false, error: 'not_reference' }],
    [{ text: '' }, true, { ok: false, error: 'empty' }],
  ])('%j (optional %s)', (input, optional, expected) => expect(parseProofAnswer(input, { optional })).toEqual(expected));
  it('ignores cards as attachments', () => {
    expect(parseProofAnswer({ text: 'skip', intent: 'skip', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: 'x' }] }, { optional: true })).toEqual({ ok: true, value: { kind: 'skip' } });
  });
  it.each(['TX 8841 2291', 'pi_3Nq8ZkL2', '#AB12CD34'])('payment reference %s', (r) => expect(parsePaymentReference(r).ok).toBe(true));
  it.each(['abc', 'hello there', '12'])('not a payment reference: %s', (r) => expect(parsePaymentReference(r).ok).toBe(false));
});

describe('summary action', () => {
  const titles = (key: string) => LANGUAGES.map((l) => translator(l)(key) as string);
  const w = {
    confirm: titles('refund:summary.confirm'),
    fields: {
      order: titles('refund:summary.change.order'),
      amount: titles('refund:summary.change.amount'),
      reason: titles('refund:summary.change.reason'),
      proof: titles('refund:summary.change.proof'),
    },
  };
  it.each([
    [{ value: { action: 'refund.confirm' } }, { action: 'confirm' }],
    [{ value: { action: 'refund.confirm', card: 'abc' } }, { action: 'confirm' }],
    [{ value: { action: 'refund.correct', field: 'amount' } }, { action: 'correct', field: 'amount' }],
    [{ text: 'Confirm' }, { action: 'confirm' }],
    [{ text: 'confirmer !' }, { action: 'confirm' }],
    [{ text: 'Modifier le montant' }, { action: 'correct', field: 'amount' }],
    [{ text: 'change the reason' }, { action: 'correct', field: 'reason' }],
    [{ text: 'Change the proof' }, { action: 'correct', field: 'proof' }],
  ])('a button, pressed or its title typed: %j', (input, expected) => expect(parseSummaryAction(input, w)).toEqual({ ok: true, value: { kind: 'action', action: expected } }));
  it('leaves other words to the recogniser, and refuses empty answers and forged submits', () => {
    expect(parseSummaryAction({ text: 'le numéro de commande est faux' }, w)).toEqual({ ok: true, value: { kind: 'text', text: 'le numéro de commande est faux' } });
    expect(parseSummaryAction({ text: '  ' }, w).ok).toBe(false);
    expect(parseSummaryAction({ value: { action: 'refund.correct', field: 'password' } }, w).ok).toBe(false);
  });
  it.each([
    [{ name: 'amount', score: 0.9 }, { intent: 'yes', score: 0.9 }, { ok: true, value: { action: 'correct', field: 'amount' } }],
    [{ name: 'confirm', score: 0.9 }, { intent: 'none', score: 0 }, { ok: true, value: { action: 'confirm' } }],
    [{ name: 'none', score: 0 }, { intent: 'yes', score: 0.95 }, { ok: true, value: { action: 'confirm' } }],
    [{ name: 'confirm', score: 0.9 }, { intent: 'outOfScope', score: 0.9 }, { ok: false, error: 'unclear' }],
    [{ name: 'none', score: 0 }, { intent: 'no', score: 0.95 }, { ok: false, error: 'which' }],
    [{ name: 'amount', score: 0.5 }, { intent: 'none', score: 0 }, { ok: false, error: 'unclear' }],
    // Another topic's field: the caller checks its summary shows it.
    [{ name: 'paidAt', score: 0.9 }, { intent: 'none', score: 0 }, { ok: true, value: { action: 'correct', field: 'paidAt' } }],
    [{ name: 'contact', score: 0.9 }, { intent: 'no', score: 0.9 }, { ok: true, value: { action: 'correct', field: 'contact' } }],
  ] as const)('what the recogniser read: %j with %j', (reading, u, expected) => expect(summaryFromReading(reading, u)).toEqual(expected));
});

describe('form submission (same parsers as the questions)', () => {
  it('keeps valid fields and reports wrong ones', () => {
    const r = parseRefundForm({ action: 'refund.form', orderNumber: 'fl 100001', amount: 'beaucoup', reason: 'paid_by_mistake', proofReference: '' }, 'fr');
    expect(r).toEqual({ slots: { orderNumber: 'FL-100001', reason: 'paid_by_mistake' }, errors: [{ field: 'amount', error: 'not_amount' }] });
  });
  it('refuses an unknown reason code and anything that is not the form', () => {
    expect(parseRefundForm({ action: 'refund.form', reason: 'because' }, 'en')?.errors).toEqual([{ field: 'reason', error: 'choice' }]);
    expect(parseRefundForm({ action: 'other' }, 'en')).toBeUndefined();
    expect(parseRefundForm('text', 'en')).toBeUndefined();
  });
});

describe('facts in a first message', () => {
  it('fills every slot it can', () => {
    expect(extractFacts("Je veux être remboursé de 49,90 € pour la commande FL-123456, j'ai payé deux fois", 'fr', 'double_payment')).toEqual({
      orderNumber: 'FL-123456',
      amount: { minor: 4990, currency: 'EUR' },
      reason: 'double_payment',
    });
    expect(extractFacts('I want a refund', 'en')).toEqual({});
  });
});

describe('ad change answers', () => {
  it('locations', () => {
    expect(parseLocations('Paris, Lyon et Marseille')).toEqual({ ok: true, value: ['Paris', 'Lyon', 'Marseille'] });
    expect(parseLocations(' , ').ok).toBe(false);
  });
  it('days', () => {
    expect(parseDays('7', 'en')).toEqual({ ok: true, value: 7 });
    expect(parseDays('sept', 'fr')).toEqual({ ok: true, value: 7 });
    expect(parseDays('400', 'en').ok).toBe(false);
    expect(parseDays('soon', 'en').ok).toBe(false);
  });
  it('post text', () => {
    expect(parsePostText('Spring sale')).toEqual({ ok: true, value: 'Spring sale' });
    expect(parsePostText('x'.repeat(501)).ok).toBe(false);
  });
});

describe('link (B10)', () => {
  it.each([
    ['https://instagram.com/page', 'https://instagram.com/page'],
    ['instagram.com/page', 'https://instagram.com/page'],
    ['@my.page', '@my.page'],
  ])('%s', (text, expected) => expect(parseLink(text)).toEqual({ ok: true, value: expected }));
  it.each(['my profile', 'ftp://x.y/z', 'http://localhost', '@a'])('refuses %s', (text) => expect(parseLink(text).ok).toBe(false));
});

describe('what a request must include, per profile', () => {
  it('proof is optional in the standard profile only (R3, B10)', () => {
    expect(proofIsOptional('standard')).toBe(true);
    expect(proofIsOptional('balance-only')).toBe(false);
  });
  it('the link is asked for digital services in the balance-only profile (B10)', () => {
    expect(needsLink('balance-only', 'digital_service')).toBe(true);
    expect(needsLink('balance-only', 'vip_plan')).toBe(false);
    expect(needsLink('standard', 'digital_service')).toBe(false);
  });
});
