import { hardLineBreaks } from '../../src/bot/middleware';

describe('hardLineBreaks', () => {
  it('turns single newlines into markdown hard breaks and leaves paragraphs alone', () => {
    expect(hardLineBreaks('Pourquoi :\n• un\n• deux')).toBe('Pourquoi :  \n• un  \n• deux');
    expect(hardLineBreaks('one\n\ntwo')).toBe('one\n\ntwo');
    expect(hardLineBreaks('already  \nbroken')).toBe('already  \nbroken');
    expect(hardLineBreaks('no breaks')).toBe('no breaks');
  });
});
