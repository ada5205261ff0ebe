// A recording session end to end under Node with the real WASM libopus: frames in, pages out,
// and the reference tools (opusinfo, opusdec) judge the stream.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { EncoderError } from '../../../../src/shared/audio/encoder';
import { LibopusEncoder } from '../../../../src/shared/audio/libopus-encoder';
import { PRESETS, frameSamples } from '../../../../src/shared/audio/presets';
import type { EncoderPreset } from '../../../../src/shared/audio/presets';
import { RecordingSession } from '../../../../src/shared/audio/recording-session';
import type { RecordingSessionOptions, SessionEvent } from '../../../../src/shared/audio/recording-session';
import { decodePage } from '../../../../src/shared/media/ogg';
import { readOggOpus } from '../../../../src/shared/media/ogg-opus-reader';
import { concatAudio, onsetSeconds, silence, sineTone, zeroCrossingHz } from '../../../helpers/audio-signal';
import { makeTempDir, opusinfoProblems, requireTools, runToolOk } from '../../../helpers/audio-tools';
import { readWav16Mono } from '../../../helpers/audio-wav';
import { loadOpusWasmModule } from '../../../helpers/opus-wasm';

const temp = makeTempDir();
beforeEach(() => {
  requireTools('opusinfo', 'opusdec');
});
afterAll(() => {
  temp.remove();
});

const OPTIONS: RecordingSessionOptions = { serial: 7, maxSamples: 48_000 * 60, warningSamples: 48_000 * 10 };

async function startSession(
  preset: EncoderPreset = PRESETS.standard,
  options: Partial<RecordingSessionOptions> = {},
) {
  const module = await loadOpusWasmModule();
  const events: SessionEvent[] = [];
  const session = await RecordingSession.start(
    preset,
    (output) => new LibopusEncoder(module, preset, output),
    { ...OPTIONS, ...options },
    (event) => events.push(event),
  );
  const pages = () => events.flatMap((event) => (event.type === 'pages' ? event.pages : []));
  return { session, events, pages };
}

function pushAll(session: RecordingSession, signal: Float32Array, frame: number): void {
  for (let from = 0; from + frame <= signal.length; from += frame) {
    session.push(signal.subarray(from, from + frame), 0.1);
  }
}

/** Writes the stream, has opusinfo accept it and opusdec decode it at 48 kHz. */
function decodeWithOpusTools(pages: readonly Uint8Array[], name: string): Float32Array {
  const file = temp.path(name);
  writeFileSync(file, Buffer.concat(pages));
  expect(opusinfoProblems(runToolOk('opusinfo', [file]))).toEqual([]);
  runToolOk('opusdec', ['--rate', '48000', file, `${file}.wav`]);
  return readWav16Mono(`${file}.wav`).samples;
}

describe('RecordingSession with the WASM encoder', () => {
  it('keeps the onset and the exact length, and pages come about once a second', async () => {
    const { session, events, pages } = await startSession();
    const input = concatAudio(silence(0.1), sineTone(440, 2.9));
    pushAll(session, input, 960);
    // Before finish: headers plus the pages of the first two seconds are already out.
    expect(pages().length).toBeGreaterThanOrEqual(4);
    const result = await session.finish();
    expect(result).toMatchObject({
      encoder: 'wasm',
      sampleRate: 48_000,
      recordedSamples: 144_000,
      preSkip: 312,
    });
    expect(result.segments).toEqual([{ from: 0, to: 144_000 }]);

    const granules = pages()
      .slice(2)
      .map((page) => Number(decodePage(page).page.granulePosition));
    expect(granules.at(-1)).toBe(312 + 144_000);
    const steps = granules.slice(1).map((g, i) => g - (granules[i] ?? 0));
    for (const step of steps.slice(0, -1)) expect(step).toBeGreaterThanOrEqual(48_000);
    expect(events.filter((e) => e.type === 'pages').length).toBeGreaterThanOrEqual(4);

    const decoded = decodeWithOpusTools(pages(), 'session.opus');
    expect(decoded.length).toBe(144_000);
    expect(Math.abs(onsetSeconds(decoded, 48_000) - 0.1)).toBeLessThanOrEqual(0.002);
    expect(Math.abs(zeroCrossingHz(decoded, 48_000, 24_000, 120_000) - 440)).toBeLessThanOrEqual(1);
  });

  it('encodes the 16 kHz data-saver preset with a 48 kHz pre-skip', async () => {
    const preset = PRESETS['data-saver'];
    const { session, pages } = await startSession(preset);
    pushAll(
      session,
      concatAudio(silence(0.2, 16_000), sineTone(440, 1.8, 0.5, 16_000)),
      frameSamples(preset),
    );
    const result = await session.finish();
    expect(result.recordedSamples).toBe(32_000);
    expect(readOggOpus(pages()).head).toMatchObject({ preSkip: 312, inputSampleRate: 16_000 });
    const decoded = decodeWithOpusTools(pages(), 'data-saver.opus');
    expect(decoded.length).toBe(96_000);
    expect(Math.abs(onsetSeconds(decoded, 48_000) - 0.2)).toBeLessThanOrEqual(0.003);
    expect(Math.abs(zeroCrossingHz(decoded, 48_000, 24_000, 90_000) - 440)).toBeLessThanOrEqual(2);
  });

  it('cuts paused frames out whole and records where the segments were', async () => {
    const { session, pages } = await startSession(PRESETS.standard, { keepInput: true });
    const frame = new Float32Array(960).fill(0.25);
    for (let i = 0; i < 50; i++) expect(session.push(frame, 0.25)).toBe('recorded');
    session.pause();
    expect(session.paused).toBe(true);
    for (let i = 0; i < 25; i++) expect(session.push(frame, 0.25)).toBe('paused');
    session.resume();
    for (let i = 0; i < 50; i++) session.push(frame, 0.25, i === 10 ? 128 : 0);
    const result = await session.finish();
    expect(result.recordedSamples).toBe(100 * 960);
    expect(result.droppedSamples).toBe(128);
    expect(result.segments).toEqual([
      { from: 0, to: 50 * 960 },
      { from: 75 * 960, to: 85 * 960 },
      { from: 85 * 960 + 128, to: 125 * 960 + 128 },
    ]);
    expect(result.input?.length).toBe(100 * 960);
    expect(readOggOpus(pages()).duration.samples).toBe(100 * 960);
  });

  it('warns once before the limit, then refuses frames past it', async () => {
    const { session, events } = await startSession(PRESETS.standard, {
      maxSamples: 960 * 10,
      warningSamples: 960 * 3,
    });
    const frame = new Float32Array(960);
    const verdicts = Array.from({ length: 12 }, () => session.push(frame, 0));
    expect(verdicts.filter((v) => v === 'recorded')).toHaveLength(10);
    expect(verdicts.slice(10)).toEqual(['full', 'full']);
    expect(events.filter((e) => e.type === 'warning')).toEqual([
      { type: 'warning', remainingSamples: 960 * 3 },
    ]);
    expect(events.filter((e) => e.type === 'limit')).toHaveLength(1);
    expect((await session.finish()).recordedSamples).toBe(960 * 10);
    expect(session.push(frame, 0)).toBe('finished');
  });

  it('reports an encoder failure as an error event, not a throw', async () => {
    const errors: EncoderError[] = [];
    const session = await RecordingSession.start(
      PRESETS.standard,
      (output) => ({
        kind: 'webcodecs',
        preset: PRESETS.standard,
        preSkip: 312,
        encode: () => {
          throw new Error('codec crashed');
        },
        flush: () => Promise.resolve(),
        close: () => undefined,
        output,
      }),
      OPTIONS,
      (event) => {
        if (event.type === 'error') errors.push(event.error);
      },
    );
    expect(session.push(new Float32Array(960), 0)).toBe('recorded');
    expect(errors.map((e) => [e.code, e.message])).toEqual([['ENCODER_FAILED', 'codec crashed']]);
    await expect(session.finish()).rejects.toMatchObject({ code: 'ENCODER_FAILED' });
  });
});
