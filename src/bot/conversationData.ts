import type { Language } from '../i18n';

/** What the bot keeps per conversation, besides the dialog stack. */
export interface ConversationData {
  language?: { lang: Language; source: 'explicit' | 'locale' | 'detected' | 'default' };
  /** Messages received in this conversation (turns that ran under the lock). */
  turns?: number;
  welcomed?: boolean;
}

export const CONVERSATION_DATA = 'conversationData';
export const DIALOG_STATE = 'dialogState';
