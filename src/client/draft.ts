// One message being composed: each chunk is sealed once, stored durably, then offered to the
// uploader (principle 2). The key lives only in memory, for as long as the draft is open.
import {
  MAX_CHUNK_PLAINTEXT_BYTES,
  sealChunk,
  sealMetadata,
  type MessageKey,
  type MessageMetadata,
} from '../shared/crypto/message-crypto';
import {
  MAX_CHUNKS_PER_MESSAGE,
  MAX_MESSAGE_DURATION_MS,
  type ConversationId,
  type MessageId,
} from '../shared/protocol';
import type { OutboxState } from '../shared/sync';
import { ClientError } from './errors';
import type { OutboxBook } from './outbox-book';

/** What the sender knows about the audio once it is complete (travels inside the sealed metadata). */
export interface AudioSummary {
  /** Rate the audio was recorded at, Hz. */
  readonly sampleRate: number;
  /** Playing time in ms. */
  readonly durationMs: number;
  /** Up to 100 levels 0..255. */
  readonly waveform: readonly number[];
}

/** What a draft needs from the engine. */
export interface DraftDeps {
  readonly book: OutboxBook;
  /** Most chunks the server accepts (≤ MAX_CHUNKS_PER_MESSAGE). */
  readonly maxChunks: number;
  now(): number;
  /** A chunk is durable: let the uploader send it. */
  sealed(messageId: MessageId): void;
  /** The draft is closed (finished or cancelled). */
  closed(messageId: MessageId): void;
}

type DraftState =
  | { readonly type: 'open'; readonly next: number }
  | { readonly type: 'finished'; readonly state: OutboxState }
  | { readonly type: 'closed' };

/** A message being recorded or encoded: `append` chunks, then `finish` with the last one. */
export class MessageDraft {
  /** The message's id. */
  readonly messageId: MessageId;
  /** Where it goes. */
  readonly conversationId: ConversationId;
  readonly #key: MessageKey;
  readonly #deps: DraftDeps;
  #state: DraftState = { type: 'open', next: 0 };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(messageId: MessageId, conversationId: ConversationId, key: MessageKey, deps: DraftDeps) {
    this.messageId = messageId;
    this.conversationId = conversationId;
    this.#key = key;
    this.#deps = deps;
  }

  /** Chunks sealed so far. */
  get chunkCount(): number {
    return this.#state.type === 'open' ? this.#state.next : 0;
  }

  /** Seals and stores the next (not last) chunk; resolves once it is durable. */
  append(plaintext: Uint8Array): Promise<void> {
    return this.#serial(async () => {
      const index = this.#claim(plaintext);
      const data = sealChunk(this.#key, this.messageId, index, false, plaintext);
      await this.#deps.book.sealChunk(this.messageId, { index, final: false, data });
      this.#deps.sealed(this.messageId);
    });
  }

  /** Seals and stores the last chunk with the sealed metadata; the message can then be committed. */
  finish(plaintext: Uint8Array, audio: AudioSummary): Promise<OutboxState> {
    return this.#serial(async () => {
      if (
        !Number.isInteger(audio.durationMs) ||
        audio.durationMs < 0 ||
        audio.durationMs > MAX_MESSAGE_DURATION_MS
      ) {
        throw new ClientError(
          'MESSAGE_TOO_LARGE',
          `a message may last at most ${MAX_MESSAGE_DURATION_MS / 60_000} minutes`,
        );
      }
      const index = this.#claim(plaintext);
      const metadata: MessageMetadata = {
        codec: 'opus',
        sampleRate: audio.sampleRate,
        durationMs: audio.durationMs,
        waveform: [...audio.waveform],
        conversationId: this.conversationId,
        sentAtMs: Math.round(this.#deps.now()),
        chunkCount: index + 1,
      };
      const data = sealChunk(this.#key, this.messageId, index, true, plaintext);
      const sealedMetadata = sealMetadata(this.#key, this.messageId, metadata);
      const state = await this.#deps.book.sealChunk(
        this.messageId,
        { index, final: true, data },
        { sealedMetadata, metadata },
      );
      this.#close({ type: 'finished', state });
      this.#deps.sealed(this.messageId);
      return state;
    });
  }

  /** Forgets the key without finishing (the engine's `discard` deletes the message). Idempotent. */
  close(): void {
    if (this.#state.type === 'open') this.#close({ type: 'closed' });
  }

  #claim(plaintext: Uint8Array): number {
    if (this.#state.type !== 'open') {
      throw new ClientError(
        'INVALID_STATE',
        `the message is ${this.#state.type}; no more chunks can be added`,
      );
    }
    if (plaintext.length > MAX_CHUNK_PLAINTEXT_BYTES) {
      throw new ClientError(
        'MESSAGE_TOO_LARGE',
        `a chunk of ${plaintext.length} bytes exceeds ${MAX_CHUNK_PLAINTEXT_BYTES}`,
      );
    }
    const index = this.#state.next;
    if (index >= Math.min(this.#deps.maxChunks, MAX_CHUNKS_PER_MESSAGE)) {
      throw new ClientError('MESSAGE_TOO_LARGE', `a message may have at most ${this.#deps.maxChunks} chunks`);
    }
    this.#state = { type: 'open', next: index + 1 };
    return index;
  }

  #close(state: DraftState): void {
    this.#state = state;
    this.#key.fill(0);
    this.#deps.closed(this.messageId);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work).catch((error: unknown) => {
      // A chunk that failed to seal or store leaves a hole: the draft cannot go on.
      this.close();
      throw error;
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
