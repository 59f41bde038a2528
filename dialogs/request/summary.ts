import { MessageFactory } from 'botbuilder';
import { supportsAdaptiveCards } from '../cards/channel';
import { summaryCard, summaryText } from '../cards/summary';
import type { SlotView } from '../prompts/slotPrompt';
import type { BaseSlots, RequestState, TopicSpec } from './spec';

/** The summary question of a topic, rendered when sent (so a language switch shows it in the new language). */
export function summaryView<S extends BaseSlots>(spec: TopicSpec<S>): SlotView {
  return (t, lang, channelId, data, card) => {
    const lines = spec.summary(t, lang, data as RequestState<S>);
    return supportsAdaptiveCards(channelId) ? MessageFactory.attachment(summaryCard(t, spec.ns, lines, card)) : MessageFactory.text(summaryText(t, lang, spec.ns, lines));
  };
}
