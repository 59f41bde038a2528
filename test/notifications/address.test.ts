import { maskEmail, parseEmailAddress, partialEmail } from '../../src/services/notifications';

describe('e-mail addresses', () => {
  it.each([
    ['camille.martin@example.com', 'camille.martin@example.com'],
    ['  Camille.Martin@Example.COM. ', 'Camille.Martin@example.com'],
    ['my e-mail is noah+bot@mail.example.fr', 'noah+bot@mail.example.fr'],
    ['mon adresse : sam@exemple.fr !', 'sam@exemple.fr'],
  ])('reads %j as %j', (text, address) => expect(parseEmailAddress(text)).toBe(address));

  it.each(['', 'camille', 'camille@', '@example.com', 'camille@example', 'a@b@c.com', 'one@example.com and two@example.com', `${'a'.repeat(250)}@example.com`])(
    'refuses %j',
    (text) => expect(parseEmailAddress(text)).toBeNull(),
  );

  it('masks addresses for logs and shows account addresses only partly', () => {
    expect(maskEmail('camille.martin@example.com')).toBe('c•••@e•••.com');
    expect(maskEmail('x@localhost')).toBe('x•••@l•••');
    expect(partialEmail('camille.martin@example.com')).toBe('c•••n@example.com');
    expect(partialEmail('jo@example.com')).toBe('j•••@example.com');
  });
});
