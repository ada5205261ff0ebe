import {
  CipherState,
  DHLEN,
  MAX_MESSAGE_BYTES,
  NoiseError,
  TAGLEN,
  assertReady,
  SymmetricState,
  concat,
  copyBytes,
  dh,
  expectLength,
  generateKeyPair,
  keyPairFromPrivateKey,
} from './noise-primitives';
import type { Bytes, KeyPair } from './noise-primitives';

export {
  CipherState,
  MAX_MESSAGE_BYTES,
  NoiseError,
  generateKeyPair,
  initNoise,
  keyPairFromPrivateKey,
} from './noise-primitives';
export type { Bytes, KeyPair, NoiseErrorCode } from './noise-primitives';

/** Handshake patterns this module implements. */
export type NoisePattern = 'XX' | 'IK';

type DhToken = 'ee' | 'es' | 'se' | 'ss';
type Token = 'e' | 's' | DhToken;

/** The keys each DH token combines, as (initiator's key, responder's key). */
const DH_KEYS: Readonly<Record<DhToken, readonly ['e' | 's', 'e' | 's']>> = {
  ee: ['e', 'e'],
  es: ['e', 's'],
  se: ['s', 'e'],
  ss: ['s', 's'],
};

interface PatternSpec {
  /** Whether the responder's static key is known to the initiator beforehand (`<- s` pre-message). */
  readonly responderStaticPremessage: boolean;
  /** Message token lists, alternating initiator → responder, starting with the initiator. */
  readonly messages: readonly (readonly Token[])[];
}

/** Token lists of spec §7.5. */
const PATTERNS: Readonly<Record<NoisePattern, PatternSpec>> = {
  XX: {
    responderStaticPremessage: false,
    messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']],
  },
  IK: {
    responderStaticPremessage: true,
    messages: [
      ['e', 'es', 's', 'ss'],
      ['e', 'ee', 'se'],
    ],
  },
};

/** Options of {@link createHandshake}. */
export interface HandshakeOptions {
  /** Handshake pattern: XX (mutual, keys exchanged) or IK (initiator knows the responder's key). */
  readonly pattern: NoisePattern;
  /** Whether this side sends the first message. */
  readonly initiator: boolean;
  /** Bytes both sides must agree on, bound into the handshake hash (spec §6). */
  readonly prologue: Uint8Array;
  /** This side's long-term X25519 key pair. */
  readonly staticKeyPair: KeyPair;
  /** The responder's static public key; required for the IK initiator, refused otherwise. */
  readonly remoteStaticPublicKey?: Uint8Array;
  /** Fixed ephemeral key pair, for test vectors only; production code must leave it out. */
  readonly ephemeralKeyPair?: KeyPair;
}

/** The two transport ciphers after a handshake, oriented for this side. */
export interface TransportCiphers {
  /** Encrypts what this side sends. */
  readonly send: CipherState;
  /** Decrypts what this side receives. */
  readonly receive: CipherState;
}

/** A Noise handshake in progress; any thrown error aborts it for good. */
export interface HandshakeState {
  /** Builds the next handshake message carrying `payload`. */
  writeMessage(payload: Uint8Array): Bytes;
  /** Consumes the peer's next handshake message and returns its payload. */
  readMessage(message: Uint8Array): Bytes;
  /** True once every handshake message has been written or read. */
  readonly isComplete: boolean;
  /** The peer's static public key, once known (from the start for the IK initiator). */
  readonly remoteStaticPublicKey: Bytes | null;
  /** The handshake hash h, for channel binding; only available once complete. */
  readonly handshakeHash: Bytes;
  /** Derives the transport ciphers (spec Split); allowed once, after completion. */
  split(): TransportCiphers;
}

/** Lifecycle of a handshake: which message is next, finished, split, or abandoned after an error. */
type Phase =
  | { readonly type: 'running'; readonly index: number }
  | { readonly type: 'complete' }
  | { readonly type: 'split' }
  | { readonly type: 'aborted'; readonly error: unknown };

/** Bytes a message adds around its payload, given whether a key is set before its first token. */
function overhead(tokens: readonly Token[], keyedBefore: boolean): number {
  let keyed = keyedBefore;
  let bytes = 0;
  for (const token of tokens) {
    if (token === 'e') bytes += DHLEN;
    else if (token === 's') bytes += DHLEN + (keyed ? TAGLEN : 0);
    else keyed = true;
  }
  return bytes + (keyed ? TAGLEN : 0);
}

class Handshake implements HandshakeState {
  readonly #spec: PatternSpec;
  readonly #initiator: boolean;
  readonly #symmetric: SymmetricState;
  readonly #s: KeyPair;
  #e: KeyPair | null = null;
  #rs: Bytes | null;
  #re: Bytes | null = null;
  readonly #fixedEphemeral: KeyPair | null;
  #phase: Phase = { type: 'running', index: 0 };

  constructor(options: HandshakeOptions) {
    const spec = PATTERNS[options.pattern] as PatternSpec | undefined;
    if (spec === undefined) {
      throw new NoiseError('NOISE_UNSUPPORTED', `unsupported handshake pattern ${options.pattern}`);
    }
    this.#spec = spec;
    this.#initiator = options.initiator;
    this.#s = checkedKeyPair(options.staticKeyPair, 'staticKeyPair');
    this.#fixedEphemeral =
      options.ephemeralKeyPair === undefined
        ? null
        : checkedKeyPair(options.ephemeralKeyPair, 'ephemeralKeyPair');

    const wantsRemote = spec.responderStaticPremessage && options.initiator;
    if (wantsRemote !== (options.remoteStaticPublicKey !== undefined)) {
      throw new TypeError(
        wantsRemote
          ? 'remoteStaticPublicKey is required for the IK initiator'
          : 'remoteStaticPublicKey is only accepted by the IK initiator',
      );
    }
    if (options.remoteStaticPublicKey !== undefined) {
      expectLength(options.remoteStaticPublicKey, DHLEN, 'remoteStaticPublicKey');
    }
    this.#rs = options.remoteStaticPublicKey === undefined ? null : copyBytes(options.remoteStaticPublicKey);

    this.#symmetric = new SymmetricState(`Noise_${options.pattern}_25519_ChaChaPoly_BLAKE2b`);
    this.#symmetric.mixHash(options.prologue);
    if (spec.responderStaticPremessage) {
      this.#symmetric.mixHash(this.#rs ?? this.#s.publicKey);
    }
  }

  get isComplete(): boolean {
    return this.#phase.type === 'complete' || this.#phase.type === 'split';
  }

  get remoteStaticPublicKey(): Bytes | null {
    return this.#rs === null ? null : copyBytes(this.#rs);
  }

  get handshakeHash(): Bytes {
    if (!this.isComplete) throw new NoiseError('NOISE_OUT_OF_ORDER', 'handshake is not complete');
    return copyBytes(this.#symmetric.h);
  }

  writeMessage(payload: Uint8Array): Bytes {
    const tokens = this.#nextTokens(true);
    const length = overhead(tokens, this.#symmetric.cipher !== null) + payload.length;
    if (length > MAX_MESSAGE_BYTES) {
      throw new NoiseError('NOISE_BAD_MESSAGE_LENGTH', `handshake message would be ${length} bytes`);
    }
    return this.#guard(() => {
      const parts: Bytes[] = [];
      for (const token of tokens) {
        if (token === 'e') {
          const e = this.#fixedEphemeral ?? generateKeyPair();
          this.#e = e;
          parts.push(copyBytes(e.publicKey));
          this.#symmetric.mixHash(e.publicKey);
        } else if (token === 's') {
          parts.push(this.#symmetric.encryptAndHash(this.#s.publicKey));
        } else {
          this.#mixDh(token);
        }
      }
      parts.push(this.#symmetric.encryptAndHash(payload));
      return concat(...parts);
    });
  }

  readMessage(message: Uint8Array): Bytes {
    const tokens = this.#nextTokens(false);
    const minimum = overhead(tokens, this.#symmetric.cipher !== null);
    return this.#guard(() => {
      if (message.length < minimum || message.length > MAX_MESSAGE_BYTES) {
        throw new NoiseError('NOISE_BAD_MESSAGE_LENGTH', `handshake message of ${message.length} bytes`);
      }
      let offset = 0;
      const take = (count: number): Uint8Array => {
        const part = message.subarray(offset, offset + count);
        offset += count;
        return part;
      };
      for (const token of tokens) {
        if (token === 'e') {
          this.#re = copyBytes(take(DHLEN));
          this.#symmetric.mixHash(this.#re);
        } else if (token === 's') {
          this.#rs = this.#symmetric.decryptAndHash(take(this.#symmetric.cipher ? DHLEN + TAGLEN : DHLEN));
        } else {
          this.#mixDh(token);
        }
      }
      return this.#symmetric.decryptAndHash(message.subarray(offset));
    });
  }

  split(): TransportCiphers {
    if (this.#phase.type !== 'complete') {
      throw new NoiseError('NOISE_OUT_OF_ORDER', `cannot split a handshake that is ${this.#phase.type}`);
    }
    this.#phase = { type: 'split' };
    // The handshake's private keys are no longer needed; wipe our copies.
    this.#e?.privateKey.fill(0);
    this.#s.privateKey.fill(0);
    this.#e = null;
    const [initiatorToResponder, responderToInitiator] = this.#symmetric.split();
    return this.#initiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder };
  }

  /** The tokens of the next message, if it is this side's turn to write (or read). */
  #nextTokens(writing: boolean): readonly Token[] {
    const phase = this.#phase;
    if (phase.type === 'aborted') {
      throw new NoiseError('NOISE_ABORTED', 'handshake was aborted by an earlier error', {
        cause: phase.error,
      });
    }
    if (phase.type !== 'running') throw new NoiseError('NOISE_OUT_OF_ORDER', 'handshake is already complete');
    const initiatorsTurn = phase.index % 2 === 0;
    if (initiatorsTurn !== (this.#initiator === writing)) {
      throw new NoiseError(
        'NOISE_OUT_OF_ORDER',
        `it is not this side's turn to ${writing ? 'write' : 'read'}`,
      );
    }
    const tokens = this.#spec.messages[phase.index];
    if (tokens === undefined) throw new NoiseError('NOISE_OUT_OF_ORDER', 'no handshake message left');
    return tokens;
  }

  /** Runs one message step; success advances the phase, any error aborts the handshake. */
  #guard(step: () => Bytes): Bytes {
    const phase = this.#phase;
    if (phase.type !== 'running') throw new NoiseError('NOISE_OUT_OF_ORDER', 'handshake is not running');
    try {
      const result = step();
      const index = phase.index + 1;
      this.#phase = index < this.#spec.messages.length ? { type: 'running', index } : { type: 'complete' };
      return result;
    } catch (error) {
      this.#phase = { type: 'aborted', error };
      throw error;
    }
  }

  #mixDh(token: DhToken): void {
    const [initiatorKey, responderKey] = DH_KEYS[token];
    const [mine, theirs] = this.#initiator ? [initiatorKey, responderKey] : [responderKey, initiatorKey];
    const local = mine === 'e' ? this.#e : this.#s;
    const remote = theirs === 'e' ? this.#re : this.#rs;
    if (local === null || remote === null) {
      throw new NoiseError('NOISE_OUT_OF_ORDER', `key missing for token ${token}`);
    }
    this.#symmetric.mixKey(dh(local.privateKey, remote));
  }
}

/** Copies a key pair after checking its lengths and that the public key belongs to the private key. */
function checkedKeyPair(pair: KeyPair, field: string): KeyPair {
  expectLength(pair.privateKey, DHLEN, `${field}.privateKey`);
  expectLength(pair.publicKey, DHLEN, `${field}.publicKey`);
  const derived = keyPairFromPrivateKey(pair.privateKey);
  if (!derived.publicKey.every((byte, i) => byte === pair.publicKey[i])) {
    throw new TypeError(`${field}.publicKey does not match ${field}.privateKey`);
  }
  return derived;
}

/** Starts a Noise_XX or Noise_IK handshake over 25519, ChaChaPoly and BLAKE2b; await initNoise() first. */
export function createHandshake(options: HandshakeOptions): HandshakeState {
  assertReady();
  return new Handshake(options);
}
