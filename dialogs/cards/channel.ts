/**
 * Channels that show Adaptive Cards (1.3+). Others (SMS, e-mail, and any channel not listed) get
 * plain text with the same information.
 */
const CARD_CHANNELS = new Set(['msteams', 'webchat', 'directline', 'emulator', 'test', 'directlinespeech', 'omnichannel']);

export function supportsAdaptiveCards(channelId: string | undefined): boolean {
  return CARD_CHANNELS.has((channelId ?? '').toLowerCase());
}
