import { findOrderNumberInText, normaliseOrderNumber } from '../../src/services/orderNumber';
import { fail, ok, Parsed } from './types';

/**
 * The answer to "what is your order number?": `fl 123 456`, `#FL-123456` or "it's FL-123456" all
 * give `FL-123456`; anything else is the `format` error.
 */
export function parseOrderNumber(text: string | undefined): Parsed<string> {
  const input = (text ?? '').trim();
  if (!input) return fail('format');
  const found = normaliseOrderNumber(input) ?? findOrderNumberInText(input);
  return found ? ok(found) : fail('format');
}
