import { foldTitle } from '../../src/i18n/fold';

describe('foldTitle: a typed answer matches a button title in either language', () => {
  it.each([
    ['Confirmer la demande !', 'confirmer la demande'],
    ['  Arrêter   d’attendre\u202f?', "arreter d'attendre"],
    ['STOP WAITING.', 'stop waiting'],
    ['Ne pas m’envoyer d’e-mail', "ne pas m'envoyer d'e-mail"],
  ])('%s → %s', (typed, folded) => expect(foldTitle(typed)).toBe(folded));

  it('keeps what tells two titles apart', () => {
    expect(foldTitle('Modifier le montant')).not.toBe(foldTitle('Modifier le motif'));
  });
});
