import type { Server } from 'restify';
import { DirectLineChannel, DirectLineDeps } from './directline/channel';
import { registerWidget } from './widget';

export { registerWidget } from './widget';
export type { WidgetDeps } from './widget';

export { DirectLineChannel, API_PATH } from './directline/channel';
export type { DirectLineDeps } from './directline/channel';
export { DIRECTLINE_CHANNEL_ID } from './directline/sanitize';
export { CONNECTOR_PATH } from './directline/connector';

export interface DirectLineHandle {
  channel: DirectLineChannel;
  /** Stops the channel: refuses new requests, closes streams, waits (bounded) for turns in flight. */
  close(): Promise<void>;
}

/**
 * Registers the embedded Direct Line v3 channel on `server` (routes under /v3/directline, the
 * WebSocket stream, and the connector routes the bot replies to under /directline-connector).
 * Call before the server listens; call `close()` before the server closes (replies of turns still
 * running are delivered through the server).
 */
export async function registerDirectLine(server: Server, deps: DirectLineDeps): Promise<DirectLineHandle> {
  const channel = new DirectLineChannel(server, deps);
  await channel.start();
  return { channel, close: () => channel.close() };
}

/**
 * Registers the web chat page (`/`), its files, the embed script (`/embed.js`) and the page's token
 * route, and the Direct Line channel they use. One call for app.ts.
 */
export async function registerWebChat(server: Server, deps: DirectLineDeps): Promise<DirectLineHandle & { staticReady: Promise<void> }> {
  const handle = await registerDirectLine(server, deps);
  const widget = registerWidget(server, { directLine: handle.channel, config: deps.config, logger: deps.logger });
  // Resolves once the Web Chat bundle is compressed (brotli and gzip, off the main thread).
  return Object.assign(handle, { staticReady: widget.ready });
}
