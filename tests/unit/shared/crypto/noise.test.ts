import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CipherState,
  NoiseError,
  createHandshake,
  generateKeyPair,
  initNoise,
  keyPairFromPrivateKey,
} from '../../../../src/shared/crypto/noise';
import type {
  HandshakeState,
  NoiseErrorCode,
  NoisePattern,
  TransportCiphers,
} from '../../../../src/shared/crypto/noise';
import { seededRandom } from '../../../helpers/seeded-random';

const VECTORS_PATH = fileURLToPath(
  new URL('../../../../../shared/vectors/noise/cacophony-25519-ChaChaPoly-BLAKE2b.json', import.meta.url),
);
const VECTORS_PRESENT = existsSync(VECTORS_PATH);
const PROTOCOLS: Readonly<Record<string, NoisePattern>> = {
  Noise_XX_25519_ChaChaPoly_BLAKE2b: 'XX',
  Noise_IK_25519_ChaChaPoly_BLAKE2b: 'IK',
};

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

function isVector(value: unknown): value is Vector {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const strings = ['protocol_name', 'init_prologue', 'resp_prologue'] as const;
  return strings.every((key) => typeof v[key] === 'string') && Array.isArray(v.messages);
}

function loadVectors(): Vector[] {
  const parsed: unknown = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));
  const list: unknown = (parsed as { vectors?: unknown }).vectors;
  if (!Array.isArray(list)) throw new Error(`${VECTORS_PATH} has no "vectors" array`);
  return list.filter(isVector).filter((v) => v.protocol_name in PROTOCOLS);
}

const vectors = VECTORS_PRESENT ? loadVectors() : [];

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A copy of `bytes` with bit `mask` of byte `index` flipped (negative index counts from the end). */
function flip(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  const at = index < 0 ? copy.length + index : index;
  copy[at] = (copy[at] ?? 0) ^ mask;
  return copy;
}

/** Asserts that `run` throws a NoiseError with `code`. */
function expectNoiseError(run: () => unknown, code: NoiseErrorCode): void {
  let thrown: unknown = null;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(NoiseError);
  expect((thrown as NoiseError).code).toBe(code);
}

/** A fresh XX handshake state with a new static key, as initiator or responder. */
function freshXX(initiator: boolean): HandshakeState {
  return createHandshake({
    pattern: 'XX',
    initiator,
    prologue: new Uint8Array(),
    staticKeyPair: generateKeyPair(),
  });
}

/** Runs a whole handshake; returns both sides, complete. */
function handshake(pattern: NoisePattern): { initiator: HandshakeState; responder: HandshakeState } {
  const initiatorKeys = generateKeyPair();
  const responderKeys = generateKeyPair();
  const prologue = utf8('sotto test');
  const initiator = createHandshake({
    pattern,
    initiator: true,
    prologue,
    staticKeyPair: initiatorKeys,
    ...(pattern === 'IK' ? { remoteStaticPublicKey: responderKeys.publicKey } : {}),
  });
  const responder = createHandshake({ pattern, initiator: false, prologue, staticKeyPair: responderKeys });
  const steps = pattern === 'XX' ? 3 : 2;
  for (let i = 0; i < steps; i++) {
    const [writer, reader] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const payload = utf8(`message ${i}`);
    expect(reader.readMessage(writer.writeMessage(payload))).toEqual(payload);
  }
  return { initiator, responder };
}

beforeAll(async () => {
  await initNoise();
});

describe('Noise cacophony vectors (25519, ChaChaPoly, BLAKE2b)', () => {
  if (!VECTORS_PRESENT) {
    it.skip(`skipped: vector file not found at ${VECTORS_PATH}`, () => undefined);
  }

  describe.skipIf(!VECTORS_PRESENT)('XX and IK', () => {
    it('selects at least one XX and one IK vector', () => {
      expect(vectors.filter((v) => PROTOCOLS[v.protocol_name] === 'XX').length).toBeGreaterThan(0);
      expect(vectors.filter((v) => PROTOCOLS[v.protocol_name] === 'IK').length).toBeGreaterThan(0);
    });

    it.each(vectors.map((v, i) => ({ name: `${v.protocol_name} #${i}`, v })))('$name', ({ v }) => {
      const pattern = PROTOCOLS[v.protocol_name];
      if (pattern === undefined) throw new Error(`unexpected ${v.protocol_name}`);
      const initiator = createHandshake({
        pattern,
        initiator: true,
        prologue: unhex(v.init_prologue),
        staticKeyPair: keyPairFromPrivateKey(unhex(v.init_static)),
        ephemeralKeyPair: keyPairFromPrivateKey(unhex(v.init_ephemeral)),
        ...(v.init_remote_static === undefined ? {} : { remoteStaticPublicKey: unhex(v.init_remote_static) }),
      });
      const responder = createHandshake({
        pattern,
        initiator: false,
        prologue: unhex(v.resp_prologue),
        staticKeyPair: keyPairFromPrivateKey(unhex(v.resp_static)),
        ephemeralKeyPair: keyPairFromPrivateKey(unhex(v.resp_ephemeral)),
      });

      let transport: { initiator: TransportCiphers; responder: TransportCiphers } | null = null;
      let handshakeMessages = 0;
      let transportMessages = 0;
      for (const [i, message] of v.messages.entries()) {
        const fromInitiator = i % 2 === 0;
        const payload = unhex(message.payload);
        let ciphertext: Uint8Array;
        let received: Uint8Array;
        if (transport === null) {
          const [writer, reader] = fromInitiator ? [initiator, responder] : [responder, initiator];
          ciphertext = writer.writeMessage(payload);
          received = reader.readMessage(ciphertext);
          handshakeMessages++;
          if (initiator.isComplete && responder.isComplete) {
            transport = { initiator: initiator.split(), responder: responder.split() };
          }
        } else {
          const [writer, reader] = fromInitiator
            ? [transport.initiator, transport.responder]
            : [transport.responder, transport.initiator];
          ciphertext = writer.send.encrypt(payload);
          received = reader.receive.decrypt(ciphertext);
          transportMessages++;
        }
        expect(hex(ciphertext), `message ${i}`).toBe(message.ciphertext);
        expect(hex(received), `payload ${i}`).toBe(message.payload);
      }

      expect(handshakeMessages).toBe(pattern === 'XX' ? 3 : 2);
      expect(transportMessages).toBeGreaterThan(0);
      expect(hex(initiator.remoteStaticPublicKey ?? new Uint8Array())).toBe(
        hex(keyPairFromPrivateKey(unhex(v.resp_static)).publicKey),
      );
      expect(hex(responder.remoteStaticPublicKey ?? new Uint8Array())).toBe(
        hex(keyPairFromPrivateKey(unhex(v.init_static)).publicKey),
      );
      if (v.handshake_hash !== undefined) {
        expect(hex(initiator.handshakeHash)).toBe(v.handshake_hash);
        expect(hex(responder.handshakeHash)).toBe(v.handshake_hash);
      }
    });
  });
});

describe('Noise handshake', () => {
  it.each(['XX', 'IK'] as const)('%s round-trips payloads between fresh key pairs', (pattern) => {
    const seed = (Date.now() ^ 0x5eed) >>> 0;
    const random = seededRandom(seed);
    const { initiator, responder } = handshake(pattern);
    expect(hex(initiator.handshakeHash)).toBe(hex(responder.handshakeHash));
    const a = initiator.split();
    const b = responder.split();
    for (let i = 0; i < 50; i++) {
      const payload = new Uint8Array(Math.floor(random() * 2000)).map(() => Math.floor(random() * 256));
      const [from, to] = random() < 0.5 ? [a, b] : [b, a];
      expect(hex(to.receive.decrypt(from.send.encrypt(payload))), `seed ${seed}, step ${i}`).toBe(
        hex(payload),
      );
    }
  });

  it('rejects a tampered encrypted handshake message with NOISE_DECRYPT_FAILED', () => {
    const initiator = freshXX(true);
    const responder = freshXX(false);
    responder.readMessage(initiator.writeMessage(new Uint8Array()));
    const message = flip(responder.writeMessage(utf8('hello')), 40); // inside the encrypted static key
    expectNoiseError(() => initiator.readMessage(message), 'NOISE_DECRYPT_FAILED');
    expectNoiseError(() => initiator.writeMessage(new Uint8Array()), 'NOISE_ABORTED');
  });

  it('detects a tampered cleartext ephemeral key at the next message', () => {
    const initiator = freshXX(true);
    const responder = freshXX(false);
    responder.readMessage(flip(initiator.writeMessage(new Uint8Array()), 0));
    expectNoiseError(
      () => initiator.readMessage(responder.writeMessage(new Uint8Array())),
      'NOISE_DECRYPT_FAILED',
    );
  });

  it('rejects a tampered IK first message and a wrong pinned key', () => {
    const responderKeys = generateKeyPair();
    const start = (remote: Uint8Array): Uint8Array =>
      createHandshake({
        pattern: 'IK',
        initiator: true,
        prologue: new Uint8Array(),
        staticKeyPair: generateKeyPair(),
        remoteStaticPublicKey: remote,
      }).writeMessage(utf8('hi'));
    const responder = (): HandshakeState =>
      createHandshake({
        pattern: 'IK',
        initiator: false,
        prologue: new Uint8Array(),
        staticKeyPair: responderKeys,
      });

    const tampered = flip(start(responderKeys.publicKey), -1, 0x80);
    expectNoiseError(() => responder().readMessage(tampered), 'NOISE_DECRYPT_FAILED');
    expectNoiseError(
      () => responder().readMessage(start(generateKeyPair().publicKey)),
      'NOISE_DECRYPT_FAILED',
    );
  });

  it('rejects messages of impossible length', () => {
    const responder = freshXX(false);
    expectNoiseError(() => responder.readMessage(new Uint8Array(31)), 'NOISE_BAD_MESSAGE_LENGTH');
    const initiator = freshXX(true);
    expectNoiseError(() => initiator.writeMessage(new Uint8Array(65535 - 31)), 'NOISE_BAD_MESSAGE_LENGTH');
    expect(initiator.writeMessage(new Uint8Array(65535 - 32))).toHaveLength(65535);
    const other = freshXX(false);
    expectNoiseError(() => other.readMessage(new Uint8Array(65536)), 'NOISE_BAD_MESSAGE_LENGTH');
  });

  it('rejects out-of-order use with NOISE_OUT_OF_ORDER', () => {
    const initiator = freshXX(true);
    const responder = freshXX(false);
    expectNoiseError(() => initiator.readMessage(new Uint8Array(32)), 'NOISE_OUT_OF_ORDER');
    expectNoiseError(() => responder.writeMessage(new Uint8Array()), 'NOISE_OUT_OF_ORDER');
    expectNoiseError(() => initiator.split(), 'NOISE_OUT_OF_ORDER');
    expectNoiseError(() => initiator.handshakeHash, 'NOISE_OUT_OF_ORDER');

    const done = handshake('XX');
    expectNoiseError(() => done.initiator.writeMessage(new Uint8Array()), 'NOISE_OUT_OF_ORDER');
    done.initiator.split();
    expectNoiseError(() => done.initiator.split(), 'NOISE_OUT_OF_ORDER');
  });

  it('validates options', () => {
    const staticKeyPair = generateKeyPair();
    expect(() =>
      createHandshake({ pattern: 'IK', initiator: true, prologue: new Uint8Array(), staticKeyPair }),
    ).toThrow(TypeError);
    expect(() =>
      createHandshake({
        pattern: 'XX',
        initiator: true,
        prologue: new Uint8Array(),
        staticKeyPair,
        remoteStaticPublicKey: generateKeyPair().publicKey,
      }),
    ).toThrow(TypeError);
    expect(() =>
      createHandshake({
        pattern: 'XX',
        initiator: true,
        prologue: new Uint8Array(),
        staticKeyPair: { publicKey: generateKeyPair().publicKey, privateKey: staticKeyPair.privateKey },
      }),
    ).toThrow(/staticKeyPair\.publicKey/);
    expectNoiseError(
      () =>
        createHandshake({
          pattern: 'NN' as NoisePattern,
          initiator: true,
          prologue: new Uint8Array(),
          staticKeyPair,
        }),
      'NOISE_UNSUPPORTED',
    );
  });
});

describe('Noise transport ciphers', () => {
  it('rekeys symmetrically', () => {
    const { initiator, responder } = handshake('XX');
    const a = initiator.split();
    const b = responder.split();
    const before = utf8('before rekey');
    expect(b.receive.decrypt(a.send.encrypt(before))).toEqual(before);

    a.send.rekey();
    const after = utf8('after rekey');
    const sealed = a.send.encrypt(after);
    expectNoiseError(() => b.receive.decrypt(sealed), 'NOISE_DECRYPT_FAILED');
    expect(b.receive.nonce).toBe(1n);
    b.receive.rekey();
    expect(b.receive.decrypt(sealed)).toEqual(after);
    expect(a.send.nonce).toBe(2n);
    expect(b.receive.nonce).toBe(2n);
  });

  it('rejects a tampered transport message and keeps the nonce', () => {
    const { initiator, responder } = handshake('IK');
    const a = initiator.split();
    const b = responder.split();
    const sealed = a.send.encrypt(utf8('hello'), utf8('ad'));
    expectNoiseError(() => b.receive.decrypt(sealed, utf8('other ad')), 'NOISE_DECRYPT_FAILED');
    expectNoiseError(() => b.receive.decrypt(flip(sealed, 0), utf8('ad')), 'NOISE_DECRYPT_FAILED');
    expect(b.receive.decrypt(sealed, utf8('ad'))).toEqual(utf8('hello'));
    expectNoiseError(() => b.receive.decrypt(new Uint8Array(15)), 'NOISE_BAD_MESSAGE_LENGTH');
    expectNoiseError(() => a.send.encrypt(new Uint8Array(65535 - 15)), 'NOISE_BAD_MESSAGE_LENGTH');
  });

  it('throws NOISE_NONCE_EXHAUSTED at nonce 2^64-1', () => {
    const cipher = new CipherState(new Uint8Array(32));
    cipher.setNonce(2n ** 64n - 2n);
    cipher.encrypt(new Uint8Array());
    expect(cipher.nonce).toBe(2n ** 64n - 1n);
    expectNoiseError(() => cipher.encrypt(new Uint8Array()), 'NOISE_NONCE_EXHAUSTED');
    expectNoiseError(() => cipher.decrypt(new Uint8Array(16)), 'NOISE_NONCE_EXHAUSTED');
    expect(() => {
      cipher.setNonce(2n ** 64n);
    }).toThrow(RangeError);
  });
});
