import sodium from 'libsodium-wrappers';
import { DEVICE_KEY_BYTES, asDeviceKey } from '../protocol/ids';
import type { DeviceKey } from '../protocol/ids';
import { decodeUtf8, encodeUtf8, utf8Length } from '../protocol/utf8';
import { concat } from './noise-primitives';
import { assertSodiumReady } from './sodium';

// Safety number (docs/SECURITY.md): per key, h0 = BLAKE2b-512("sotto-safety-number-v1" ‖ key) and
// h_i = BLAKE2b-512(h_{i-1} ‖ key) for i = 1..5200; the first 30 bytes of h_5200 are six 40-bit big-endian
// integers, each mod 100000 as 5 digits. The two 30-digit fingerprints are ordered by key bytes and joined.

/** Domain-separation and version prefix of the safety number's first hash. */
const SAFETY_NUMBER_DOMAIN = new TextEncoder().encode('sotto-safety-number-v1');
/** Hash iterations per key: Signal's figure, to make searching for a look-alike key costlier. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Groups of five digits per key's fingerprint (30 digits). */
const GROUPS_PER_KEY = 6;
/** Bytes of the digest read per five-digit group (a 40-bit integer). */
const BYTES_PER_GROUP = 5;
const BLAKE2B_512_BYTES = 64;

/** Version byte at the start of every invite code. */
export const INVITE_VERSION = 1;
/** Longest display name an invite carries, in UTF-8 bytes. */
export const MAX_INVITE_NAME_BYTES = 64;
/** Bytes of the invite checksum (truncated BLAKE2b): catches typos and truncation, not forgery. */
export const INVITE_CHECKSUM_BYTES = 4;
/** Domain-separation prefix of the invite checksum hash. */
const INVITE_CHECKSUM_DOMAIN = new TextEncoder().encode('sotto-invite-v1');
/** Shortest output crypto_generichash allows; the checksum keeps its first INVITE_CHECKSUM_BYTES. */
const CHECKSUM_HASH_BYTES = 16;
/** Path of an invite inside the app's hash router. */
const INVITE_ROUTE = '#/invite/';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Stable reason codes carried by every {@link IdentityError}. */
export type IdentityErrorCode = 'INVITE_INVALID';

/** An invite code or link could not be read. */
export class IdentityError extends Error {
  /** Stable machine-readable reason. */
  readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string) {
    super(message);
    this.name = 'IdentityError';
    this.code = code;
  }
}

/** What an invite carries: the inviter's device key and self-chosen (unverified) display name. */
export interface Invite {
  /** The inviting device's X25519 public key. */
  publicKey: DeviceKey;
  /** Display name chosen by the inviter, at most MAX_INVITE_NAME_BYTES of UTF-8. */
  name: string;
}

function blake2b(length: number, data: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(length, data, null);
}

/** Lexicographic byte order; a shorter prefix sorts first. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** The six five-digit groups of one key's fingerprint. */
function fingerprintGroups(key: DeviceKey): string[] {
  let digest = blake2b(BLAKE2B_512_BYTES, concat(SAFETY_NUMBER_DOMAIN, key));
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    digest = blake2b(BLAKE2B_512_BYTES, concat(digest, key));
  }
  const groups: string[] = [];
  for (let group = 0; group < GROUPS_PER_KEY; group++) {
    let value = 0;
    for (const byte of digest.subarray(group * BYTES_PER_GROUP, (group + 1) * BYTES_PER_GROUP)) {
      // 40-bit values stay exact in a double; `* 256` instead of `<< 8`, which would truncate to 32 bits.
      value = value * 256 + byte;
    }
    groups.push((value % 100_000).toString().padStart(5, '0'));
  }
  return groups;
}

/** The safety number of two devices: 60 digits in 12 space-separated groups of 5, the same from either side. */
export function safetyNumber(a: DeviceKey, b: DeviceKey): string {
  assertSodiumReady();
  for (const [key, field] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    if (!(key instanceof Uint8Array) || key.length !== DEVICE_KEY_BYTES) {
      throw new TypeError(`${field} must be a ${DEVICE_KEY_BYTES}-byte device key`);
    }
  }
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return [...fingerprintGroups(first), ...fingerprintGroups(second)].join(' ');
}

function inviteChecksum(body: Uint8Array): Uint8Array {
  return blake2b(CHECKSUM_HASH_BYTES, concat(INVITE_CHECKSUM_DOMAIN, body)).subarray(
    0,
    INVITE_CHECKSUM_BYTES,
  );
}

/** An invite as a URL-safe base64 code (no padding) of version ‖ key ‖ name UTF-8 ‖ 4-byte checksum. */
export function encodeInvite(invite: { publicKey: DeviceKey; name: string }): string {
  assertSodiumReady();
  if (!(invite.publicKey instanceof Uint8Array) || invite.publicKey.length !== DEVICE_KEY_BYTES) {
    throw new TypeError(`invite.publicKey must be a ${DEVICE_KEY_BYTES}-byte device key`);
  }
  if (utf8Length(invite.name) > MAX_INVITE_NAME_BYTES) {
    throw new TypeError(`invite.name must be at most ${MAX_INVITE_NAME_BYTES} bytes of UTF-8`);
  }
  let name: Uint8Array;
  try {
    name = encodeUtf8(invite.name, 'invite.name');
  } catch (cause) {
    throw new TypeError('invite.name is not valid Unicode (lone surrogate)', { cause });
  }
  const body = concat(Uint8Array.of(INVITE_VERSION), invite.publicKey, name);
  return sodium.to_base64(concat(body, inviteChecksum(body)), sodium.base64_variants.URLSAFE_NO_PADDING);
}

/** The link that opens the app's invite screen: `${origin}/#/invite/${code}`. */
export function inviteLink(origin: string, code: string): string {
  if (!BASE64URL.test(code)) throw new TypeError('code must be an invite code (URL-safe base64)');
  return `${origin.replace(/\/+$/, '')}/${INVITE_ROUTE}${code}`;
}

function invalid(message: string): IdentityError {
  return new IdentityError('INVITE_INVALID', message);
}

/** Reads a bare invite code or a full invite link; throws INVITE_INVALID when it is malformed or corrupted. */
export function decodeInvite(codeOrLink: string): Invite {
  assertSodiumReady();
  // Whitespace sneaks in when a code is copied from a wrapped terminal line or a chat bubble.
  const text = codeOrLink.replace(/\s+/g, '');
  const at = text.indexOf(INVITE_ROUTE);
  const code = (at >= 0 ? text.slice(at + INVITE_ROUTE.length) : text).replace(/\/+$/, '');
  if (code === '') throw invalid('This invite is empty: paste the whole invite link or code.');
  if (!BASE64URL.test(code)) {
    throw invalid('This is not a Sotto invite: the code has characters an invite never contains.');
  }
  let bytes: Uint8Array;
  try {
    bytes = sodium.from_base64(code, sodium.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw invalid('This invite code is damaged (it is not valid base64); copy the whole link again.');
  }
  const minBytes = 1 + DEVICE_KEY_BYTES + INVITE_CHECKSUM_BYTES;
  if (bytes.length < minBytes || bytes.length > minBytes + MAX_INVITE_NAME_BYTES) {
    throw invalid('This invite code has the wrong length; copy the whole link again.');
  }
  if (bytes[0] !== INVITE_VERSION) {
    throw invalid(`This invite has unknown version ${bytes[0] ?? 0}: it is damaged or from a newer Sotto.`);
  }
  const body = bytes.subarray(0, bytes.length - INVITE_CHECKSUM_BYTES);
  const checksum = bytes.subarray(bytes.length - INVITE_CHECKSUM_BYTES);
  if (compareBytes(checksum, inviteChecksum(body)) !== 0) {
    throw invalid('This invite code is damaged (checksum mismatch); copy the whole link again.');
  }
  let name: string;
  try {
    name = decodeUtf8(body.subarray(1 + DEVICE_KEY_BYTES), 'invite.name');
  } catch {
    throw invalid('This invite carries a name that is not valid UTF-8.');
  }
  return { publicKey: asDeviceKey(body.slice(1, 1 + DEVICE_KEY_BYTES)), name };
}
