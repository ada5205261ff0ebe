// The CLI's Node adapters on real files: key store permissions, the SQLite outbox and inbox across
// reopening, WAV reading and resampling.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '../../../../src/client/identity';
import { sodiumReady } from '../../../../src/shared/crypto/sodium';
import { asConversationId, asCursor, asDeviceKey, asMessageId, toHex } from '../../../../src/shared/protocol';
import { FileKeyStore, KeyStoreError } from '../../../../src/node/client/file-key-store';
import { nodeClock } from '../../../../src/node/client/node-runtime';
import { openProfile } from '../../../../src/node/client/profile';
import { resample } from '../../../../src/node/audio/resample';
import { decodeWav, encodeWav16Mono } from '../../../../src/node/audio/wav';
import { sineTone, zeroCrossingHz } from '../../../helpers/audio-signal';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sotto-adapters-'));
  dirs.push(dir);
  return dir;
};
const mode = (file: string): number => statSync(file).mode & 0o777;

beforeAll(async () => {
  await sodiumReady();
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('file key store', () => {
  it('keeps the identity and pins owner-only and refuses a key file others can read', async () => {
    const dir = path.join(tempDir(), 'profile');
    const store = new FileKeyStore(dir);
    const identity = await createIdentity(store, 'alice', nodeClock);
    await store.pinServerKey('http://127.0.0.1:8080', new Uint8Array(32).fill(7));
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.identityFile)).toBe(0o600);
    expect(mode(store.serversFile)).toBe(0o600);

    const again = await new FileKeyStore(dir).loadIdentity();
    expect(again?.name).toBe('alice');
    expect(toHex(again?.keyPair.publicKey ?? new Uint8Array())).toBe(toHex(identity.keyPair.publicKey));
    expect(toHex((await store.pinnedServerKey('http://127.0.0.1:8080')) ?? new Uint8Array())).toBe(
      '07'.repeat(32),
    );
    await expect(createIdentity(store, 'mallory', nodeClock)).rejects.toMatchObject({
      code: 'ALREADY_INITIALIZED',
    });

    chmodSync(store.identityFile, 0o644);
    await expect(store.loadIdentity()).rejects.toBeInstanceOf(KeyStoreError);
    await expect(store.loadIdentity()).rejects.toMatchObject({ code: 'KEY_FILE_EXPOSED' });
    chmodSync(store.identityFile, 0o600);
    writeFileSync(store.identityFile, '{"version":1}', { mode: 0o600 });
    await expect(store.loadIdentity()).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });
});

describe('SQLite outbox and inbox', () => {
  it('keeps sealed chunks byte for byte across reopening, and never stores an index twice', async () => {
    const dir = tempDir();
    const messageId = asMessageId(new Uint8Array(16).fill(1));
    const conversationId = asConversationId(new Uint8Array(16).fill(2));
    const data = new Uint8Array(3000).map((_, i) => (i * 31) & 255);
    let profile = openProfile(dir);
    expect(mode(path.join(dir, 'sotto.db'))).toBe(0o600);
    await profile.ports.outbox.create({
      messageId,
      conversationId,
      wraps: [{ deviceKey: asDeviceKey(new Uint8Array(32).fill(3)), wrapped: new Uint8Array(121).fill(4) }],
      state: { type: 'recording', sealed: 0, acked: 0 },
      sealedMetadata: null,
      metadata: null,
      createdAtMs: 1,
    });
    await profile.ports.outbox.putChunk(
      messageId,
      { index: 0, final: false, data },
      {
        state: { type: 'recording', sealed: 1, acked: 0 },
      },
    );
    await expect(
      profile.ports.outbox.putChunk(
        messageId,
        { index: 0, final: false, data },
        {
          state: { type: 'recording', sealed: 1, acked: 0 },
        },
      ),
    ).rejects.toThrow(/UNIQUE/);
    await profile.ports.inbox.setCursor('http://a', asCursor(7));
    await profile.ports.inbox.setCursor('http://a', asCursor(5)); // never backwards
    profile.close();

    profile = openProfile(dir);
    const chunk = await profile.ports.outbox.getChunk(messageId, 0);
    expect(Buffer.from(chunk?.data ?? []).equals(Buffer.from(data))).toBe(true);
    const [record] = await profile.ports.outbox.list();
    expect(record?.state).toEqual({ type: 'recording', sealed: 1, acked: 0 });
    expect(toHex(record?.wraps[0]?.wrapped ?? new Uint8Array())).toBe('04'.repeat(121));
    expect(await profile.ports.inbox.cursor('http://a')).toBe(7);
    expect(await profile.ports.inbox.cursor('http://b')).toBe(0);
    profile.close();
  });
});

describe('WAV input', () => {
  it('reads 24-bit stereo and float WAVs as mono', () => {
    const frames = 4;
    const wav24 = new Uint8Array(44 + frames * 6);
    const view = new DataView(wav24.buffer);
    const ascii = (text: string, at: number) => {
      for (let i = 0; i < 4; i++) wav24[at + i] = text.charCodeAt(i);
    };
    ascii('RIFF', 0);
    view.setUint32(4, 36 + frames * 6, true);
    ascii('WAVE', 8);
    ascii('fmt ', 12);
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 2, true);
    view.setUint32(24, 44_100, true);
    view.setUint16(34, 24, true);
    ascii('data', 36);
    view.setUint32(40, frames * 6, true);
    // Left +0.5, right −0.25 in every frame: the mix is +0.125.
    for (let i = 0; i < frames; i++) {
      const left = 0x400000;
      const right = -0x200000 & 0xffffff;
      for (const [channel, value] of [left, right].entries()) {
        const at = 44 + i * 6 + channel * 3;
        wav24[at] = value & 255;
        wav24[at + 1] = (value >> 8) & 255;
        wav24[at + 2] = (value >> 16) & 255;
      }
    }
    const decoded = decodeWav(wav24);
    expect(decoded.sampleRate).toBe(44_100);
    expect([...decoded.samples]).toEqual([0.125, 0.125, 0.125, 0.125]);
    expect(
      decodeWav(encodeWav16Mono({ sampleRate: 16_000, samples: new Float32Array([0.5, -0.5]) })).samples[0],
    ).toBeCloseTo(0.5, 3);
    expect(() => decodeWav(new Uint8Array(10))).toThrow(/not a RIFF/);
  });

  it('resamples 44.1 kHz to 48 kHz keeping the pitch and the length', () => {
    const tone = sineTone(440, 1, 0.5, 44_100);
    const out = resample(tone, 44_100, 48_000);
    expect(out.length).toBe(48_000);
    expect(zeroCrossingHz(out, 48_000, 4_800, 43_200)).toBeCloseTo(440, 0);
  });
});
