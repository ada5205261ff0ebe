import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Millis } from '../../../../src/shared/brand';
import {
  ProtocolError,
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  type ConversationId,
  type DeviceKey,
  type ErrorCode,
  type Event,
  type MessageId,
} from '../../../../src/shared/protocol';
import type { Store, StoredChunk } from '../../../../src/node/server/store/store';

/** A fresh random device key (a plain Uint8Array, as a decoder would produce). */
export function newDevice(): DeviceKey {
  return asDeviceKey(new Uint8Array(randomBytes(32)));
}

/** A fresh random conversation id. */
export function newConversationId(): ConversationId {
  return asConversationId(new Uint8Array(randomBytes(16)));
}

/** A fresh random message id. */
export function newMessageId(): MessageId {
  return asMessageId(new Uint8Array(randomBytes(16)));
}

/** Milliseconds for a test clock. */
export function at(ms: number): Millis {
  return asMillis(ms);
}

/** Deterministic ciphertext stand-in for chunk `index` of a message (length varies with the index). */
export function chunkBytes(messageId: MessageId, index: number): Uint8Array {
  const out = new Uint8Array(100 + ((index * 37) % 200));
  for (let i = 0; i < out.length; i++) out[i] = (messageId[i % 16] ?? 0) ^ ((index * 31 + i) & 0xff);
  return out;
}

/** The chunk `index` of a message of `count` chunks, final on the last. */
export function chunkOf(messageId: MessageId, index: number, count: number): StoredChunk {
  return {
    messageId,
    index: asChunkIndex(index),
    final: index === count - 1,
    data: chunkBytes(messageId, index),
  };
}

/** A wrapped key stand-in naming the device it is for. */
export function wrapFor(messageId: MessageId, device: DeviceKey): Uint8Array {
  return Uint8Array.from([...messageId.subarray(0, 4), ...device.subarray(0, 8)]);
}

/** Asserts that a store call is refused with a ProtocolError of `code`. */
export async function expectRefusal(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code).toBe(code);
  expect((error as ProtocolError).message.length).toBeGreaterThan(0);
}

/** Creates a conversation of a creator and `others` fresh devices. */
export async function newConversation(
  store: Store,
  others = 2,
): Promise<{ id: ConversationId; creator: DeviceKey; devices: DeviceKey[] }> {
  const id = newConversationId();
  const creator = newDevice();
  const devices = [creator, ...Array.from({ length: others }, newDevice)];
  await store.createConversation(id, creator, devices.slice(1), at(1_000));
  return { id, creator, devices };
}

/** Begins an upload from `sender` with a wrap for every given device. */
export async function begin(
  store: Store,
  conversationId: ConversationId,
  sender: DeviceKey,
  wrapped: readonly DeviceKey[],
  options: { messageId?: MessageId; now?: number; maxInFlight?: number } = {},
): Promise<MessageId> {
  const messageId = options.messageId ?? newMessageId();
  const wraps = wrapped.map((deviceKey) => ({ deviceKey, wrapped: wrapFor(messageId, deviceKey) }));
  await store.beginUpload(
    { messageId, conversationId, sender, wraps },
    options.maxInFlight ?? 8,
    at(options.now ?? 2_000),
  );
  return messageId;
}

/** Begins, uploads `count` chunks in order and commits a message; returns its id and metadata. */
export async function send(
  store: Store,
  conversationId: ConversationId,
  sender: DeviceKey,
  members: readonly DeviceKey[],
  count = 3,
  now = 3_000,
): Promise<{ messageId: MessageId; metadata: Uint8Array }> {
  const messageId = await begin(store, conversationId, sender, members);
  for (let i = 0; i < count; i++) await store.putChunk({ ...chunkOf(messageId, i, count), sender });
  const metadata = Uint8Array.from([7, count, 9]);
  await store.commit({ messageId, sender, chunkCount: count, metadata }, at(now));
  return { messageId, metadata };
}

/** Every event of a device's log, read in pages of `page`. */
export async function allEvents(store: Store, device: DeviceKey, page = 100): Promise<Event[]> {
  const events: Event[] = [];
  for (;;) {
    const after = events.at(-1)?.cursor ?? asCursor(0);
    const batch = await store.eventsAfter(device, after, page);
    events.push(...batch.events);
    if (!batch.hasMore) return events;
  }
}

/** Device keys in ascending byte order, as the store lists members. */
export function sortedKeys(keys: readonly DeviceKey[]): DeviceKey[] {
  return [...keys].sort((a, b) => Buffer.compare(a, b));
}
