// A minimal client of the relay for server tests and benchmarks: Noise XX as initiator, then
// request/reply over frames. The full client engine lives in src/client.
import WebSocket from 'ws';
import {
  createHandshake,
  generateKeyPair,
  initNoise,
  type KeyPair,
  type TransportCiphers,
} from '../../src/shared/crypto/noise';
import {
  ProtocolError,
  asChunkIndex,
  asRequestId,
  decodeServerFrame,
  encodeFrame,
  type ChunkDataFrame,
  type ClientFrame,
  type DeviceKey,
  type EventsFrame,
  type MessageId,
  type Replies,
  type ServerFrame,
} from '../../src/shared/protocol';
import { NOISE_PROLOGUE } from '../../src/shared/protocol/handshake';

/** A request frame without its request id (the client assigns it). */
type Outgoing = ClientFrame extends infer F ? (F extends ClientFrame ? Omit<F, 'requestId'> : never) : never;
type ReplyTo<T extends ClientFrame['type']> = T extends keyof Replies ? Replies[T] : never;

/** How the server closed the socket. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  /** For fetch streams: frames before the final one. */
  stream?: ServerFrame[];
}

/** Options of `RelayClient.connect`. */
export interface ConnectOptions {
  /** The device's static key pair; a fresh one when absent. */
  keyPair?: KeyPair;
  deviceName?: string;
  /** Skip `hello` (to test what the server does without it). */
  skipHello?: boolean;
}

/** An authenticated connection to the relay. */
export class RelayClient {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pushListeners = new Set<(frame: EventsFrame) => void>();
  /** Error frames with request id 0 (fatal ones sent just before a close). */
  readonly sessionErrors: ServerFrame[] = [];
  /** Resolves when the socket closes. */
  readonly closed: Promise<CloseInfo>;

  private constructor(
    readonly ws: WebSocket,
    private readonly ciphers: TransportCiphers,
    readonly keyPair: KeyPair,
    /** The server's static public key as learnt in the handshake. */
    readonly serverKey: Uint8Array,
  ) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        const error = new Error(`connection closed (${code} ${reason.toString()})`);
        for (const pending of this.pending.values()) pending.reject(error);
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: Buffer) => {
      this.receive(decodeServerFrame(this.ciphers.receive.decrypt(data)));
    });
  }

  /** The device key this client authenticates as. */
  get deviceKey(): DeviceKey {
    return this.keyPair.publicKey as DeviceKey;
  }

  /** Connects to `ws://…/ws`, runs the handshake and (unless skipped) hello. */
  static async connect(baseUrl: string, options: ConnectOptions = {}): Promise<RelayClient> {
    await initNoise();
    const keyPair = options.keyPair ?? generateKeyPair();
    const ws = await openSocket(baseUrl);
    const hs = createHandshake({
      pattern: 'XX',
      initiator: true,
      prologue: NOISE_PROLOGUE,
      staticKeyPair: keyPair,
    });
    ws.send(hs.writeMessage(new Uint8Array(0)));
    const message2 = await nextMessage(ws);
    hs.readMessage(message2);
    ws.send(hs.writeMessage(new Uint8Array(0)));
    const serverKey = hs.remoteStaticPublicKey;
    if (serverKey === null) throw new Error('handshake finished without the server key');
    const client = new RelayClient(ws, hs.split(), keyPair, serverKey);
    if (options.skipHello !== true) {
      await client.request({
        type: 'hello',
        clientVersion: 'test',
        deviceName: options.deviceName ?? 'test device',
      });
    }
    return client;
  }

  /** Sends a request and resolves with its reply; an `error` reply rejects with a ProtocolError. */
  request<F extends Outgoing>(frame: F): Promise<ReplyTo<F['type']>> {
    const requestId = this.nextRequestId++;
    const reply = this.replyTo<F>(requestId);
    this.sendFrame({ ...frame, requestId: asRequestId(requestId) });
    return reply;
  }

  /** Sends a request without waiting (pipelining); returns the reply promise. */
  pipeline<F extends Outgoing>(frame: F): Promise<ReplyTo<F['type']>> {
    return this.request(frame);
  }

  /**
   * Encodes and encrypts requests ahead of time, so that a load generator only writes bytes while it
   * is timed. Transport nonces are sequential: send them in order, and nothing else until they are.
   */
  prepare<F extends Outgoing>(frames: readonly F[]): (() => Promise<ReplyTo<F['type']>>)[] {
    return frames.map((frame) => {
      const requestId = this.nextRequestId++;
      const bytes = this.ciphers.send.encrypt(encodeFrame({ ...frame, requestId: asRequestId(requestId) }));
      return () => {
        const reply = this.replyTo<F>(requestId);
        this.ws.send(bytes);
        return reply;
      };
    });
  }

  /** Fetches a committed message: every `chunkData` frame, then the `fetchEnd`. */
  async fetch(messageId: MessageId, fromIndex = 0) {
    const requestId = this.nextRequestId++;
    const stream: ServerFrame[] = [];
    const end = await new Promise<ServerFrame>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, stream });
      this.sendFrame({
        type: 'fetch',
        requestId: asRequestId(requestId),
        messageId,
        fromIndex: asChunkIndex(fromIndex),
      });
    });
    if (end.type !== 'fetchEnd') throw new Error(`fetch ended with ${end.type}`);
    return {
      chunks: stream.filter((f): f is ChunkDataFrame => f.type === 'chunkData'),
      chunkCount: end.chunkCount,
    };
  }

  /** Listens for pushed `events` frames; returns the unsubscribe function. */
  onPush(listener: (frame: EventsFrame) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Encrypts and sends arbitrary plaintext as one transport message (for malformed-frame tests). */
  sendPlaintext(bytes: Uint8Array): void {
    this.ws.send(this.ciphers.send.encrypt(bytes));
  }

  /** Sends a frame as is. */
  sendFrame(frame: ClientFrame): void {
    this.sendPlaintext(encodeFrame(frame));
  }

  /** Closes the socket and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000);
    }
    await this.closed;
  }

  /** The reply to request `requestId`, once it arrives. */
  private replyTo<F extends Outgoing>(requestId: number): Promise<ReplyTo<F['type']>> {
    return new Promise<ServerFrame>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
    }) as Promise<ReplyTo<F['type']>>;
  }

  private receive(frame: ServerFrame): void {
    if (frame.requestId === 0) {
      if (frame.type === 'events') for (const listener of this.pushListeners) listener(frame);
      else this.sessionErrors.push(frame);
      return;
    }
    const pending = this.pending.get(frame.requestId);
    if (pending === undefined) return;
    if (frame.type === 'error') {
      this.pending.delete(frame.requestId);
      pending.reject(new ProtocolError(frame.code, frame.message));
    } else if (frame.type === 'chunkData' && pending.stream !== undefined) {
      pending.stream.push(frame);
    } else {
      this.pending.delete(frame.requestId);
      pending.resolve(frame);
    }
  }
}

/** Opens a WebSocket to the relay of `baseUrl` (http or ws scheme). */
export function openSocket(baseUrl: string): Promise<WebSocket> {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** The next binary message on a socket (for the handshake). */
export function nextMessage(ws: WebSocket): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      resolve(new Uint8Array(data));
    });
    ws.once('close', (code, reason) => {
      reject(new Error(`closed during handshake: ${code} ${reason.toString()}`));
    });
  });
}

/** Waits for a socket's close and reports code and reason. */
export function closeOf(ws: WebSocket): Promise<CloseInfo> {
  return new Promise((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
    });
  });
}

export { generateKeyPair };

/** Resolves with the first `events` frame pushed to `client` that satisfies `match`. */
export function nextPush(client: RelayClient, match: (frame: EventsFrame) => boolean): Promise<EventsFrame> {
  return new Promise((resolve) => {
    const stop = client.onPush((frame) => {
      if (match(frame)) {
        stop();
        resolve(frame);
      }
    });
  });
}
