import sodium from 'libsodium-wrappers';
import type { Brand } from '../brand';
import { DEVICE_KEY_BYTES, MESSAGE_ID_BYTES, U32_MAX, sameBytes } from '../protocol/ids';
import type { DeviceKey, MessageId } from '../protocol/ids';
import { MAX_CHUNK_BYTES } from '../protocol/limits';
import { decodeMetadata, encodeMetadata, metadataProblem } from './metadata-format';
import type { MessageMetadata } from './metadata-format';
import type { KeyPair } from './noise';
import { concat } from './noise-primitives';
import { assertSodiumReady } from './sodium';

export { MAX_WAVEFORM_VALUES, MAX_SAMPLE_RATE_HZ, METADATA_FORMAT_VERSION } from './metadata-format';
export type { MessageMetadata } from './metadata-format';

/** A message's random 32-byte XChaCha20-Poly1305 key. */
export type MessageKey = Brand<Uint8Array, 'MessageKey'>;

/** Bytes of a message key. */
export const MESSAGE_KEY_BYTES = 32;
/** Poly1305 tag added to every sealed chunk, metadata and wrap. */
export const AEAD_TAG_BYTES = 16;
/** XChaCha20 (and crypto_box) nonce length. */
export const XNONCE_BYTES = 24;
/** Largest chunk plaintext: the sealed chunk (plaintext + tag) must fit MAX_CHUNK_BYTES. */
export const MAX_CHUNK_PLAINTEXT_BYTES = MAX_CHUNK_BYTES - AEAD_TAG_BYTES;
/** Version byte at the start of a wrap's plaintext. */
export const WRAP_VERSION = 1;
/** Wrap plaintext: version ‖ messageId ‖ sender key ‖ message key. */
const WRAP_PLAINTEXT_BYTES = 1 + MESSAGE_ID_BYTES + DEVICE_KEY_BYTES + MESSAGE_KEY_BYTES;
/** Bytes of every wrap: nonce ‖ crypto_box(tag ‖ plaintext) = 121, under the 215 a full begin frame allows. */
export const WRAPPED_KEY_BYTES = XNONCE_BYTES + AEAD_TAG_BYTES + WRAP_PLAINTEXT_BYTES;
/** Bytes sealing adds to the serialised metadata: random nonce and tag. */
export const METADATA_OVERHEAD_BYTES = XNONCE_BYTES + AEAD_TAG_BYTES;

/** Domain label prefixed to the messageId in the metadata's associated data. */
const METADATA_AD_LABEL = new TextEncoder().encode('sotto-meta');

/** Stable reason codes carried by every {@link MessageCryptoError}. */
export type MessageCryptoErrorCode =
  | 'CHUNK_AUTH_FAILED'
  | 'CHUNK_MISSING'
  | 'CHUNK_DUPLICATE'
  | 'CHUNK_OUT_OF_ORDER'
  | 'FINAL_MISSING'
  | 'FINAL_NOT_LAST'
  | 'CHUNK_COUNT_MISMATCH'
  | 'METADATA_AUTH_FAILED'
  | 'METADATA_INVALID'
  | 'WRAP_AUTH_FAILED'
  | 'WRAP_WRONG_MESSAGE'
  | 'WRAP_INVALID';

/** A received message (chunk, metadata or wrap) was rejected; `code` says why. */
export class MessageCryptoError extends Error {
  /** Stable machine-readable reason. */
  readonly code: MessageCryptoErrorCode;
  /** Index of the chunk concerned, for chunk errors; null otherwise. */
  readonly chunkIndex: number | null;

  constructor(code: MessageCryptoErrorCode, message: string, chunkIndex: number | null = null) {
    super(message);
    this.name = 'MessageCryptoError';
    this.code = code;
    this.chunkIndex = chunkIndex;
  }
}

/** One sealed chunk as stored or fetched: its index, final flag and ciphertext. */
export interface SealedChunk {
  /** Position in the message, 0-based. */
  readonly index: number;
  /** Whether the sender marked this chunk as the last one. */
  readonly final: boolean;
  /** Ciphertext and tag as returned by {@link sealChunk}. */
  readonly data: Uint8Array;
}

function expectBytes(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new TypeError(`${field} must be ${length} bytes`);
  }
}

function expectIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > U32_MAX) {
    throw new TypeError(`index must be an integer in 0..${U32_MAX}, got ${index}`);
  }
}

/** Brands 32 bytes as a MessageKey (no copy); throws TypeError on another length. */
export function asMessageKey(bytes: Uint8Array): MessageKey {
  expectBytes(bytes, MESSAGE_KEY_BYTES, 'messageKey');
  return bytes as MessageKey;
}

/** A fresh random message key. */
export function newMessageKey(): MessageKey {
  assertSodiumReady();
  return sodium.randombytes_buf(MESSAGE_KEY_BYTES) as MessageKey;
}

/** Chunk nonce: messageId (16 bytes) ‖ u64le(index) — unique per message and index, never random. */
export function chunkNonce(messageId: MessageId, index: number): Uint8Array {
  expectBytes(messageId, MESSAGE_ID_BYTES, 'messageId');
  expectIndex(index);
  const nonce = new Uint8Array(XNONCE_BYTES);
  nonce.set(messageId);
  // index ≤ 2^32-1, so the high half of the u64 stays zero.
  new DataView(nonce.buffer).setUint32(MESSAGE_ID_BYTES, index, true);
  return nonce;
}

/** Chunk associated data: messageId ‖ u64le(index) ‖ u8(final ? 1 : 0). */
export function chunkAssociatedData(messageId: MessageId, index: number, final: boolean): Uint8Array {
  return concat(chunkNonce(messageId, index), Uint8Array.of(final ? 1 : 0));
}

/** Seals chunk `index` of a message with XChaCha20-Poly1305; returns ciphertext ‖ tag (the nonce is derived). */
export function sealChunk(
  key: MessageKey,
  messageId: MessageId,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  assertSodiumReady();
  expectBytes(key, MESSAGE_KEY_BYTES, 'key');
  if (plaintext.length > MAX_CHUNK_PLAINTEXT_BYTES) {
    throw new RangeError(`chunk plaintext of ${plaintext.length} bytes exceeds ${MAX_CHUNK_PLAINTEXT_BYTES}`);
  }
  const ad = chunkAssociatedData(messageId, index, final);
  return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    ad,
    null,
    chunkNonce(messageId, index),
    key,
  );
}

/** Opens one chunk; throws CHUNK_AUTH_FAILED when it was altered or belongs to another message, index or flag. */
export function openChunk(
  key: MessageKey,
  messageId: MessageId,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Uint8Array {
  assertSodiumReady();
  expectBytes(key, MESSAGE_KEY_BYTES, 'key');
  const ad = chunkAssociatedData(messageId, index, final);
  const nonce = chunkNonce(messageId, index);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    throw new MessageCryptoError(
      'CHUNK_AUTH_FAILED',
      `chunk ${index} failed authentication: it was altered, or sealed for another message, index, final flag or key`,
      index,
    );
  }
}

/** Checks that chunk indices are exactly 0..n-1, sorted, with only the last final; throws the matching code. */
export function checkChunkSequence(chunks: readonly Pick<SealedChunk, 'index' | 'final'>[]): void {
  if (chunks.length === 0) {
    throw new MessageCryptoError('CHUNK_MISSING', 'chunk 0 is missing: the message has no chunks', 0);
  }
  const seen = new Set<number>();
  for (const [position, chunk] of chunks.entries()) {
    if (!Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index > U32_MAX) {
      throw new TypeError(
        `chunks[${position}].index must be an integer in 0..${U32_MAX}, got ${chunk.index}`,
      );
    }
    if (seen.has(chunk.index)) {
      throw new MessageCryptoError(
        'CHUNK_DUPLICATE',
        `chunk ${chunk.index} appears more than once`,
        chunk.index,
      );
    }
    seen.add(chunk.index);
  }
  for (let index = 0; index < chunks.length; index++) {
    if (!seen.has(index)) {
      throw new MessageCryptoError('CHUNK_MISSING', `chunk ${index} is missing`, index);
    }
  }
  // Now the indices are exactly 0..n-1; they must also be in order.
  for (const [position, chunk] of chunks.entries()) {
    if (chunk.index !== position) {
      throw new MessageCryptoError(
        'CHUNK_OUT_OF_ORDER',
        `chunk ${chunk.index} is at position ${position}: chunks must be sorted by index`,
        chunk.index,
      );
    }
  }
  const last = chunks.length - 1;
  const earlyFinal = chunks.findIndex((chunk, position) => chunk.final && position < last);
  if (earlyFinal >= 0) {
    throw new MessageCryptoError(
      'FINAL_NOT_LAST',
      `chunk ${earlyFinal} is marked final but is not the last of ${chunks.length} chunks`,
      earlyFinal,
    );
  }
  if (chunks[last]?.final !== true) {
    throw new MessageCryptoError(
      'FINAL_MISSING',
      `the last chunk (${last}) is not marked final: the message is truncated or incomplete`,
      last,
    );
  }
}

/** Verifies the sequence and opens every chunk of a message; returns the plaintexts in order. */
export function openMessage(
  key: MessageKey,
  messageId: MessageId,
  chunks: readonly SealedChunk[],
): Uint8Array[] {
  checkChunkSequence(chunks);
  return chunks.map((chunk) => openChunk(key, messageId, chunk.index, chunk.final, chunk.data));
}

/** Throws CHUNK_COUNT_MISMATCH unless the message has as many chunks as its sealed metadata says. */
export function assertChunkCount(metadata: MessageMetadata, chunkCount: number): void {
  if (metadata.chunkCount !== chunkCount) {
    throw new MessageCryptoError(
      'CHUNK_COUNT_MISMATCH',
      `the sender sealed ${metadata.chunkCount} chunks but the message has ${chunkCount}`,
    );
  }
}

function metadataAssociatedData(messageId: MessageId): Uint8Array {
  expectBytes(messageId, MESSAGE_ID_BYTES, 'messageId');
  return concat(METADATA_AD_LABEL, messageId);
}

/** Seals metadata under the message key: random nonce ‖ XChaCha20-Poly1305(format v1, AD 'sotto-meta' ‖ messageId). */
export function sealMetadata(key: MessageKey, messageId: MessageId, metadata: MessageMetadata): Uint8Array {
  assertSodiumReady();
  expectBytes(key, MESSAGE_KEY_BYTES, 'key');
  const problem = metadataProblem(metadata);
  if (problem !== null) throw new TypeError(`metadata.${problem}`);
  const nonce = sodium.randombytes_buf(XNONCE_BYTES);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    encodeMetadata(metadata),
    metadataAssociatedData(messageId),
    null,
    nonce,
    key,
  );
  return concat(nonce, ciphertext);
}

/** Opens and validates sealed metadata; throws METADATA_AUTH_FAILED or METADATA_INVALID. */
export function openMetadata(key: MessageKey, messageId: MessageId, sealed: Uint8Array): MessageMetadata {
  assertSodiumReady();
  expectBytes(key, MESSAGE_KEY_BYTES, 'key');
  const ad = metadataAssociatedData(messageId);
  if (sealed.length < METADATA_OVERHEAD_BYTES) {
    throw new MessageCryptoError(
      'METADATA_AUTH_FAILED',
      `sealed metadata of ${sealed.length} bytes is too short`,
    );
  }
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(XNONCE_BYTES),
      ad,
      sealed.subarray(0, XNONCE_BYTES),
      key,
    );
  } catch {
    throw new MessageCryptoError(
      'METADATA_AUTH_FAILED',
      'message metadata failed authentication: it was altered or belongs to another message',
    );
  }
  const decoded = decodeMetadata(plaintext);
  if (!decoded.ok) {
    throw new MessageCryptoError('METADATA_INVALID', `message metadata is invalid: ${decoded.reason}`);
  }
  return decoded.metadata;
}

/** Wraps a message key for one device: nonce ‖ crypto_box(version ‖ messageId ‖ sender key ‖ key), sender → recipient. */
export function wrapKey(
  key: MessageKey,
  messageId: MessageId,
  sender: KeyPair,
  recipient: DeviceKey,
): Uint8Array {
  assertSodiumReady();
  expectBytes(key, MESSAGE_KEY_BYTES, 'key');
  expectBytes(messageId, MESSAGE_ID_BYTES, 'messageId');
  expectBytes(sender.publicKey, DEVICE_KEY_BYTES, 'sender.publicKey');
  expectBytes(recipient, DEVICE_KEY_BYTES, 'recipient');
  // The sender key inside the box stops reflection: crypto_box's key is symmetric in the two parties.
  const plaintext = concat(Uint8Array.of(WRAP_VERSION), messageId, sender.publicKey, key);
  const nonce = sodium.randombytes_buf(XNONCE_BYTES);
  let box: Uint8Array;
  try {
    box = sodium.crypto_box_easy(plaintext, nonce, recipient, sender.privateKey);
  } catch (cause) {
    throw new TypeError('recipient is not a usable X25519 public key', { cause });
  }
  return concat(nonce, box);
}

/** Unwraps a message key from `claimedSender`; throws WRAP_AUTH_FAILED, WRAP_WRONG_MESSAGE or WRAP_INVALID. */
export function unwrapKey(
  wrapped: Uint8Array,
  messageId: MessageId,
  claimedSender: DeviceKey,
  recipient: KeyPair,
): MessageKey {
  assertSodiumReady();
  expectBytes(messageId, MESSAGE_ID_BYTES, 'messageId');
  expectBytes(claimedSender, DEVICE_KEY_BYTES, 'claimedSender');
  const notFromSender = (): MessageCryptoError =>
    new MessageCryptoError(
      'WRAP_AUTH_FAILED',
      "the message key wrap was not made by the claimed sender's device (or was altered)",
    );
  if (wrapped.length < XNONCE_BYTES + AEAD_TAG_BYTES) throw notFromSender();
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_box_open_easy(
      wrapped.subarray(XNONCE_BYTES),
      wrapped.subarray(0, XNONCE_BYTES),
      claimedSender,
      recipient.privateKey,
    );
  } catch {
    throw notFromSender();
  }
  if (plaintext.length !== WRAP_PLAINTEXT_BYTES || plaintext[0] !== WRAP_VERSION) {
    throw new MessageCryptoError(
      'WRAP_INVALID',
      `unsupported message key wrap (version ${plaintext[0] ?? 'none'}, ${plaintext.length} bytes)`,
    );
  }
  const embeddedMessageId = plaintext.subarray(1, 1 + MESSAGE_ID_BYTES);
  const embeddedSender = plaintext.subarray(1 + MESSAGE_ID_BYTES, 1 + MESSAGE_ID_BYTES + DEVICE_KEY_BYTES);
  if (!sameBytes(embeddedSender, claimedSender)) throw notFromSender();
  if (!sameBytes(embeddedMessageId, messageId)) {
    throw new MessageCryptoError(
      'WRAP_WRONG_MESSAGE',
      'the message key wrap was made for a different message id (replayed wrap)',
    );
  }
  return plaintext.slice(WRAP_PLAINTEXT_BYTES - MESSAGE_KEY_BYTES) as MessageKey;
}
