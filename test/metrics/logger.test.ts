import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { readDialogStack } from '../../src/metrics';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('logger', () => {
  it('writes JSON lines with the instance id, card numbers removed', () => {
    const out = sink();
    const logger = createLogger('info', out.stream, { instanceId: 'bot-7' });
    logger.info({ conversationId: 'c1', note: 'card 4111 1111 1111 1111' }, 'turn');
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({ instanceId: 'bot-7', service: 'refund-support-bot', conversationId: 'c1', msg: 'turn', level: 30 });
    expect(out.text()).not.toContain('4111');
  });

  it('writes readable lines when asked (what a terminal gets)', () => {
    const out = sink();
    const logger = createLogger('info', out.stream, { instanceId: 'bot-7', pretty: true });
    logger.info({ conversationId: 'c1', durationMs: 12.5 }, 'turn');
    const text = out.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toMatch(/INFO.*turn/);
    expect(text).toContain('conversationId: "c1"');
    expect(text).toContain('instanceId: "bot-7"');
  });

  it('defaults the instance id to host and pid', () => {
    const out = sink();
    createLogger('info', out.stream).info('hello');
    expect(JSON.parse(out.text()).instanceId).toMatch(new RegExp(`-${process.pid}$`));
  });
});

describe('readDialogStack', () => {
  const waterfall = (id: string, values: Record<string, unknown> = {}) => ({ id, state: { values, stepIndex: 0, options: {} } });
  const component = (id: string, inner: unknown[]) => ({ id, state: { dialogs: { dialogStack: inner } } });

  it('names the topic below the main dialog, and finds a case reference in a waterfall', () => {
    const state = {
      dialogStack: [
        component('main', [
          waterfall('menuWaterfall'),
          component('refund', [waterfall('refund.flow', { state: { caseRef: 'RF-7K2Q9', slots: { amount: 4900 } } })]),
        ]),
      ],
    };
    expect(readDialogStack(state)).toEqual({ topic: 'refund', caseRef: 'RF-7K2Q9' });
  });

  it('is menu when only the menu runs, and nothing before any dialog', () => {
    expect(readDialogStack({ dialogStack: [component('main', [waterfall('menuWaterfall')])] })).toEqual({ topic: 'menu', caseRef: undefined });
    expect(readDialogStack(undefined)).toEqual({ topic: undefined, caseRef: undefined });
    expect(readDialogStack({ dialogStack: [] })).toEqual({ topic: undefined, caseRef: undefined });
  });

  it('never takes a label from something that is not an identifier, nor a reference that is not valid', () => {
    const state = { dialogStack: [component('main', [component('refund?x=<script>', [waterfall('w', { caseRef: 'not-a-ref' })])])] };
    expect(readDialogStack(state)).toEqual({ topic: 'other', caseRef: undefined });
  });
});
