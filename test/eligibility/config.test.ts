/** HOLIDAYS_COUNTRY: the country whose public holidays are not business days (R5.1). */
import { ConfigError, loadConfig } from '../../src/config';

describe('HOLIDAYS_COUNTRY', () => {
  test('defaults to France', () => {
    expect(loadConfig({}).holidaysCountry).toBe('FR');
  });

  test('any country date-holidays knows, in any case; none for weekends only', () => {
    expect(loadConfig({ HOLIDAYS_COUNTRY: 'be' }).holidaysCountry).toBe('BE');
    expect(loadConfig({ HOLIDAYS_COUNTRY: 'US' }).holidaysCountry).toBe('US');
    expect(loadConfig({ HOLIDAYS_COUNTRY: 'none' }).holidaysCountry).toBeNull();
  });

  test('an unknown country stops start-up with a line naming the variable', () => {
    expect(() => loadConfig({ HOLIDAYS_COUNTRY: 'ZZ' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOLIDAYS_COUNTRY: 'France' })).toThrow(/HOLIDAYS_COUNTRY must be a country code/);
  });
});
