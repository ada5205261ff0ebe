// The native path: WebCodecs AudioEncoder (libopus inside the browser) → raw Opus packets.
import { EncoderError, LIBOPUS_DELAY_48K, preSkipAt48k } from '../../../shared/audio/encoder';
import type { Encoder, EncoderOutput } from '../../../shared/audio/encoder';
import { frameSamples } from '../../../shared/audio/presets';
import type { EncoderPreset } from '../../../shared/audio/presets';
import { opusPacketSamples } from '../../../shared/media/opus-packet';

/** WebCodecs' Opus registration has `application` and `signal`; TypeScript's DOM lib lacks them. */
interface OpusConfig extends OpusEncoderConfig {
  application?: 'voip' | 'audio' | 'lowdelay';
  signal?: 'auto' | 'music' | 'voice';
}

/** Byte offset of the uint16 pre-skip in an OpusHead (RFC 7845 §5.1). */
const OPUS_HEAD_PRE_SKIP_OFFSET = 10;
const MICROS_PER_SECOND = 1_000_000;

/** The AudioEncoder configuration of a preset. */
export function webCodecsConfig(preset: EncoderPreset): AudioEncoderConfig {
  const opus: OpusConfig = {
    application: preset.application,
    frameDuration: preset.frameMs * 1000,
    complexity: preset.complexity,
    ...(preset.application === 'voip' ? { signal: 'voice' as const } : {}),
  };
  return {
    codec: 'opus',
    sampleRate: preset.sampleRate,
    numberOfChannels: preset.channels,
    bitrate: preset.bitrate,
    bitrateMode: 'variable',
    opus,
  };
}

/** Tells whether this browser's WebCodecs can encode the preset (false where WebCodecs is absent). */
export async function webCodecsSupports(preset: EncoderPreset): Promise<boolean> {
  if (typeof AudioEncoder === 'undefined' || typeof AudioData === 'undefined') return false;
  try {
    return (await AudioEncoder.isConfigSupported(webCodecsConfig(preset))).supported === true;
  } catch {
    return false;
  }
}

/** `Encoder` over WebCodecs; packets arrive asynchronously on the encoder's output callback. */
export class WebCodecsEncoder implements Encoder {
  readonly kind = 'webcodecs';
  readonly preset: EncoderPreset;
  #preSkip = LIBOPUS_DELAY_48K;
  readonly #encoder: AudioEncoder;
  readonly #frameSamples: number;
  #framesIn = 0;

  private constructor(preset: EncoderPreset, output: EncoderOutput) {
    this.preset = preset;
    this.#frameSamples = frameSamples(preset);
    this.#encoder = new AudioEncoder({
      output: (chunk, metadata) => {
        const description = metadata?.decoderConfig?.description;
        if (description !== undefined) this.#readPreSkip(description);
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        output.packet({ data, samples: opusPacketSamples(data) });
      },
      error: (error) => {
        output.error(new EncoderError('ENCODER_FAILED', `WebCodecs encoder failed: ${error.message}`));
      },
    });
    this.#encoder.configure(webCodecsConfig(preset));
  }

  /** Creates the encoder, or throws `ENCODER_UNSUPPORTED` if this browser cannot encode the preset. */
  static async create(preset: EncoderPreset, output: EncoderOutput): Promise<WebCodecsEncoder> {
    if (!(await webCodecsSupports(preset))) {
      throw new EncoderError(
        'ENCODER_UNSUPPORTED',
        `WebCodecs cannot encode Opus at ${preset.sampleRate} Hz here`,
      );
    }
    return new WebCodecsEncoder(preset, output);
  }

  /** From the OpusHead the encoder describes itself with (it arrives with the first packet). */
  get preSkip(): number {
    return this.#preSkip;
  }

  encode(frame: Float32Array): void {
    if (frame.length !== this.#frameSamples) {
      throw new TypeError(`frame must hold ${this.#frameSamples} samples, got ${frame.length}`);
    }
    // AudioData copies `data`, so the caller may recycle the frame at once.
    const data = new AudioData({
      format: 'f32-planar',
      sampleRate: this.preset.sampleRate,
      numberOfFrames: frame.length,
      numberOfChannels: 1,
      timestamp: Math.round((this.#framesIn * frame.length * MICROS_PER_SECOND) / this.preset.sampleRate),
      // The spec takes AllowSharedBufferSource; TypeScript's lib says BufferSource.
      data: frame as Float32Array<ArrayBuffer>,
    });
    this.#framesIn++;
    try {
      this.#encoder.encode(data);
    } finally {
      data.close();
    }
  }

  async flush(): Promise<void> {
    // Chromium pads the final partial frame and the codec delay, so no padding is added here.
    try {
      await this.#encoder.flush();
    } catch (error) {
      throw new EncoderError('ENCODER_FAILED', `WebCodecs flush failed: ${String(error)}`);
    }
  }

  close(): void {
    if (this.#encoder.state !== 'closed') this.#encoder.close();
  }

  #readPreSkip(description: AllowSharedBufferSource): void {
    const bytes = ArrayBuffer.isView(description)
      ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength)
      : new Uint8Array(description);
    if (bytes.length < OPUS_HEAD_PRE_SKIP_OFFSET + 2) return;
    const reported =
      (bytes[OPUS_HEAD_PRE_SKIP_OFFSET] ?? 0) | ((bytes[OPUS_HEAD_PRE_SKIP_OFFSET + 1] ?? 0) << 8);
    this.#preSkip = preSkipAt48k(reported, this.preset.sampleRate);
  }
}
