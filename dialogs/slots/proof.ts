import type { AttachmentInput, Parsed, UserInput } from './types';
import { fail, ok } from './types';

/** What the user gave for the proof question. */
export type ProofAnswer =
  | { kind: 'attachment'; attachment: Required<Pick<AttachmentInput, 'contentUrl'>> & AttachmentInput }
  | { kind: 'reference'; reference: string }
  | { kind: 'skip' };

/**
 * A payment reference: one short code of letters and digits, with optional `- _ / . #` or single
 * spaces between groups, holding at least 4 digits or a mix of letters and digits (`PAY-2024-001234`,
 * `TX 8841 2291`, `pi_3Nq8ZkL2`).
 */
export function parsePaymentReference(text: string): Parsed<string> {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t.length < 4 || t.length > 64) return fail('not_reference');
  if (!/^#?[A-Za-z0-9]+(?:[ \-_/.][A-Za-z0-9]+){0,6}$/.test(t)) return fail('not_reference');
  const digits = (t.match(/\d/g) ?? []).length;
  const letters = (t.match(/[A-Za-z]/g) ?? []).length;
  if (digits < 4 && !(digits >= 2 && letters >= 2)) return fail('not_reference');
  return ok(t.replace(/^#/, ''));
}

/** Channel attachments that are files the user sent (not cards the bot or the channel added). */
export function fileAttachments(attachments: AttachmentInput[] | undefined): AttachmentInput[] {
  return (attachments ?? []).filter(
    (a) => typeof a.contentUrl === 'string' && a.contentUrl !== '' && !(a.contentType ?? '').startsWith('application/vnd.microsoft.card'),
  );
}

/**
 * Classifies the answer to the proof question. Pure: the file itself is fetched and checked later
 * (size, real type), by the dialog.
 */
export function parseProofAnswer(input: UserInput, opts: { optional: boolean }): Parsed<ProofAnswer> {
  const files = fileAttachments(input.attachments);
  if (files.length > 1) return fail('several_files');
  if (files.length === 1) return ok({ kind: 'attachment', attachment: { ...files[0], contentUrl: files[0].contentUrl as string } });
  const text = (input.text ?? '').trim();
  if (!text) return fail('empty');
  // "skip", "no I don't have one", "j'en ai pas": the recogniser's skip, or a plain no to "do you have a proof?".
  const ref = parsePaymentReference(text);
  if (!ref.ok && (input.intent === 'skip' || input.intent === 'no')) return opts.optional ? ok({ kind: 'skip' }) : fail('skip_not_allowed');
  return ref.ok ? ok({ kind: 'reference', reference: ref.value }) : fail('not_reference');
}
