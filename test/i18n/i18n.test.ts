import { detectLanguage, formatDate, formatMoney, translator } from '../../src/i18n';

describe('formatting', () => {
  it('formats money per language from minor units', () => {
    expect(formatMoney(4990, 'EUR', 'fr')).toBe('49,90\u00a0€');
    expect(formatMoney(4990, 'EUR', 'en')).toBe('€49.90');
    expect(formatMoney(123456, 'EUR', 'fr')).toBe('1\u202f234,56\u00a0€');
    expect(formatMoney(500, 'JPY', 'en')).toBe('JP¥500');
  });

  it('formats dates per language in the configured time zone', () => {
    const d = new Date('2026-11-21T23:30:00Z');
    expect(formatDate(d, 'fr', 'Europe/Paris')).toBe('22 novembre 2026');
    expect(formatDate(d, 'en', 'Europe/Paris')).toBe('22 November 2026');
    expect(formatDate(d, 'en', 'UTC')).toBe('21 November 2026');
  });
});

describe('language', () => {
  it.each([
    ["Je veux être remboursé de 49,90 € pour la commande FL-123456, j'ai payé deux fois", 'fr'],
    ['I was charged twice for my order and I want my money back', 'en'],
    ['Bonjour, ma publicité a été diffusée par erreur', 'fr'],
    ['FL-123456', undefined],
  ])('detects %s as %s', (text, lang) => expect(detectLanguage(text)).toBe(lang));

  it('translates with interpolation in both languages', () => {
    expect(translator('en')('common:welcome', { brand: 'Acme' })).toContain('Acme');
    expect(translator('fr')('common:language.switched')).toBe('Très bien, je continue en français.');
  });
});
