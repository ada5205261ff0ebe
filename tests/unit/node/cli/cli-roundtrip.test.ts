// Two CLI identities on a fresh server: send an .opus file and a 3 s 440 Hz WAV, receive them, check the audio with the
// reference tools, follow the receipts, then prove the server never saw audio, waveform or duration.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOggOpus } from '../../../../src/shared/media';
import { writeWav16Mono, readWav16Mono } from '../../../../src/node/audio/wav';
import { makeTempDir, opusinfoProblems, requireTools, runToolOk } from '../../../helpers/audio-tools';
import { TEST_RATE_HZ, concatAudio, silence, sineTone, zeroCrossingHz } from '../../../helpers/audio-signal';
import { befriendedPair, type CliUser } from '../../../helpers/cli';
import { startServer, type TestServer } from '../../../helpers/server';

const TONE_HZ = 440;
const SECONDS = 3;

interface Sidecar {
  id: string;
  from: { name: string; key: string };
  durationMs: number;
  waveform: number[];
}

/** Every BLOB and TEXT value in every table of a SQLite file, as bytes. */
function everyStoredValue(file: string): { where: string; bytes: Buffer }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    const values: { where: string; bytes: Buffer }[] = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          if (value instanceof Uint8Array) {
            values.push({ where: `${name}.${column}`, bytes: Buffer.from(value) });
          } else if (typeof value === 'string') {
            values.push({ where: `${name}.${column}`, bytes: Buffer.from(value) });
          }
        }
      }
    }
    return values;
  } finally {
    db.close();
  }
}

describe('sotto CLI: round trip, receipts, server-blind', () => {
  let server: TestServer;
  let alice: CliUser;
  let bob: CliUser;
  const temp = makeTempDir('sotto-cli-roundtrip-');
  /** Bob's `listen --out` directory: each listen writes only what is not there yet. */
  const inbox = temp.path('inbox');

  beforeAll(async () => {
    requireTools('opusinfo', 'opusdec', 'opusenc');
    server = await startServer();
    [alice, bob] = await befriendedPair(server.url);
  }, 60_000);

  afterAll(async () => {
    await server.dispose();
    alice.dispose();
    bob.dispose();
    temp.remove();
  });

  it('sends an .opus file as it is, with a waveform drawn from its decoded audio', async () => {
    const wav = temp.path('burst.wav');
    writeWav16Mono(wav, {
      sampleRate: TEST_RATE_HZ,
      samples: concatAudio(silence(1), sineTone(TONE_HZ, 1), silence(1)),
    });
    const file = temp.path('burst.opus');
    runToolOk('opusenc', ['--quiet', wav, file]);

    const listening = bob.spawn(['listen', '--out', inbox, '--once']);
    const sent = await alice.ok(['send', '--to', 'bob', file]);
    const messageId = /sent ([0-9a-f]{32})/.exec(sent)?.[1] ?? '';
    expect((await listening.done).code).toBe(0);
    expect(readFileSync(path.join(inbox, `${messageId}.opus`)).equals(readFileSync(file))).toBe(true);
    const sidecar = JSON.parse(readFileSync(path.join(inbox, `${messageId}.json`), 'utf8')) as Sidecar;
    expect(sidecar.durationMs).toBe(3000);
    expect(sidecar.waveform).toHaveLength(100);
    // Silence, tone, silence: the middle third stands out.
    expect(Math.min(...sidecar.waveform.slice(38, 62))).toBeGreaterThan(150);
    expect(Math.max(...sidecar.waveform.slice(0, 30), ...sidecar.waveform.slice(70))).toBeLessThan(40);
  });

  it('sends a WAV that arrives as a valid, byte-identical Opus file with the right tone and length', async () => {
    const wav = temp.path('tone.wav');
    writeWav16Mono(wav, { sampleRate: TEST_RATE_HZ, samples: sineTone(TONE_HZ, SECONDS) });
    const saved = temp.path('sent.opus');

    const listening = bob.spawn(['listen', '--out', inbox, '--once']);
    const sent = await alice.ok(['send', '--to', 'bob', wav, '--save', saved]);
    const messageId = /sent ([0-9a-f]{32})/.exec(sent)?.[1];
    expect(messageId).toBeDefined();
    const listened = await listening.done;
    expect(listened.code, listened.stderr).toBe(0);
    expect(listened.stdout).toContain(`received ${messageId ?? ''} from alice`);

    const files = readdirSync(inbox).filter((file) => file.startsWith(messageId ?? '-'));
    expect(files.sort()).toEqual([`${messageId ?? ''}.json`, `${messageId ?? ''}.opus`]);
    const received = path.join(inbox, `${messageId ?? ''}.opus`);
    expect(readFileSync(received).equals(readFileSync(saved))).toBe(true);

    const info = runToolOk('opusinfo', [received]);
    expect(opusinfoProblems(info)).toEqual([]);
    const decodedFile = temp.path('decoded.wav');
    runToolOk('opusdec', ['--rate', '48000', received, decodedFile]);
    const decoded = readWav16Mono(decodedFile);
    const hz = zeroCrossingHz(decoded.samples, TEST_RATE_HZ, 0.5 * TEST_RATE_HZ, 2.5 * TEST_RATE_HZ);
    const durationErrorMs = Math.abs((decoded.samples.length / decoded.sampleRate) * 1000 - SECONDS * 1000);
    console.log(`round trip: ${hz.toFixed(2)} Hz, duration error ${durationErrorMs.toFixed(1)} ms`);
    expect(Math.abs(hz - TONE_HZ)).toBeLessThanOrEqual(3);
    expect(durationErrorMs).toBeLessThanOrEqual(60);

    const sidecar = JSON.parse(readFileSync(path.join(inbox, `${messageId ?? ''}.json`), 'utf8')) as Sidecar;
    expect(sidecar.from.name).toBe('alice');
    expect(sidecar.durationMs).toBe(SECONDS * 1000);
    expect(sidecar.waveform).toHaveLength(100);

    // Receipts: delivered once Bob has it, played once he marks it played.
    const delivered = await alice.ok(['status']);
    expect(delivered).toMatch(new RegExp(`${messageId ?? ''}\\s+to bob\\s+3\\.0 s\\s+delivered`));
    await bob.ok(['mark-played', (messageId ?? '').slice(0, 8)]);
    const played = await alice.ok(['status']);
    expect(played).toMatch(new RegExp(`${messageId ?? ''}\\s+to bob\\s+3\\.0 s\\s+played`));

    // Server-blind: no stored value holds Ogg, Opus packets, the waveform or the duration.
    await server.stop();
    const stream = readOggOpus(readFileSync(saved));
    const big = stream.packets.filter((packet) => packet.data.length >= 20);
    const packets = [0, 1, Math.floor(big.length / 2), big.length - 2, big.length - 1].map(
      (i) => big[i]?.data,
    );
    const duration = Buffer.alloc(4);
    duration.writeUInt32LE(sidecar.durationMs);
    const needles: [string, Buffer][] = [
      ['OggS', Buffer.from('OggS')],
      ...packets.map((data, i): [string, Buffer] => [`opus packet ${i}`, Buffer.from(data ?? [])]),
      ['waveform bytes', Buffer.from(sidecar.waveform)],
      ['waveform JSON', Buffer.from(JSON.stringify(sidecar.waveform))],
      ['duration as text', Buffer.from(String(sidecar.durationMs))],
      ['duration as u32le', duration],
    ];
    const values = everyStoredValue(path.join(server.dataDir, 'sotto.db'));
    expect(values.length).toBeGreaterThan(10);
    expect(values.some((value) => value.where.startsWith('chunks.'))).toBe(true);
    for (const [what, needle] of needles) {
      expect(needle.length).toBeGreaterThan(3);
      const found = values.filter((value) => value.bytes.includes(needle)).map((value) => value.where);
      expect(found, `${what} found in the server database`).toEqual([]);
    }
  }, 90_000);
});
