import type { Dialog } from 'botbuilder-dialogs';

/**
 * A topic of the main menu. A topic appears in the menu once its dialog exists: the menu is built
 * from this list, so there is never a "coming soon" entry.
 */
export interface Topic {
  /** Dialog id, also the menu value. */
  id: string;
  /** Locale key of the button title, e.g. `refund:menu.title`. */
  titleKey: string;
  /** Locale key of a `|`-separated list of words that pick this topic from free text. */
  keywordsKey: string;
  /** Extra recognition from free text (e.g. a case reference picks the status topic). */
  matches?: (text: string) => boolean;
  dialog: Dialog;
}
