export { createMetrics, TURN_RESULTS } from './registry';
export type { Metrics, MetricsOptions, TurnResult } from './registry';
export { instrumentRedis, redisErrorKind } from './redis';
export { TurnObserver, observeCases, readDialogStack } from './turns';
export { mountMetrics, hasToken } from './server';
