import { NlpjsNlu } from './nlpjs';
import type { NluPort } from './types';

export * from './types';
export { NluRecognizer, understanding, UNDERSTOOD } from './recognizer';

export type NluProvider = 'nlpjs';

/** The recogniser named by the configuration (only nlp.js today; a hosted NLU would be another case). */
export function createNlu(provider: NluProvider = 'nlpjs'): NluPort {
  switch (provider) {
    case 'nlpjs':
      return new NlpjsNlu();
  }
}

let shared: NluPort | undefined;
/** One trained recogniser per process (the model is deterministic, so every app and test can share it). */
export async function sharedNlu(): Promise<NluPort> {
  shared ??= createNlu();
  await shared.train();
  return shared;
}
