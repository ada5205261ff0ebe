import type { Brand, Millis } from '../brand';

/** Bytes of a message id (random; also the first 16 bytes of each chunk's XChaCha20 nonce). */
export const MESSAGE_ID_BYTES = 16;
/** Bytes of a conversation id (random, chosen by the creator). */
export const CONVERSATION_ID_BYTES = 16;
/** Bytes of a device key (X25519 public key). */
export const DEVICE_KEY_BYTES = 32;

/** 16 random bytes naming one voice message. */
export type MessageId = Brand<Uint8Array, 'MessageId'>;
/** 16 random bytes naming one conversation. */
export type ConversationId = Brand<Uint8Array, 'ConversationId'>;
/** A device's long-term X25519 public key: its address. */
export type DeviceKey = Brand<Uint8Array, 'DeviceKey'>;
/** Position of a chunk in its message (u32; also used for counts of chunks such as `nextIndex`). */
export type ChunkIndex = Brand<number, 'ChunkIndex'>;
/** Per-device event sequence number (u64 on the wire, limited to Number.MAX_SAFE_INTEGER). */
export type Cursor = Brand<number, 'Cursor'>;
/** Pairs a reply with its request (u32); 0 marks an unsolicited server push. */
export type RequestId = Brand<number, 'RequestId'>;

/** Largest value of a u32 field. */
export const U32_MAX = 0xffff_ffff;

/** Request id of frames the server pushes without a request. */
export const PUSH_REQUEST_ID = 0 as RequestId;
/** Cursor to sync from the very beginning of a device's event log (the first event has cursor 1). */
export const CURSOR_START = 0 as Cursor;

function fixedLength(bytes: Uint8Array, length: number, name: string): void {
  if (bytes.length !== length) {
    throw new TypeError(`${name} must be ${length} bytes, got ${bytes.length}`);
  }
}

function integerIn(value: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Whether a value is a 16-byte Uint8Array usable as a MessageId. */
export function isMessageId(value: unknown): value is MessageId {
  return value instanceof Uint8Array && value.length === MESSAGE_ID_BYTES;
}

/** Brands 16 bytes as a MessageId (no copy); throws TypeError on another length. */
export function asMessageId(bytes: Uint8Array): MessageId {
  fixedLength(bytes, MESSAGE_ID_BYTES, 'messageId');
  return bytes as MessageId;
}

/** Whether a value is a 16-byte Uint8Array usable as a ConversationId. */
export function isConversationId(value: unknown): value is ConversationId {
  return value instanceof Uint8Array && value.length === CONVERSATION_ID_BYTES;
}

/** Brands 16 bytes as a ConversationId (no copy); throws TypeError on another length. */
export function asConversationId(bytes: Uint8Array): ConversationId {
  fixedLength(bytes, CONVERSATION_ID_BYTES, 'conversationId');
  return bytes as ConversationId;
}

/** Whether a value is a 32-byte Uint8Array usable as a DeviceKey. */
export function isDeviceKey(value: unknown): value is DeviceKey {
  return value instanceof Uint8Array && value.length === DEVICE_KEY_BYTES;
}

/** Brands 32 bytes as a DeviceKey (no copy); throws TypeError on another length. */
export function asDeviceKey(bytes: Uint8Array): DeviceKey {
  fixedLength(bytes, DEVICE_KEY_BYTES, 'deviceKey');
  return bytes as DeviceKey;
}

/** Brands a u32 as a ChunkIndex; throws TypeError otherwise. */
export function asChunkIndex(value: number): ChunkIndex {
  integerIn(value, U32_MAX, 'chunkIndex');
  return value as ChunkIndex;
}

/** Brands a non-negative safe integer as a Cursor; throws TypeError otherwise. */
export function asCursor(value: number): Cursor {
  integerIn(value, Number.MAX_SAFE_INTEGER, 'cursor');
  return value as Cursor;
}

/** Brands a u32 as a RequestId; throws TypeError otherwise. */
export function asRequestId(value: number): RequestId {
  integerIn(value, U32_MAX, 'requestId');
  return value as RequestId;
}

/** Brands a non-negative safe integer as wire milliseconds (u64 fields); throws TypeError otherwise. */
export function asMillis(value: number): Millis {
  integerIn(value, Number.MAX_SAFE_INTEGER, 'millis');
  return value as Millis;
}

/** The request id after `previous`, wrapping from 2^32-1 to 1 so that 0 stays reserved for pushes. */
export function nextRequestId(previous: RequestId): RequestId {
  return ((previous % U32_MAX) + 1) as RequestId;
}

/** Whether two byte strings (e.g. two ids) are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

const HEX_DIGITS = '0123456789abcdef';

/** Lower-case hex of some bytes, for logs and map keys. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    out += (HEX_DIGITS[byte >> 4] ?? '') + (HEX_DIGITS[byte & 15] ?? '');
  }
  return out;
}

/** Bytes from hex (either case, even length); throws TypeError on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`not a hex string of whole bytes: ${JSON.stringify(hex.slice(0, 80))}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}
