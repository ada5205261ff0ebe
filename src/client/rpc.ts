// Requests and replies over a channel (docs/PROTOCOL.md §10): request ids, reply matching, fetch
// streams, server pushes. Error replies reject with the server's ProtocolError.
import {
  PUSH_REQUEST_ID,
  ProtocolError,
  asRequestId,
  isErrorCode,
  nextRequestId,
  type ChunkDataFrame,
  type ClientFrame,
  type EventsFrame,
  type FetchEndFrame,
  type MessageId,
  type Replies,
  type RequestId,
  type ServerFrame,
  asChunkIndex,
} from '../shared/protocol';
import type { Channel } from './channel';
import { ClientError } from './errors';

/** A request frame without its request id (the Rpc assigns it). */
export type Outgoing = ClientFrame extends infer F
  ? F extends ClientFrame
    ? Omit<F, 'requestId'>
    : never
  : never;
/** The success reply to a request type. */
export type ReplyTo<T extends ClientFrame['type']> = T extends keyof Replies ? Replies[T] : never;

interface Pending {
  /** The reply type that ends the request. */
  readonly ends: ServerFrame['type'];
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  /** Fetch streams: called for each chunkData before the end. */
  onChunk?: (frame: ChunkDataFrame) => void;
}

/** What the server pushes without a request. */
export interface PushListener {
  /** An `events` push (after the first sync). */
  events(frame: EventsFrame): void;
  /** A session-level error (fatal: the server closes right after). */
  error(code: string, message: string): void;
}

/** Request/reply multiplexing over one open channel. */
export class Rpc {
  readonly #channel: Channel;
  readonly #pending = new Map<RequestId, Pending>();
  readonly #push: PushListener;
  #lastId: RequestId = PUSH_REQUEST_ID;
  #closed: ClientError | null = null;

  constructor(channel: Channel, push: PushListener) {
    this.#channel = channel;
    this.#push = push;
  }

  /** Sends a request and resolves with its reply; an `error` reply rejects with a ProtocolError. */
  request<F extends Outgoing>(frame: F): Promise<ReplyTo<F['type']>> {
    return this.#send(frame, REPLY_TYPE[frame.type]) as Promise<ReplyTo<F['type']>>;
  }

  /**
   * Streams a committed message's chunks from `fromIndex`: `onChunk` sees each chunk in order;
   * resolves with the `fetchEnd`. A throwing `onChunk` rejects the fetch.
   */
  fetch(
    messageId: MessageId,
    fromIndex: number,
    onChunk: (frame: ChunkDataFrame) => void,
  ): Promise<FetchEndFrame> {
    return this.#send(
      { type: 'fetch', messageId, fromIndex: asChunkIndex(fromIndex) },
      'fetchEnd',
      onChunk,
    ) as Promise<FetchEndFrame>;
  }

  /** Routes one frame from the server to its request or to the push listener. */
  handle(frame: ServerFrame): void {
    if (frame.requestId === PUSH_REQUEST_ID) {
      if (frame.type === 'events') this.#push.events(frame);
      else if (frame.type === 'error') this.#push.error(frame.code, frame.message);
      else if (frame.type === 'ping') {
        this.#channel.send({ type: 'pong', requestId: frame.requestId, nonce: frame.nonce });
      }
      return;
    }
    if (frame.type === 'ping') {
      this.#channel.send({ type: 'pong', requestId: frame.requestId, nonce: frame.nonce });
      return;
    }
    const pending = this.#pending.get(frame.requestId);
    if (pending === undefined) return; // a late reply to a request that already failed
    if (frame.type === 'error') {
      this.#pending.delete(frame.requestId);
      const code = isErrorCode(frame.code) ? frame.code : 'INTERNAL';
      pending.reject(new ProtocolError(code, frame.message));
    } else if (frame.type === 'chunkData' && pending.onChunk !== undefined) {
      try {
        pending.onChunk(frame);
      } catch (error) {
        this.#pending.delete(frame.requestId);
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
    } else if (frame.type === pending.ends) {
      this.#pending.delete(frame.requestId);
      pending.resolve(frame);
    } else {
      this.#pending.delete(frame.requestId);
      pending.reject(new ClientError('BAD_SERVER_FRAME', `expected ${pending.ends}, got ${frame.type}`));
    }
  }

  /** Fails every pending request with `error`; later requests fail at once. Idempotent. */
  close(error: ClientError): void {
    if (this.#closed !== null) return;
    this.#closed = error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #send(
    frame: Outgoing,
    ends: ServerFrame['type'],
    onChunk?: (frame: ChunkDataFrame) => void,
  ): Promise<ServerFrame> {
    if (this.#closed !== null) return Promise.reject(this.#closed);
    // Ids count up and wrap, skipping ids still pending (PROTOCOL.md §10).
    let id = nextRequestId(this.#lastId);
    while (this.#pending.has(id)) id = nextRequestId(id);
    this.#lastId = id;
    return new Promise<ServerFrame>((resolve, reject) => {
      this.#pending.set(id, { ends, resolve, reject, ...(onChunk === undefined ? {} : { onChunk }) });
      if (!this.#channel.send({ ...frame, requestId: asRequestId(id) })) {
        this.#pending.delete(id);
        reject(this.#closed ?? new ClientError('CONNECTION_CLOSED', 'the connection is closed'));
      }
    });
  }
}

/** The frame type that answers each request (PROTOCOL.md §3). */
const REPLY_TYPE: Readonly<Record<ClientFrame['type'], ServerFrame['type']>> = {
  hello: 'welcome',
  ping: 'pong',
  pong: 'pong',
  begin: 'ack',
  chunk: 'ack',
  resume: 'resumeState',
  commit: 'committed',
  abort: 'aborted',
  sync: 'events',
  fetch: 'fetchEnd',
  receipt: 'ok',
  createConversation: 'ok',
  addMembers: 'ok',
  leaveConversation: 'ok',
  listConversations: 'conversations',
};
