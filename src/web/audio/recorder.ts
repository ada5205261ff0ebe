// The recorder: a state machine over the microphone (capture worklet) and the encoder worker.
// Audio flows worklet → worker directly; this thread only steers and hears levels and pages.
import type { EncoderKind } from '../../shared/audio/encoder';
import type { EncoderPreset, PresetId } from '../../shared/audio/presets';
import type { CaptureSegment } from '../../shared/audio/recording-session';
import { MicrophoneError, startCapture } from './capture';
import type { Capture, CaptureConstraints } from './capture';
import { Emitter } from '../../shared/emitter';
import type { EncoderChoice, EncoderCommand, EncoderEvent } from './worker/protocol';

/** Why a recording ended. */
export type EndReason = 'stopped' | 'limit' | 'device-lost';

/** A finished recording. */
export interface Recording {
  /** The complete Ogg Opus file. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Recorded length (pauses excluded). */
  readonly durationMs: number;
  /** Recorded samples at `sampleRate`: from the first captured frame to the last. */
  readonly recordedSamples: number;
  /** Capture and encoder rate. */
  readonly sampleRate: number;
  /** Up to 100 levels 0..255. */
  readonly waveform: Uint8Array;
  /** The encoder that made it. */
  readonly encoder: EncoderKind;
  /** The preset it used. */
  readonly presetId: PresetId;
  /** Pre-skip in the OpusHead, 48 kHz samples. */
  readonly preSkip: number;
  /** Why it ended. */
  readonly endReason: EndReason;
  /** Where the recorded audio lies on the capture timeline (pauses are the gaps). */
  readonly segments: readonly CaptureSegment[];
  /** The encoder's input, when the recorder kept it (diagnostics). */
  readonly input: Float32Array | null;
}

/** What a recording needs. */
export interface RecorderOptions {
  /** Encoder preset. */
  readonly preset: EncoderPreset;
  /** Microphone and its processing. */
  readonly constraints: CaptureConstraints;
  /** Encoder path ('auto' picks WebCodecs when it can). */
  readonly encoder: EncoderChoice;
  /** Longest recording; it stops by itself there. */
  readonly maxDurationMs: number;
  /** Warn this long before the maximum. */
  readonly warningMs: number;
  /** Keep the encoder's input for diagnostics. */
  readonly keepInput: boolean;
}

interface Live {
  readonly options: RecorderOptions;
  readonly worker: Worker;
  readonly pages: Uint8Array[];
  capture: Capture | null;
  encoder: EncoderKind | null;
  recordedSamples: number;
  endReason: EndReason;
  /** Settles `stop()`. */
  onFinished: ((recording: Recording | null) => void) | null;
}

/** The recorder's lifecycle. */
export type RecorderState =
  | { readonly type: 'idle' }
  | { readonly type: 'requesting'; readonly live: Live }
  | { readonly type: 'recording'; readonly live: Live }
  | { readonly type: 'paused'; readonly live: Live }
  | { readonly type: 'stopping'; readonly live: Live };

/** A recording problem told as what happened and what to do; `code` is stable. */
export interface RecorderFailure {
  readonly code: string;
  readonly message: string;
}

/** Events of a `Recorder`. */
export interface RecorderEvents {
  /** The state changed. */
  state: RecorderState['type'];
  /** About ten times a second: length so far and the levels (RMS 0..1) of new 20 ms frames. */
  progress: { readonly recordedMs: number; readonly levels: readonly number[] };
  /** Ogg pages as they are finished (about one per second), for uploading while recording. */
  pages: readonly Uint8Array[];
  /** The maximum length is `remainingMs` away. */
  warning: { readonly remainingMs: number };
  /** A recording completed (stopped, hit its limit, or lost its microphone). */
  finished: Recording;
  /** Recording could not start or broke down; nothing was kept. */
  error: RecorderFailure;
}

function createEncoderWorker(): Worker {
  return new Worker(new URL('./encoder.worker.ts', import.meta.url), {
    type: 'module',
    name: 'sotto-encoder',
  });
}

function randomSerial(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
}

function concatPages(pages: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pages.reduce((sum, page) => sum + page.length, 0));
  let offset = 0;
  for (const page of pages) {
    out.set(page, offset);
    offset += page.length;
  }
  return out;
}

/** Records voice messages: `start`, `pause`, `resume`, `stop`, `cancel`. */
export class Recorder extends Emitter<RecorderEvents> {
  #state: RecorderState = { type: 'idle' };
  #spare: Worker | null = null;

  /** The current state. */
  get state(): RecorderState {
    return this.#state;
  }

  /** The microphone stream of the recording in progress, once open. */
  get stream(): MediaStream | null {
    return this.#state.type === 'idle' ? null : (this.#state.live.capture?.stream ?? null);
  }

  /** The encoder of the recording in progress, once known. */
  get encoder(): EncoderKind | null {
    return this.#state.type === 'idle' ? null : this.#state.live.encoder;
  }

  /** Asks for the microphone and starts recording; resolves once audio flows (or it failed). */
  async start(options: RecorderOptions): Promise<void> {
    if (this.#state.type !== 'idle') return;
    // A worker that finished a recording is reused: its codec is loaded, compiled and warm.
    const worker = this.#spare ?? createEncoderWorker();
    this.#spare = null;
    const live: Live = {
      options,
      worker,
      pages: [],
      capture: null,
      encoder: null,
      recordedSamples: 0,
      endReason: 'stopped',
      onFinished: null,
    };
    this.#setState({ type: 'requesting', live });
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<EncoderEvent>) => {
        if (event.data.type === 'ready') resolve();
        if (event.data.type === 'error') reject(new MicrophoneError('failed', event.data.message));
        this.#onWorker(live, event.data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const failure = { code: 'ENCODER_FAILED', message: `The encoder stopped: ${event.message}` };
        reject(new MicrophoneError('failed', failure.message));
        this.#fail(live, failure);
      };
    });
    const channel = new MessageChannel();
    const { preset } = options;
    this.#send(
      live,
      {
        type: 'start',
        port: channel.port1,
        presetId: preset.id,
        choice: options.encoder,
        serial: randomSerial(),
        maxSamples: Math.floor((options.maxDurationMs * preset.sampleRate) / 1000),
        warningSamples: Math.floor((options.warningMs * preset.sampleRate) / 1000),
        keepInput: options.keepInput,
      },
      [channel.port1],
    );
    // The worker queues frames that arrive before its encoder is up, so both can start at once.
    const [capture, encoder] = await Promise.allSettled([
      startCapture(options.constraints, preset.sampleRate, channel.port2),
      ready,
    ]);
    if (capture.status === 'fulfilled') live.capture = capture.value;
    const now = this.state; // read afresh: cancel() may have run while we awaited
    if (now.type !== 'requesting' || now.live !== live) {
      await this.#release(live); // cancelled while asking
      return;
    }
    const failure: unknown =
      capture.status === 'rejected' ? capture.reason : encoder.status === 'rejected' ? encoder.reason : null;
    if (failure !== null || live.capture === null) {
      const error =
        failure instanceof MicrophoneError ? failure : new MicrophoneError('failed', String(failure));
      this.#fail(live, { code: error.code, message: error.message });
      return;
    }
    for (const track of live.capture.stream.getAudioTracks()) {
      // Unplugged or revoked: end the recording and keep what was captured.
      track.addEventListener('ended', () => {
        live.endReason = 'device-lost';
        void this.stop();
      });
    }
    this.#setState({ type: 'recording', live });
  }

  /** Pauses: frames are left out until `resume()`; the microphone stays open. */
  pause(): void {
    if (this.#state.type !== 'recording') return;
    this.#send(this.#state.live, { type: 'pause' });
    this.#setState({ type: 'paused', live: this.#state.live });
  }

  /** Resumes after `pause()`. */
  resume(): void {
    if (this.#state.type !== 'paused') return;
    this.#send(this.#state.live, { type: 'resume' });
    this.#setState({ type: 'recording', live: this.#state.live });
  }

  /** Ends the recording and resolves with it (null if nothing was recording or it failed). */
  stop(): Promise<Recording | null> {
    const state = this.#state;
    if (state.type !== 'recording' && state.type !== 'paused') return Promise.resolve(null);
    const { live } = state;
    this.#setState({ type: 'stopping', live });
    const finished = new Promise<Recording | null>((resolve) => {
      live.onFinished = resolve;
    });
    this.#send(live, { type: 'stop' });
    return finished;
  }

  /** Abandons whatever is in progress; nothing is kept. Idempotent. */
  async cancel(): Promise<void> {
    const state = this.#state;
    if (state.type === 'idle') return;
    this.#setState({ type: 'idle' });
    state.live.onFinished?.(null);
    await this.#release(state.live);
  }

  #onWorker(live: Live, event: EncoderEvent): void {
    switch (event.type) {
      case 'ready':
        live.encoder = event.encoder;
        break;
      case 'progress':
        live.recordedSamples = event.recordedSamples;
        this.emit('progress', {
          recordedMs: (event.recordedSamples * 1000) / live.options.preset.sampleRate,
          levels: event.levels,
        });
        break;
      case 'pages':
        live.pages.push(...event.pages);
        this.emit('pages', event.pages);
        break;
      case 'warning':
        this.emit('warning', {
          remainingMs: (event.remainingSamples * 1000) / live.options.preset.sampleRate,
        });
        break;
      case 'limit':
        live.endReason = 'limit';
        void this.stop();
        break;
      case 'finished':
        void this.#finished(live, event.result);
        break;
      case 'error':
        this.#fail(live, { code: event.code, message: `Recording failed: ${event.message}` });
        break;
    }
  }

  async #finished(live: Live, result: Extract<EncoderEvent, { type: 'finished' }>['result']): Promise<void> {
    if (result.recordedSamples === 0) {
      this.#fail(live, {
        code: 'EMPTY_RECORDING',
        message: 'Nothing was recorded — press Record, speak, then press Stop.',
      });
      return;
    }
    const recording: Recording = {
      bytes: concatPages(live.pages),
      durationMs: (result.recordedSamples * 1000) / result.sampleRate,
      recordedSamples: result.recordedSamples,
      sampleRate: result.sampleRate,
      waveform: result.waveform,
      encoder: result.encoder,
      presetId: live.options.preset.id,
      preSkip: result.preSkip,
      endReason: live.endReason,
      segments: result.segments,
      input: result.input,
    };
    await this.#release(live, true);
    if (this.#state.type !== 'idle' && this.#state.live === live) this.#setState({ type: 'idle' });
    live.onFinished?.(recording);
    this.emit('finished', recording);
  }

  #fail(live: Live, failure: RecorderFailure): void {
    if (this.#state.type === 'idle' || this.#state.live !== live) return;
    this.#setState({ type: 'idle' });
    live.onFinished?.(null);
    void this.#release(live);
    this.emit('error', failure);
  }

  /** Cancels anything in progress and ends the spare worker; the recorder can still start again. */
  async dispose(): Promise<void> {
    await this.cancel();
    this.#spare?.terminate();
    this.#spare = null;
  }

  async #release(live: Live, keepWorker = false): Promise<void> {
    live.worker.onmessage = null;
    live.worker.onerror = null;
    if (keepWorker && this.#spare === null) this.#spare = live.worker;
    else live.worker.terminate();
    const capture = live.capture;
    live.capture = null;
    await capture?.close();
  }

  #send(live: Live, command: EncoderCommand, transfer: Transferable[] = []): void {
    live.worker.postMessage(command, transfer);
  }

  #setState(state: RecorderState): void {
    this.#state = state;
    this.emit('state', state.type);
  }
}
