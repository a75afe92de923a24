import type { ConnectionTransport } from 'puppeteer-core';
import WebSocket from 'ws';

/**
 * A DevTools connection to a running Chromium whose browser contexts die with
 * it. Chromium keeps a context made over DevTools after its client is gone,
 * unless it was made with `disposeOnDetach`, which puppeteer's
 * `createBrowserContext()` never asks for: a build killed mid-print (a test's
 * time limit, Ctrl-C) would leave its pages open in the shared browser, and a
 * diagram stuck in a script would keep a core busy until that browser closes
 * (measured: 50% of a core for ten minutes). This adds the flag to that one
 * command on its way out; everything else is passed through untouched.
 */
export function connectDisposingTransport(endpoint: string): Promise<ConnectionTransport> {
  return new Promise((resolve, reject) => {
    // The settings of puppeteer's own WebSocket transport: large messages (a printed PDF), no compression.
    const socket = new WebSocket(endpoint, [], {
      followRedirects: true,
      perMessageDeflate: false,
      maxPayload: 256 * 1024 * 1024,
    });
    const transport: ConnectionTransport = {
      send(message) {
        socket.send(message.includes('"Target.createBrowserContext"') ? disposing(message) : message);
      },
      close() {
        socket.close();
      },
    };
    socket.on('message', (data: WebSocket.RawData) => transport.onmessage?.(rawText(data)));
    socket.on('close', () => transport.onclose?.());
    // After opening, errors surface as a close; before it, they are the connection's failure.
    socket.on('error', () => undefined);
    socket.once('open', () => resolve(transport));
    socket.once('error', reject);
  });
}

function disposing(message: string): string {
  const command = JSON.parse(message) as { method?: string; params?: Record<string, unknown> };
  if (command.method !== 'Target.createBrowserContext') return message;
  return JSON.stringify({ ...command, params: { ...command.params, disposeOnDetach: true } });
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
