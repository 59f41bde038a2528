import { TurnContext, type Activity } from 'botbuilder';

/*
 * What a Teams user wrote, as plain text, before anything reads it (language, NLU, dialogs).
 *
 * - The bot's own mention (`<at>Support</at> aide` in a group chat, sometimes in personal chat too)
 *   is removed with TurnContext.removeRecipientMention; other people's mentions keep their name.
 * - Text sent as `textFormat: xml`, or holding HTML markup (`<p>aide</p>`, what some Teams clients
 *   send), becomes plain text: block ends become new lines, tags go, entities are decoded.
 */

const HTML_TAG = /<\/?(?:p|div|span|br|b|i|u|s|strong|em|at|a|ul|ol|li|blockquote|pre|code|h[1-6]|table|tr|td|th|img|hr|strike|del|ins|sub|sup|font)\b[^>]*>/i;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8}|#39);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith('#x')) return safeCodePoint(parseInt(k.slice(2), 16)) ?? m;
    if (k.startsWith('#')) return safeCodePoint(parseInt(k.slice(1), 10)) ?? m;
    return NAMED[k] ?? m;
  });
}

function safeCodePoint(n: number): string | undefined {
  if (!Number.isFinite(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
  // A no-break space (U+00A0) reads as a space; U+202F (French typography) stays as typed.
  return n === 0xa0 ? ' ' : String.fromCodePoint(n);
}

/** True when the text is markup rather than plain words. */
export function looksLikeHtml(text: string): boolean {
  return HTML_TAG.test(text) || /&(?:nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/i.test(text);
}

/** HTML or Teams XML to plain text: lines kept, tags removed, entities decoded, spaces tidied. */
export function htmlToPlainText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    // A quoted earlier message (Teams' "Reply" quote): not what the user wrote now.
    .replace(/<blockquote\b[^>]*schema\.skype\.com\/Reply[^>]*>[\s\S]*?<\/blockquote\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(?:p|div|li|h[1-6]|blockquote|pre|tr)\s*>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '• ')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The entity Teams adds for each `<at>…</at>` in the text. */
interface MentionEntity {
  type: 'mention';
  mentioned?: { id?: string; name?: string };
  text?: string;
}

function mentions(a: Partial<Activity>): MentionEntity[] {
  return (Array.isArray(a.entities) ? a.entities : []).filter((e) => e && typeof e === 'object' && e.type === 'mention') as unknown as MentionEntity[];
}

/** True when the message mentions the bot (the activity's recipient). */
export function mentionsBot(a: Partial<Activity>): boolean {
  const bot = a.recipient?.id;
  return !!bot && mentions(a).some((m) => m.mentioned?.id === bot);
}

/**
 * The activity's text as plain words, in place: the bot's mention removed, markup turned into text,
 * other mentions reduced to the name. `textFormat` becomes `plain`. Returns the new text.
 */
export function normaliseTeamsText(activity: Activity): string | undefined {
  if (typeof activity.text !== 'string') return undefined;
  // A mention entity without its `mentioned` account is nobody (and would break removeRecipientMention).
  if (Array.isArray(activity.entities)) {
    activity.entities = activity.entities.filter((e) => !(e && e.type === 'mention') || (typeof (e as { mentioned?: unknown }).mentioned === 'object' && (e as { mentioned?: unknown }).mentioned !== null));
  }
  if (mentionsBot(activity)) TurnContext.removeRecipientMention(activity);
  let text = activity.text ?? '';
  // Mentions of anyone else, and a bot mention whose entity did not match the text exactly.
  text = text.replace(/<at\b[^>]*>([\s\S]*?)<\/at>/gi, (_m, name: string) => (mentionsBotByName(activity, name) ? '' : name));
  if (activity.textFormat === 'xml' || looksLikeHtml(text)) text = htmlToPlainText(text);
  activity.text = text.replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, '');
  activity.textFormat = 'plain';
  return activity.text;
}

function mentionsBotByName(a: Activity, name: string): boolean {
  const bot = a.recipient?.id;
  const n = name.trim().toLowerCase();
  return mentions(a).some((m) => m.mentioned?.id === bot && ((m.mentioned?.name ?? '').trim().toLowerCase() === n || (m.text ?? '').toLowerCase().includes(`>${n}<`)));
}
