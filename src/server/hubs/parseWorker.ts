/**
 * A worker thread that parses feeds for the poller (see parsers.ts): parsing and sanitizing a feed is the
 * expensive part of a poll, and off the main thread it neither blocks requests nor grows the server's heap.
 */
import { parentPort } from 'node:worker_threads';
import { parseFeed, type ParseFeedOptions } from '../../core/feeds/parse.ts';

parentPort?.on('message', (message: { id: number; body: Uint8Array; options: ParseFeedOptions }) => {
  let reply: { id: number; result?: unknown; error?: string };
  try {
    reply = { id: message.id, result: parseFeed(message.body, message.options) };
  } catch (error) {
    reply = { id: message.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
