// The pure heart of a recording: frames in (with pause/resume and a length limit), an `Encoder`
// in the middle, Ogg Opus pages out about once a second, and the bookkeeping the UI and the tests
// read (recorded length, waveform, which stretches of the capture made it in).
import { OggOpusWriter } from '../media/ogg-opus';
import { WaveformBuilder } from '../media/waveform';
import { EncoderError } from './encoder';
import type { Encoder, EncoderKind, EncoderOutput, OpusPacket } from './encoder';
import { frameSamples } from './presets';
import type { EncoderPreset } from './presets';

/** Options of a recording session. */
export interface RecordingSessionOptions {
  /** Ogg serial number of the stream. */
  readonly serial: number;
  /** Longest recording, in samples at the preset's rate; frames beyond it are refused. */
  readonly maxSamples: number;
  /** Warn once when this many samples (or fewer) remain. */
  readonly warningSamples: number;
  /** Keep a copy of every recorded input sample (diagnostics and tests only). */
  readonly keepInput?: boolean;
  /** Audio per Ogg page in 48 kHz samples (default: the muxer's 1 s). */
  readonly pageSamples?: number;
}

/** What a session tells its owner while it runs. */
export type SessionEvent =
  /** Finished Ogg pages, in stream order (the first call carries the two header pages). */
  | { readonly type: 'pages'; readonly pages: Uint8Array[] }
  /** The recording is close to its maximum length. */
  | { readonly type: 'warning'; readonly remainingSamples: number }
  /** The maximum length is reached; further frames are refused. */
  | { readonly type: 'limit' }
  /** The encoder failed; the session cannot continue. */
  | { readonly type: 'error'; readonly error: EncoderError };

/** A stretch of the capture that is in the recording, in capture samples since the first frame. */
export interface CaptureSegment {
  /** First capture sample recorded. */
  readonly from: number;
  /** One past the last capture sample recorded. */
  readonly to: number;
}

/** What a finished session produced (its pages went out through `SessionEvent`s). */
export interface SessionResult {
  /** The implementation that encoded. */
  readonly encoder: EncoderKind;
  /** Rate of the input and the encoder. */
  readonly sampleRate: number;
  /** Samples recorded (pauses excluded) at `sampleRate`. */
  readonly recordedSamples: number;
  /** Pre-skip written into the OpusHead, 48 kHz samples. */
  readonly preSkip: number;
  /** Up to 100 levels 0..255. */
  readonly waveform: Uint8Array;
  /** Where the recorded audio sits on the capture's timeline. */
  readonly segments: readonly CaptureSegment[];
  /** Capture samples the audio thread reported lost (consumer too slow). */
  readonly droppedSamples: number;
  /** Every recorded input sample, when `keepInput` was set. */
  readonly input: Float32Array | null;
}

/** What happened to one pushed frame. */
export type FrameVerdict = 'recorded' | 'paused' | 'full' | 'finished';

type SessionState =
  | { readonly type: 'recording' }
  | { readonly type: 'paused' }
  | { readonly type: 'full' }
  | { readonly type: 'finishing' }
  | { readonly type: 'finished' };

/** Makes the encoder for a session, which supplies the output the encoder must report to. */
export type EncoderFactory = (output: EncoderOutput) => Encoder | Promise<Encoder>;

/**
 * One recording: `push()` whole frames as the capture delivers them, `pause()`/`resume()` between
 * frames, `finish()` once. Pauses cut whole frames out, so the encoder sees one seamless signal.
 */
export class RecordingSession {
  readonly #preset: EncoderPreset;
  readonly #options: RecordingSessionOptions;
  readonly #emit: (event: SessionEvent) => void;
  readonly #frameSamples: number;
  readonly #waveform = new WaveformBuilder();
  readonly #segments: CaptureSegment[] = [];
  readonly #input: Float32Array[] | null;
  #encoder: Encoder | null = null;
  #writer: OggOpusWriter | null = null;
  #state: SessionState = { type: 'recording' };
  #recorded = 0;
  #captured = 0;
  #dropped = 0;
  #segmentFrom: number | null = null;
  #warned = false;
  #failed: EncoderError | null = null;

  private constructor(
    preset: EncoderPreset,
    options: RecordingSessionOptions,
    emit: (event: SessionEvent) => void,
  ) {
    this.#preset = preset;
    this.#options = options;
    this.#emit = emit;
    this.#frameSamples = frameSamples(preset);
    this.#input = options.keepInput === true ? [] : null;
  }

  /** Creates the encoder through `factory` and returns a session ready for frames. */
  static async start(
    preset: EncoderPreset,
    factory: EncoderFactory,
    options: RecordingSessionOptions,
    emit: (event: SessionEvent) => void,
  ): Promise<RecordingSession> {
    const session = new RecordingSession(preset, options, emit);
    session.#encoder = await factory({
      packet: (packet) => {
        session.#onPacket(packet);
      },
      error: (error) => {
        session.#fail(error);
      },
    });
    return session;
  }

  /** The encoder in use. */
  get encoder(): EncoderKind {
    return this.#requireEncoder().kind;
  }

  /** Samples recorded so far at the preset's rate (pauses excluded). */
  get recordedSamples(): number {
    return this.#recorded;
  }

  /** True between `pause()` and `resume()`. */
  get paused(): boolean {
    return this.#state.type === 'paused';
  }

  /**
   * Offers the next captured frame (`droppedSoFar`: the capture's running count of samples it
   * lost before this frame). Recorded frames go to the encoder; others only advance the timeline.
   */
  push(frame: Float32Array, level: number, droppedSoFar = 0): FrameVerdict {
    if (frame.length !== this.#frameSamples) {
      throw new TypeError(`frame must hold ${this.#frameSamples} samples, got ${frame.length}`);
    }
    if (droppedSoFar > this.#dropped) {
      // Lost samples are a hole in the capture: close the segment so the timeline stays true.
      this.#closeSegment();
      this.#captured += droppedSoFar - this.#dropped;
      this.#dropped = droppedSoFar;
    }
    const at = this.#captured;
    this.#captured += frame.length;
    const verdict = this.#verdict();
    if (verdict !== 'recorded') return verdict;
    if (this.#recorded + frame.length > this.#options.maxSamples) {
      this.#closeSegment();
      this.#state = { type: 'full' };
      this.#emit({ type: 'limit' });
      return 'full';
    }
    this.#segmentFrom ??= at;
    this.#recorded += frame.length;
    this.#waveform.push(level);
    this.#input?.push(frame.slice());
    try {
      this.#requireEncoder().encode(frame);
    } catch (error) {
      this.#fail(asEncoderError(error));
    }
    const remaining = this.#options.maxSamples - this.#recorded;
    if (!this.#warned && remaining <= this.#options.warningSamples) {
      this.#warned = true;
      this.#emit({ type: 'warning', remainingSamples: remaining });
    }
    return 'recorded';
  }

  /** Stops recording frames until `resume()`; no effect unless recording. */
  pause(): void {
    if (this.#state.type !== 'recording') return;
    this.#closeSegment();
    this.#state = { type: 'paused' };
  }

  /** Records frames again after `pause()`. */
  resume(): void {
    if (this.#state.type === 'paused') this.#state = { type: 'recording' };
  }

  /** Encodes what is pending, writes the last page (EOS, end-trimmed) and reports the result. */
  async finish(): Promise<SessionResult> {
    if (this.#state.type === 'finishing' || this.#state.type === 'finished') {
      throw new EncoderError('ENCODER_FAILED', 'the recording is already finishing');
    }
    this.#closeSegment();
    this.#state = { type: 'finishing' };
    const encoder = this.#requireEncoder();
    try {
      if (this.#recorded > 0) await encoder.flush();
      if (this.#failed !== null) throw this.#failed;
      const writer = this.#writer ?? this.#makeWriter();
      const totalSamples = (this.#recorded * 48_000) / this.#preset.sampleRate;
      this.#emitPages(writer.finish({ totalSamples }));
      return {
        encoder: encoder.kind,
        sampleRate: this.#preset.sampleRate,
        recordedSamples: this.#recorded,
        preSkip: writer.head.preSkip,
        waveform: this.#waveform.snapshot(),
        segments: [...this.#segments],
        droppedSamples: this.#dropped,
        input: this.#input === null ? null : concat(this.#input),
      };
    } finally {
      this.#state = { type: 'finished' };
      encoder.close();
    }
  }

  /** Abandons the recording and frees the encoder; idempotent. */
  close(): void {
    this.#state = { type: 'finished' };
    this.#encoder?.close();
  }

  #verdict(): FrameVerdict {
    switch (this.#state.type) {
      case 'recording':
        return 'recorded';
      case 'paused':
        return 'paused';
      case 'full':
        return 'full';
      case 'finishing':
      case 'finished':
        return 'finished';
    }
  }

  #closeSegment(): void {
    if (this.#segmentFrom === null) return;
    this.#segments.push({ from: this.#segmentFrom, to: this.#captured });
    this.#segmentFrom = null;
  }

  #onPacket(packet: OpusPacket): void {
    if (this.#state.type === 'finished') return;
    const writer = this.#writer ?? this.#makeWriter();
    this.#emitPages(writer.writePacket(packet.data, packet.samples));
  }

  #makeWriter(): OggOpusWriter {
    const writer = new OggOpusWriter({
      serial: this.#options.serial,
      preSkip: this.#requireEncoder().preSkip,
      inputSampleRate: this.#preset.sampleRate,
      ...(this.#options.pageSamples === undefined ? {} : { pageSamples: this.#options.pageSamples }),
    });
    this.#writer = writer;
    return writer;
  }

  #emitPages(pages: Uint8Array[]): void {
    if (pages.length > 0) this.#emit({ type: 'pages', pages });
  }

  #fail(error: EncoderError): void {
    if (this.#failed !== null) return;
    this.#failed = error;
    this.#emit({ type: 'error', error });
  }

  #requireEncoder(): Encoder {
    if (this.#encoder === null) throw new EncoderError('ENCODER_FAILED', 'the encoder is not ready');
    return this.#encoder;
  }
}

function asEncoderError(error: unknown): EncoderError {
  if (error instanceof EncoderError) return error;
  return new EncoderError('ENCODER_FAILED', error instanceof Error ? error.message : String(error));
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
