// One authenticated channel: a socket from the Transport, the Noise XX handshake as initiator
// (docs/PROTOCOL.md §1), then one frame per Noise transport message.
import { createHandshake, type KeyPair, type TransportCiphers } from '../shared/crypto/noise';
import {
  NOISE_PROLOGUE,
  ProtocolError,
  decodeServerFrame,
  encodeFrame,
  type ClientFrame,
  type ServerFrame,
} from '../shared/protocol';
import { ClientError } from './errors';
import type { Clock, Socket, Transport } from './ports';
import { deferred } from './wakeup';

const EMPTY = new Uint8Array(0);
/** Close code this client uses when the server sends something it cannot read (PROTOCOL.md §8). */
const CLOSE_PROTOCOL_ERROR = 1002;
/** Close code for a handshake this client refuses (pinned key mismatch, bad payload). */
const CLOSE_POLICY = 1008;

/** What an open channel reports. */
export interface ChannelListener {
  /** A decoded frame from the server. */
  frame(frame: ServerFrame): void;
  /** The channel is closed; `error` says why when it was not a clean close. */
  closed(error: ClientError): void;
}

/** How to open a channel. */
export interface ChannelOptions {
  readonly transport: Transport;
  readonly clock: Clock;
  /** `ws:`/`wss:` URL of the relay. */
  readonly url: string;
  /** This device's static key pair. */
  readonly identity: KeyPair;
  /** Gives up on a handshake that takes longer than this. */
  readonly handshakeTimeoutMs: number;
  /** Checks (and on first contact pins) the server's static key; throws SERVER_KEY_CHANGED to refuse it. */
  verifyServerKey(key: Uint8Array): Promise<void>;
}

/** An open, authenticated channel. */
export interface Channel {
  /** The server's static public key, as authenticated by the handshake. */
  readonly serverKey: Uint8Array;
  /** Encrypts and sends one frame; false if the channel is already closed. */
  send(frame: ClientFrame): boolean;
  /** Closes the channel (idempotent); the listener hears `closed` once. */
  close(error: ClientError, code?: number): void;
}

type Phase =
  | { readonly type: 'handshake'; readonly inbox: Uint8Array[]; wake: (() => void) | null }
  | { readonly type: 'open'; readonly ciphers: TransportCiphers }
  | { readonly type: 'closed' };

/** Opens a socket, runs the handshake and returns the channel; rejects with a ClientError. */
export async function openChannel(options: ChannelOptions, listener: ChannelListener): Promise<Channel> {
  let phase: Phase = { type: 'handshake', inbox: [], wake: null };
  // Read through a function: callbacks change `phase` while we await, which narrowing cannot see.
  const currentPhase = (): Phase => phase;
  const closedDuringHandshake = deferred<never>();
  // Rejections are read through Promise.race below; keep an unobserved one from being reported.
  closedDuringHandshake.promise.catch(() => undefined);
  let socket: Socket | null = null;

  const finish = (error: ClientError, code?: number): void => {
    const was = phase;
    if (was.type === 'closed') return;
    phase = { type: 'closed' };
    socket?.close(code ?? 1000, error.code);
    if (was.type === 'handshake') closedDuringHandshake.reject(error);
    else listener.closed(error);
  };

  socket = await options.transport
    .open(options.url, {
      message(data) {
        if (phase.type === 'handshake') {
          phase.inbox.push(data);
          phase.wake?.();
        } else if (phase.type === 'open') {
          let frame: ServerFrame;
          try {
            frame = decodeServerFrame(phase.ciphers.receive.decrypt(data));
          } catch (cause) {
            const what = cause instanceof ProtocolError ? cause.code : 'undecryptable message';
            finish(
              new ClientError('BAD_SERVER_FRAME', `the server sent an unreadable frame (${what})`, { cause }),
              CLOSE_PROTOCOL_ERROR,
            );
            return;
          }
          listener.frame(frame);
        }
      },
      closed(code, reason) {
        const detail = reason === '' ? `code ${code}` : `${reason}, code ${code}`;
        finish(new ClientError('CONNECTION_CLOSED', `the connection closed (${detail})`));
      },
    })
    .catch((cause: unknown) => {
      throw new ClientError('CONNECTION_CLOSED', `cannot reach the server at ${options.url}`, { cause });
    });

  const nextHandshakeMessage = async (): Promise<Uint8Array> => {
    for (;;) {
      if (phase.type !== 'handshake') return closedDuringHandshake.promise;
      const message = phase.inbox.shift();
      if (message !== undefined) return message;
      const current = phase;
      await Promise.race([
        new Promise<void>((resolve) => (current.wake = resolve)),
        closedDuringHandshake.promise,
      ]);
    }
  };

  const timer = options.clock.setTimer(options.handshakeTimeoutMs, () => {
    finish(new ClientError('HANDSHAKE_FAILED', 'the server did not complete the handshake in time'));
  });
  try {
    const hs = createHandshake({
      pattern: 'XX',
      initiator: true,
      prologue: NOISE_PROLOGUE,
      staticKeyPair: options.identity,
    });
    socket.send(hs.writeMessage(EMPTY));
    let payload: Uint8Array;
    try {
      payload = hs.readMessage(await nextHandshakeMessage());
    } catch (cause) {
      if (cause instanceof ClientError) throw cause;
      throw new ClientError('HANDSHAKE_FAILED', 'the server failed the Noise handshake', { cause });
    }
    const serverKey = hs.remoteStaticPublicKey;
    if (payload.length !== 0 || serverKey === null) {
      throw new ClientError('HANDSHAKE_FAILED', 'the server sent an unexpected handshake payload');
    }
    // Check the pin before message 3, which tells the server who we are.
    await Promise.race([options.verifyServerKey(serverKey), closedDuringHandshake.promise]);
    if (currentPhase().type !== 'handshake') return await closedDuringHandshake.promise;
    socket.send(hs.writeMessage(EMPTY));
    phase = { type: 'open', ciphers: hs.split() };
    const ciphers = phase.ciphers;
    const open = socket;
    return {
      serverKey,
      send(frame) {
        if (phase.type !== 'open') return false;
        open.send(ciphers.send.encrypt(encodeFrame(frame)));
        return true;
      },
      close(error, code) {
        finish(error, code);
      },
    };
  } catch (error) {
    const clientError =
      error instanceof ClientError
        ? error
        : new ClientError('HANDSHAKE_FAILED', 'the Noise handshake failed', { cause: error });
    finish(clientError, CLOSE_POLICY);
    throw clientError;
  } finally {
    timer.cancel();
  }
}
