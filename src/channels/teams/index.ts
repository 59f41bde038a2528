export { TeamsMiddleware, TEAMS_CHANNEL_ID, isTeams, isGroupConversation, teamsLanguage, personalChatLink, chosenAction, usedCard, heroAsChoiceCard } from './middleware';
export type { TeamsMiddlewareDeps } from './middleware';
export { normaliseTeamsText, htmlToPlainText, mentionsBot, looksLikeHtml } from './text';
export { verifiedTeamsUser, rememberTeamsUser, teamsTenantId } from './identity';
export type { TeamsUser } from './identity';
