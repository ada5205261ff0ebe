// The WASM libopus encoder behind the fallback path, driven under Node exactly as in the worker.
import { describe, expect, it } from 'vitest';
import { EncoderError, LIBOPUS_DELAY_48K, preSkipAt48k } from '../../../../src/shared/audio/encoder';
import type { OpusPacket } from '../../../../src/shared/audio/encoder';
import { LibopusEncoder } from '../../../../src/shared/audio/libopus-encoder';
import { PRESETS, frameSamples, isPresetId } from '../../../../src/shared/audio/presets';
import { opusPacketSamples } from '../../../../src/shared/media/opus-packet';
import { loadOpusWasmModule } from '../../../helpers/opus-wasm';

function collect(): {
  packets: OpusPacket[];
  output: { packet: (p: OpusPacket) => void; error: (e: EncoderError) => void };
} {
  const packets: OpusPacket[] = [];
  return {
    packets,
    output: {
      packet: (p) => packets.push(p),
      error: (e) => {
        throw e;
      },
    },
  };
}

describe('presets', () => {
  it('match DESIGN.md §4', () => {
    expect(PRESETS.standard).toMatchObject({
      sampleRate: 48_000,
      bitrate: 24_000,
      application: 'voip',
      frameMs: 20,
    });
    expect(PRESETS['data-saver']).toMatchObject({ sampleRate: 16_000, bitrate: 12_000 });
    expect(PRESETS.high).toMatchObject({ sampleRate: 48_000, bitrate: 64_000, application: 'audio' });
    expect(frameSamples(PRESETS.standard)).toBe(960);
    expect(frameSamples(PRESETS['data-saver'])).toBe(320);
  });

  it('recognises only their own names', () => {
    expect(isPresetId('high')).toBe(true);
    expect(isPresetId('toString')).toBe(false);
    expect(isPresetId(undefined)).toBe(false);
  });
});

describe('preSkipAt48k', () => {
  it('reads Chromium’s 16 kHz-unit delay as 48 kHz samples and leaves correct values alone', () => {
    expect(preSkipAt48k(104, 16_000)).toBe(LIBOPUS_DELAY_48K);
    expect(preSkipAt48k(312, 48_000)).toBe(312);
    expect(preSkipAt48k(312, 16_000)).toBe(312);
  });
});

describe('LibopusEncoder (opus-recorder’s WASM libopus)', () => {
  it.each(['standard', 'data-saver', 'high'] as const)(
    'reports the real 6.5 ms delay and 20 ms packets for %s',
    async (id) => {
      const preset = PRESETS[id];
      const { packets, output } = collect();
      const encoder = new LibopusEncoder(await loadOpusWasmModule(), preset, output);
      expect(encoder.preSkip).toBe(LIBOPUS_DELAY_48K);
      const frame = new Float32Array(frameSamples(preset)).map((_, i) => 0.3 * Math.sin(i / 5));
      for (let i = 0; i < 10; i++) encoder.encode(frame);
      await encoder.flush();
      encoder.close();
      encoder.close();
      expect(packets).toHaveLength(11);
      for (const packet of packets) {
        expect(packet.samples).toBe(960);
        expect(opusPacketSamples(packet.data)).toBe(960);
      }
    },
  );

  it('refuses frames of the wrong length and use after close', async () => {
    const { output } = collect();
    const encoder = new LibopusEncoder(await loadOpusWasmModule(), PRESETS.standard, output);
    expect(() => {
      encoder.encode(new Float32Array(480));
    }).toThrow(TypeError);
    encoder.close();
    expect(() => {
      encoder.encode(new Float32Array(960));
    }).toThrow(EncoderError);
  });
});
