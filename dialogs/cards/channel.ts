import { supportsSuggestedActions } from 'botbuilder-dialogs';

/**
 * Channels that show Adaptive Cards (1.3+). Others (SMS, e-mail, and any channel not listed) get
 * plain text with the same information.
 */
const CARD_CHANNELS = new Set(['msteams', 'webchat', 'directline', 'emulator', 'test', 'directlinespeech', 'omnichannel']);

export function supportsAdaptiveCards(channelId: string | undefined): boolean {
  return CARD_CHANNELS.has((channelId ?? '').toLowerCase());
}

/**
 * Channels that show suggested actions (buttons under a message): botbuilder's list, and the test
 * adapter's channel, which stands for Web Chat in dialog tests. Teams shows none: a choice goes in a card there.
 */
export function showsSuggestedActions(channelId: string | undefined, count: number): boolean {
  return (channelId ?? '').toLowerCase() === 'test' || supportsSuggestedActions(channelId ?? '', count);
}
