// The engine's Transport over the `ws` package (binary messages, no compression: ciphertext does not compress).
import WebSocket from 'ws';
import type { Socket, SocketListener, Transport } from '../../client/ports';
import { MAX_TRANSPORT_MESSAGE_BYTES } from '../../shared/protocol';

/** Close code for a text message, which the protocol never uses (PROTOCOL.md §1). */
const CLOSE_NOT_BINARY = 1003;

/** Opens `ws` sockets for the client engine. */
export class WsTransport implements Transport {
  open(url: string, listener: SocketListener): Promise<Socket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: MAX_TRANSPORT_MESSAGE_BYTES });
    ws.binaryType = 'nodebuffer';
    return new Promise((resolve, reject) => {
      let opened = false;
      const socket: Socket = {
        send(data) {
          if (ws.readyState === WebSocket.OPEN) ws.send(data);
        },
        close(code, reason) {
          if (ws.readyState === WebSocket.OPEN) ws.close(code ?? 1000, reason);
          else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        },
      };
      ws.on('open', () => {
        opened = true;
        resolve(socket);
      });
      ws.on('error', (error) => {
        // Before `open` this is the connection failure; after it, `close` follows and reports.
        if (!opened) reject(error);
      });
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary) => {
        if (!isBinary) {
          ws.close(CLOSE_NOT_BINARY, 'NOT_BINARY');
          return;
        }
        listener.message(toBytes(data));
      });
      ws.on('close', (code, reason) => {
        if (opened) listener.closed(code, reason.toString());
        else reject(new Error(`connection closed before opening (${code})`));
      });
    });
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.length);
}
