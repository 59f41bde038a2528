import { z } from 'zod';

const emailSchema = z.string().trim().max(254).email();

/** The address the customer typed, trimmed and lower-cased in its domain, or null when it is not one. */
export function parseEmailAddress(text: string | undefined): string | null {
  if (!text) return null;
  // "my e-mail is camille@example.com": take the one address in the message.
  const found = text.match(/[^\s<>()"',;:]+@[^\s<>()"',;:]+\.[A-Za-z]{2,}/g);
  if (!found || found.length !== 1) return null;
  const candidate = found[0].replace(/[.]+$/, '');
  const r = emailSchema.safeParse(candidate);
  if (!r.success) return null;
  const at = r.data.lastIndexOf('@');
  return `${r.data.slice(0, at)}@${r.data.slice(at + 1).toLowerCase()}`;
}

/** `camille.martin@example.com` → `c•••@e•••.com`: what logs may show. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local[0]}•••@${host[0] ?? ''}•••${tld}`;
}

/** What the chat shows of an account's address (the customer did not type it): `c•••n@example.com`. */
export function partialEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  const local = address.slice(0, at);
  const shown = local.length <= 2 ? `${local[0]}•••` : `${local[0]}•••${local[local.length - 1]}`;
  return `${shown}@${address.slice(at + 1)}`;
}
