import sodium from 'libsodium-wrappers';

/** Bytes backed by a plain (non-shared) ArrayBuffer, as produced by this module. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** An X25519 key pair (32-byte private scalar, 32-byte public key). */
export interface KeyPair {
  /** 32-byte X25519 public key. */
  readonly publicKey: Uint8Array;
  /** 32-byte X25519 private key. */
  readonly privateKey: Uint8Array;
}

/** Stable reason codes carried by every {@link NoiseError}. */
export type NoiseErrorCode =
  | 'NOISE_NOT_READY'
  | 'NOISE_UNSUPPORTED'
  | 'NOISE_DECRYPT_FAILED'
  | 'NOISE_BAD_MESSAGE_LENGTH'
  | 'NOISE_OUT_OF_ORDER'
  | 'NOISE_NONCE_EXHAUSTED'
  | 'NOISE_INVALID_KEY'
  | 'NOISE_ABORTED';

/** A Noise failure with a stable `code`; a handshake that threw must be discarded. */
export class NoiseError extends Error {
  /** Stable machine-readable reason. */
  readonly code: NoiseErrorCode;

  constructor(code: NoiseErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NoiseError';
    this.code = code;
  }
}

/** X25519 public key and shared secret length in bytes (spec DHLEN). */
export const DHLEN = 32;
/** BLAKE2b-512 output length in bytes (spec HASHLEN). */
export const HASHLEN = 64;
/** BLAKE2b block length in bytes, the HMAC pad width (spec BLOCKLEN). */
const BLOCKLEN = 128;
/** ChaCha20-Poly1305 key length in bytes. */
export const KEYLEN = 32;
/** Poly1305 tag length in bytes. */
export const TAGLEN = 16;
/** Largest Noise message in bytes (spec §3). */
export const MAX_MESSAGE_BYTES = 65535;
/** 2^64-1: reserved by spec §5.1 for REKEY, never used for a message. */
const MAX_NONCE = 2n ** 64n - 1n;
const EMPTY: Bytes = new Uint8Array(0);

/** The libsodium functions this suite calls; the .d.ts also declares sumo-only ones, so check at runtime. */
const REQUIRED_FUNCTIONS = [
  'crypto_generichash',
  'crypto_aead_chacha20poly1305_ietf_encrypt',
  'crypto_aead_chacha20poly1305_ietf_decrypt',
  'crypto_scalarmult',
  'crypto_scalarmult_base',
  'randombytes_buf',
] as const;

let readyPromise: Promise<void> | null = null;
let isReady = false;

/** Loads libsodium and checks that the build provides every function the suite uses; call once before use. */
export function initNoise(): Promise<void> {
  readyPromise ??= sodium.ready.then(() => {
    const api = sodium as unknown as Record<string, unknown>;
    const missing = REQUIRED_FUNCTIONS.filter((name) => typeof api[name] !== 'function');
    if (missing.length > 0) {
      throw new NoiseError('NOISE_UNSUPPORTED', `libsodium build lacks ${missing.join(', ')}`);
    }
    isReady = true;
  });
  return readyPromise;
}

/** Throws NOISE_NOT_READY unless {@link initNoise} has resolved. */
export function assertReady(): void {
  if (!isReady) throw new NoiseError('NOISE_NOT_READY', 'await initNoise() before using Noise');
}

/** A private copy of `bytes`, so later changes by the caller cannot reach our state. */
export function copyBytes(bytes: Uint8Array): Bytes {
  return new Uint8Array(bytes);
}

/** Concatenates byte arrays into a new buffer. */
export function concat(...parts: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** libsodium returns fresh copies out of the WASM heap; this only re-types them (copying if ever shared). */
function owned(bytes: Uint8Array): Bytes {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Bytes) : copyBytes(bytes);
}

/** Throws TypeError naming `field` unless `bytes` is exactly `length` bytes long. */
export function expectLength(bytes: Uint8Array, length: number, field: string): void {
  if (bytes.length !== length) throw new TypeError(`${field} must be ${length} bytes, got ${bytes.length}`);
}

/** BLAKE2b-512 of `data` (spec HASH). */
export function hash(data: Uint8Array): Bytes {
  return owned(sodium.crypto_generichash(HASHLEN, data, null));
}

/** HMAC-BLAKE2b-512 per RFC 2104 with a 128-byte block (keyed BLAKE2b is a different function). */
export function hmac(key: Uint8Array, data: Uint8Array): Bytes {
  const block = new Uint8Array(BLOCKLEN);
  block.set(key.length > BLOCKLEN ? hash(key) : key);
  const inner = hash(
    concat(
      block.map((b) => b ^ 0x36),
      data,
    ),
  );
  return hash(
    concat(
      block.map((b) => b ^ 0x5c),
      inner,
    ),
  );
}

/** HKDF of spec §4.3 with two outputs, each HASHLEN bytes. */
export function hkdf2(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Bytes, Bytes] {
  const tempKey = hmac(chainingKey, inputKeyMaterial);
  const output1 = hmac(tempKey, Uint8Array.of(0x01));
  const output2 = hmac(tempKey, concat(output1, Uint8Array.of(0x02)));
  return [output1, output2];
}

/** X25519 shared secret; a low-order public key is rejected with NOISE_INVALID_KEY. */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Bytes {
  try {
    return owned(sodium.crypto_scalarmult(privateKey, publicKey));
  } catch (cause) {
    throw new NoiseError('NOISE_INVALID_KEY', 'X25519 rejected the remote public key', { cause });
  }
}

/** The X25519 public key of `privateKey`, as a key pair. */
export function keyPairFromPrivateKey(privateKey: Uint8Array): { publicKey: Bytes; privateKey: Bytes } {
  assertReady();
  expectLength(privateKey, DHLEN, 'privateKey');
  return { publicKey: owned(sodium.crypto_scalarmult_base(privateKey)), privateKey: copyBytes(privateKey) };
}

/** A fresh random X25519 key pair. */
export function generateKeyPair(): { publicKey: Bytes; privateKey: Bytes } {
  assertReady();
  return keyPairFromPrivateKey(sodium.randombytes_buf(DHLEN));
}

/** ChaCha20-Poly1305 IETF nonce: 4 zero bytes then the 64-bit counter little-endian (spec §12.3). */
function nonceBytes(counter: bigint): Bytes {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, counter, true);
  return nonce;
}

function aeadEncrypt(key: Uint8Array, counter: bigint, ad: Uint8Array, plaintext: Uint8Array): Bytes {
  return owned(
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, ad, null, nonceBytes(counter), key),
  );
}

/** One direction of a Noise session: ChaCha20-Poly1305 keyed once, nonce counting up (spec §5.1). */
export class CipherState {
  #key: Bytes;
  #nonce = 0n;

  /** Starts a cipher with a 32-byte key and nonce 0. */
  constructor(key: Uint8Array) {
    assertReady();
    expectLength(key, KEYLEN, 'key');
    this.#key = copyBytes(key);
  }

  /** The nonce the next encrypt or decrypt will use. */
  get nonce(): bigint {
    return this.#nonce;
  }

  /** Sets the next nonce (spec SetNonce); reusing a nonce with the same key breaks confidentiality. */
  setNonce(nonce: bigint): void {
    if (nonce < 0n || nonce > MAX_NONCE) throw new RangeError('nonce must be in 0..2^64-1');
    this.#nonce = nonce;
  }

  /** Seals `plaintext` with associated data `ad` under the next nonce. */
  encrypt(plaintext: Uint8Array, ad: Uint8Array = EMPTY): Bytes {
    this.#checkNonce();
    if (plaintext.length + TAGLEN > MAX_MESSAGE_BYTES) {
      throw new NoiseError('NOISE_BAD_MESSAGE_LENGTH', `plaintext of ${plaintext.length} bytes is too long`);
    }
    const ciphertext = aeadEncrypt(this.#key, this.#nonce, ad, plaintext);
    this.#nonce += 1n;
    return ciphertext;
  }

  /** Opens `ciphertext` under the next nonce; on failure throws and leaves the nonce unchanged. */
  decrypt(ciphertext: Uint8Array, ad: Uint8Array = EMPTY): Bytes {
    this.#checkNonce();
    if (ciphertext.length < TAGLEN || ciphertext.length > MAX_MESSAGE_BYTES) {
      throw new NoiseError('NOISE_BAD_MESSAGE_LENGTH', `ciphertext of ${ciphertext.length} bytes`);
    }
    let plaintext: Bytes;
    try {
      plaintext = owned(
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          null,
          ciphertext,
          ad,
          nonceBytes(this.#nonce),
          this.#key,
        ),
      );
    } catch (cause) {
      throw new NoiseError('NOISE_DECRYPT_FAILED', 'message failed authentication', { cause });
    }
    this.#nonce += 1n;
    return plaintext;
  }

  /** Replaces the key by REKEY of spec §4.2 (nonce unchanged); both sides must rekey at the same point. */
  rekey(): void {
    const next = aeadEncrypt(this.#key, MAX_NONCE, EMPTY, new Uint8Array(KEYLEN)).slice(0, KEYLEN);
    this.#key.fill(0);
    this.#key = next;
  }

  #checkNonce(): void {
    if (this.#nonce >= MAX_NONCE) throw new NoiseError('NOISE_NONCE_EXHAUSTED', 'nonce space exhausted');
  }
}

/** Spec §5.2: chaining key, handshake hash and the current handshake cipher. */
export class SymmetricState {
  /** Chaining key ck. */
  ck: Bytes;
  /** Handshake hash h. */
  h: Bytes;
  /** Handshake cipher; null until the first MixKey. */
  cipher: CipherState | null = null;

  /** Spec InitializeSymmetric. */
  constructor(protocolName: string) {
    // Protocol names are ASCII; TextEncoder is not in the ES2022 lib this folder compiles against.
    const name = Uint8Array.from(protocolName, (char) => char.charCodeAt(0));
    this.h = name.length <= HASHLEN ? concat(name, new Uint8Array(HASHLEN - name.length)) : hash(name);
    this.ck = copyBytes(this.h);
  }

  /** Spec MixKey: ck, k = HKDF(ck, ikm). */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempKey] = hkdf2(this.ck, inputKeyMaterial);
    this.ck = ck;
    this.cipher = new CipherState(tempKey.subarray(0, KEYLEN));
  }

  /** Spec MixHash: h = HASH(h ‖ data). */
  mixHash(data: Uint8Array): void {
    this.h = hash(concat(this.h, data));
  }

  /** Spec EncryptAndHash (plaintext passes through before the first MixKey). */
  encryptAndHash(plaintext: Uint8Array): Bytes {
    const ciphertext = this.cipher ? this.cipher.encrypt(plaintext, this.h) : copyBytes(plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Spec DecryptAndHash (ciphertext passes through before the first MixKey). */
  decryptAndHash(ciphertext: Uint8Array): Bytes {
    const plaintext = this.cipher ? this.cipher.decrypt(ciphertext, this.h) : copyBytes(ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Spec Split: the initiator→responder and responder→initiator ciphers. */
  split(): [CipherState, CipherState] {
    const [key1, key2] = hkdf2(this.ck, new Uint8Array(0));
    return [new CipherState(key1.subarray(0, KEYLEN)), new CipherState(key2.subarray(0, KEYLEN))];
  }
}
