import type { Dialog } from 'botbuilder-dialogs';
import type { Intent } from '../src/nlu';

/**
 * A topic of the main menu. A topic appears in the menu once its dialog exists: the menu is built
 * from this list, so there is never a "coming soon" entry.
 */
export interface Topic {
  /** Dialog id, also the menu value. */
  id: string;
  /** Locale key of the button title, e.g. `refund:menu.title`. */
  titleKey: string;
  /** The recogniser's intent that picks this topic from what the customer types. */
  intent: Intent;
  /** Facts in the text that pick this topic whatever the wording (an order number, a case reference). */
  matches?: (text: string) => boolean;
  /** The topic with a form: a first message asking for a form ("can I just fill in a form?") starts it, form shown. */
  form?: boolean;
  dialog: Dialog;
}
