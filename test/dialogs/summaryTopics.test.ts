import { createHarness, type Conversation, type Harness } from './harness';
import { casesOf, referenceIn, T } from './flow';
import type { Language } from '../../src/i18n';

/*
 * A correction typed at the summary of the payment report and of the dispute, read by the one
 * recogniser (corpus section `summary`, no word lists): it asks that field's question again, and a
 * typed "yes" sends the request. Noah's demo purchases (docs/demo-data.md).
 */
const TZ = 'Europe/Paris';
const DAY = 86_400_000;
const daysAgo = (n: number, lang: Language) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', timeZone: TZ }).format(new Date(Date.now() - n * DAY));

describe('a typed answer at the summary of another topic', () => {
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  /** Payment not showing, card, four days ago, a proof reference: the report's summary. */
  async function paymentSummary(lang: Language): Promise<Conversation> {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    await c.send(lang === 'fr' ? "mon paiement n'apparaît pas" : "my payment isn't showing");
    await c.send('FL-800005');
    await c.send(daysAgo(4, lang));
    await c.send(t('payment:method.card'));
    await c.send(t('refund:yes'));
    await c.send(t('refund:yes'));
    expect(await c.send(t('refund:no'))).toContain(t('payment:ask.proof'));
    expect(await c.send('PAY-2026-004455')).toContain(t('payment:summary.title'));
    return c;
  }

  /** A complaint about FL-900004 (not arrived, the shop did not answer): its summary. */
  async function disputeSummary(lang: Language): Promise<Conversation> {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    await c.send(lang === 'fr' ? "j'ai un souci avec un marchand" : 'I have a problem with a seller');
    await c.send('FL-900004');
    await c.send(t('dispute:problems.not_arrived.label'));
    expect(await c.send(t('dispute:contacts.no_reply.label'))).toContain(t('dispute:summary.title'));
    return c;
  }

  describe('payment report', () => {
    it.each([
      ['en', 'the date is wrong', 'paidAt'],
      ['fr', "la date n'est pas bonne", 'paidAt'],
      ['fr', "j'ai payé par carte en fait", 'method'],
      ['en', 'i paid by transfer not card', 'method'],
    ] as const)('%s: "%s" asks the %s question again; the rest is kept', async (lang, text, field) => {
      const t = T(lang);
      const c = await paymentSummary(lang);
      const asked = await c.send(text);
      expect(asked).toContain(t('refund:summary.correcting'));
      expect(asked).toContain(t(`payment:ask.${field}`));
      expect(asked).not.toContain(t('payment:retry.summary'));
      if (field === 'paidAt') {
        const summary = await c.send(daysAgo(5, lang));
        expect(summary).toContain(t('payment:summary.title'));
        expect(summary).toContain('"value":"FL-800005"');
        expect(summary).toContain('PAY-2026-004455');
      }
    });

    it.each([
      ['fr', "oui c'est bon"],
      ['en', 'yes that is all good'],
    ] as const)('%s: "%s" sends the report', async (lang, text) => {
      const t = T(lang);
      const c = await paymentSummary(lang);
      const answer = await c.send(text);
      expect(answer).toContain(t('payment:answer.filed'));
      expect(referenceIn(answer)).toMatch(/^PN-/);
      expect(await casesOf(h, c, 'ACC-NOAH')).toHaveLength(1);
    });

    it.each([
      ['en', 'change the link'],
      ['fr', 'non'],
    ] as const)('%s: "%s" (a field the report does not show, or a plain no) asks which of its own fields', async (lang, text) => {
      const t = T(lang);
      const c = await paymentSummary(lang);
      const asked = await c.send(text);
      expect(asked).toContain(t('payment:summary.which'));
      expect(asked).not.toContain(t('refund:summary.correcting'));
    });
  });

  describe('dispute', () => {
    it.each([
      ['fr', 'le vendeur a répondu en fait', 'contact'],
      ['en', 'the seller did answer actually', 'contact'],
      ['en', 'wrong problem', 'problem'],
      ['fr', "c'est pas le bon problème", 'problem'],
    ] as const)('%s: "%s" asks the %s question again; the rest is kept', async (lang, text, field) => {
      const t = T(lang);
      const c = await disputeSummary(lang);
      const asked = await c.send(text);
      expect(asked).toContain(t('refund:summary.correcting'));
      expect(asked).toContain(t(`dispute:ask.${field}`, { merchant: 'Atelier Verre' }));
      expect(asked).not.toContain(t('dispute:retry.summary'));
      const summary = await c.send(field === 'problem' ? t('dispute:problems.damaged.label') : t('dispute:contacts.unsatisfactory_offer.label'));
      expect(summary).toContain(t('dispute:summary.title'));
      expect(summary).toContain('FL-900004');
      expect(summary).toContain(t(field === 'problem' ? 'dispute:contacts.no_reply.label' : 'dispute:problems.not_arrived.label'));
    });

    it.each([
      ['en', 'the amount is wrong'],
      ['fr', 'non'],
    ] as const)('%s: "%s" (a field the complaint does not show, or a plain no) asks which of its own fields', async (lang, text) => {
      const t = T(lang);
      const c = await disputeSummary(lang);
      const asked = await c.send(text);
      expect(asked).toContain(t('dispute:summary.which'));
      expect(asked).not.toContain(t('refund:summary.which'));
      expect(asked).not.toContain(t('refund:summary.correcting'));
    });

    it.each([
      ['fr', "oui c'est bon"],
      ['en', 'yes send it'],
    ] as const)('%s: "%s" sends the complaint', async (lang, text) => {
      const c = await disputeSummary(lang);
      const answer = await c.send(text);
      expect(answer).not.toContain(T(lang)('dispute:retry.summary'));
      expect(await h.cases.get(referenceIn(answer))).toBeTruthy();
    });
  });
});
