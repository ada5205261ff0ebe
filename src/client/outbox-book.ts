// The engine's one source of the outbox states in memory: every transition goes through here, is
// applied with the pure reducer, announced, and persisted in order per message.
import type { SealedChunk } from '../shared/crypto/message-crypto';
import { toHex, type MessageId } from '../shared/protocol';
import { applyOutboxEvent, type OutboxEvent, type OutboxState } from '../shared/sync';
import { ClientError } from './errors';
import type { Outbox, OutboxChunkUpdate, OutboxRecord } from './ports';

/** Keeps outbox states in memory and writes them through to the Outbox port, one write at a time per message. */
export class OutboxBook {
  readonly #outbox: Outbox;
  readonly #onChange: (messageId: MessageId, state: OutboxState) => void;
  readonly #states = new Map<string, OutboxState>();
  readonly #writes = new Map<string, Promise<void>>();

  constructor(outbox: Outbox, onChange: (messageId: MessageId, state: OutboxState) => void) {
    this.#outbox = outbox;
    this.#onChange = onChange;
  }

  /** Loads every stored record into memory; returns them. */
  async load(): Promise<OutboxRecord[]> {
    const records = await this.#outbox.list();
    for (const record of records) this.#states.set(toHex(record.messageId), record.state);
    return records;
  }

  /** Registers a record created by this engine (already stored). */
  track(record: OutboxRecord): void {
    this.#states.set(toHex(record.messageId), record.state);
  }

  /** The current state, or undefined for an unknown message. */
  get(messageId: MessageId): OutboxState | undefined {
    return this.#states.get(toHex(messageId));
  }

  /** Every tracked message id with its state. */
  entries(): [string, OutboxState][] {
    return [...this.#states.entries()];
  }

  /** Applies an event in memory at once, writes it, then announces it; resolves once written. */
  apply(messageId: MessageId, event: OutboxEvent): Promise<OutboxState> {
    const key = toHex(messageId);
    const current = this.#require(key);
    const next = applyOutboxEvent(current, event);
    if (next === current) return Promise.resolve(current);
    this.#states.set(key, next);
    return this.#queue(key, async () => {
      // Write the newest state at write time: later transitions may have happened meanwhile.
      const latest = this.#states.get(key);
      if (latest !== undefined) await this.#outbox.setState(messageId, latest);
      // Announced once durable, so "sent" on screen means "sent" on disk.
      this.#onChange(messageId, next);
    }).then(() => next);
  }

  /** Resolves when every queued write has finished. */
  async flush(): Promise<void> {
    await Promise.all(this.#writes.values());
  }

  /**
   * Stores a sealed chunk and the state after it, durably, and only then makes it visible in memory
   * (so the uploader never offers a chunk that is not on disk).
   */
  sealChunk(
    messageId: MessageId,
    chunk: SealedChunk,
    finish?: OutboxChunkUpdate['finish'],
  ): Promise<OutboxState> {
    const key = toHex(messageId);
    const event: OutboxEvent = { type: 'chunkSealed', final: chunk.final };
    return this.#queue(key, async () => {
      const state = applyOutboxEvent(this.#require(key), event);
      await this.#outbox.putChunk(messageId, chunk, finish === undefined ? { state } : { state, finish });
    }).then(() => {
      const next = applyOutboxEvent(this.#require(key), event);
      this.#states.set(key, next);
      this.#onChange(messageId, next);
      return next;
    });
  }

  /** Forgets a message and deletes it from the outbox. */
  async remove(messageId: MessageId): Promise<void> {
    const key = toHex(messageId);
    await this.#queue(key, () => this.#outbox.delete(messageId));
    this.#states.delete(key);
    this.#writes.delete(key);
  }

  #require(key: string): OutboxState {
    const state = this.#states.get(key);
    if (state === undefined) throw new ClientError('UNKNOWN_MESSAGE', `no outgoing message ${key}`);
    return state;
  }

  #queue(key: string, write: () => Promise<void>): Promise<void> {
    const previous = this.#writes.get(key) ?? Promise.resolve();
    const next = previous.then(write, write);
    // The chain continues after a failed write; the caller still sees its own failure.
    this.#writes.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}
