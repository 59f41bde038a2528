import type { Activity } from 'botbuilder';
import type { Language } from '../../src/i18n';
import { createHarness, Harness, type Reply } from './harness';
import { referenceIn, T } from './flow';

/*
 * Cards that are out of date say so when pressed, change nothing, and the real question is asked
 * again: a summary after a correction, a confirm after the request was sent, a form after the
 * request was sent (and an older form than the last one shown). Each card carries its own token.
 * Typed answers to the summary and "a form instead" are read by the recogniser, in both languages.
 */
type Data = Record<string, unknown>;
const cardOf = (replies: Reply[]): { body: Data[]; actions: { title: string; data: Data }[] } | undefined =>
  replies.flatMap((r) => r.activity.attachments ?? []).map((a) => a.content as never).at(-1);
const submitOf = (replies: Reply[], action: string, field?: string): Partial<Activity> => {
  const card = cardOf(replies);
  const button = card?.actions.find((a) => a.data.action === action && (field === undefined || a.data.field === field));
  if (!button) throw new Error(`no ${action} button in ${replies.map((r) => r.text).join('\n')}`);
  expect(typeof button.data.card).toBe('string');
  return { value: { ...button.data } };
};

const FIRST: Record<Language, string> = {
  en: 'refund for FL-100001, I paid €49 by mistake',
  fr: 'remboursement FL-100001, 49 € payés par erreur',
};
const SKIP: Record<Language, string> = { en: 'skip', fr: 'passer' };

describe.each(['en', 'fr'] as const)('out-of-date cards (%s)', (lang) => {
  const t = T(lang);
  let h: Harness;
  beforeAll(async () => (h = await createHarness()), 60000);
  afterAll(() => h.close());
  const casesOf = (c: { channelId: string; user: string }) => h.cases.listByOwner({ channelId: c.channelId, userId: c.user });

  it('a summary shown before a correction is out of date once the newer one shows; a Confirm after the request was sent too', async () => {
    const c = h.conversation({ locale: lang, user: `u-${Math.random()}` });
    await c.send(FIRST[lang]);
    const first = await c.say(SKIP[lang]);
    const oldConfirm = submitOf(first, 'refund.confirm');
    await c.say(submitOf(first, 'refund.correct', 'amount'));
    const second = await c.say(lang === 'fr' ? '49 €' : '€49');
    expect(second.map((r) => r.text).join('\n')).toContain(t('refund:summary.title'));
    const newConfirm = submitOf(second, 'refund.confirm');
    expect(newConfirm.value).not.toEqual(oldConfirm.value);

    // The first summary's Confirm, pressed while the second shows: nothing is sent, the summary is shown again.
    const stale = await c.say(oldConfirm);
    const staleText = stale.map((r) => r.text).join('\n');
    expect(staleText).toContain(t('common:staleCard'));
    expect(staleText).toContain(t('refund:summary.title'));
    expect(staleText).not.toMatch(/\bRF-/);
    expect(await casesOf(c)).toHaveLength(0);
    // Shown again, the current summary keeps its token: its Confirm still works.
    expect(submitOf(stale, 'refund.confirm').value).toEqual(newConfirm.value);

    const answer = await c.send(newConfirm);
    const ref = referenceIn(answer);
    const again = await c.send(newConfirm);
    expect(again).toContain(t('common:staleCard'));
    expect(again).not.toContain(ref);
    const cases = await casesOf(c);
    expect(cases).toHaveLength(1);
    expect(cases[0].facts.claims.amount?.minor).toBe(4900);
  });

  it('"a form instead", typed in words, shows the form; an older form, and any form after the request was sent, are out of date', async () => {
    const c = h.conversation({ locale: lang, channelId: 'webchat', user: `u-${Math.random()}` });
    await c.send(lang === 'fr' ? 'Je voudrais un remboursement' : 'I would like a refund');
    const firstForm = await c.say(lang === 'fr' ? 'je préfère remplir un formulaire svp' : "can i just fill in a form?");
    expect(cardOf(firstForm)?.body.some((b) => b.text === t('refund:form.title'))).toBe(true);
    const older = submitOf(firstForm, 'refund.form');
    const secondForm = await c.say(t('refund:form.offer'));
    const newer = submitOf(secondForm, 'refund.form');
    const fill = { orderNumber: 'FL-100001', amount: lang === 'fr' ? '49 €' : '€49', reason: 'paid_by_mistake', proofReference: '' };

    const stale = await c.send({ value: { ...(older.value as Data), ...fill } });
    expect(stale).toContain(t('common:staleCard'));
    expect(stale).toContain(t('refund:ask.order'));

    const summary = await c.say({ value: { ...(newer.value as Data), ...fill } });
    const proofAsked = summary.map((r) => r.text).join('\n');
    expect(proofAsked).toContain(t('refund:ask.proofOptional'));
    const shown = await c.say(SKIP[lang]);
    const answer = await c.send(submitOf(shown, 'refund.confirm'));
    const ref = referenceIn(answer);

    const afterSent = await c.send({ value: { ...(newer.value as Data), ...fill, orderNumber: 'FL-100002' } });
    expect(afterSent).toContain(t('common:staleCard'));
    const cases = await casesOf(c);
    expect(cases.map((x) => x.reference)).toEqual([ref]);
    expect(cases[0].facts.claims.orderNumber).toBe('FL-100001');
  });

  it('typed answers to the summary are read by the recogniser: a field to change, a plain no, a yes', async () => {
    const c = h.conversation({ locale: lang, user: `u-${Math.random()}` });
    await c.send(FIRST[lang]);
    await c.send(SKIP[lang]);
    const which = await c.send(lang === 'fr' ? 'non' : 'no');
    expect(which).toContain(t('refund:summary.which'));
    // The link is not on this summary (an ad has none): nothing to change there.
    const noLink = await c.send(lang === 'fr' ? 'changer le lien' : 'change the link');
    expect(noLink).toContain(t('refund:summary.which'));
    expect(noLink).not.toContain(t('refund:summary.correcting'));
    const reason = await c.send(lang === 'fr' ? "le motif n'est pas le bon" : "that's not the right reason");
    expect(reason).toContain(t('refund:summary.correcting'));
    expect(reason).toContain(t('refund:ask.reason'));
    await c.send(t('refund:reasons.not_broadcast.label'));
    const answer = await c.send(lang === 'fr' ? "oui c'est tout bon, envoyez" : 'yes all good, send it');
    referenceIn(answer);
    const cases = await casesOf(c);
    expect(cases).toHaveLength(1);
    expect(cases[0].facts.claims.reason).toBe('not_broadcast');
  });
});
