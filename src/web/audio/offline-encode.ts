// Drives the real encoder worker with PCM instead of a microphone, standing in for the capture
// worklet on the frame port (used by the encoder bench through the diagnostics hooks). Like the
// recorder, it keeps one worker for successive encodes.
import type { CaptureInMessage, CaptureOutMessage } from '../../../worklets/capture.worklet';
import type { EncoderKind } from '../../shared/audio/encoder';
import { frameSamples } from '../../shared/audio/presets';
import type { EncoderPreset } from '../../shared/audio/presets';
import type { EncoderChoice, EncoderCommand, EncoderEvent } from './worker/protocol';

/** What one offline encode produced and how long it took. */
export interface OfflineEncodeResult {
  /** Encoder that ran. */
  readonly encoder: EncoderKind;
  /** Milliseconds from the first frame sent to the finished stream (encoder set-up excluded). */
  readonly elapsedMs: number;
  /** The Ogg Opus file. */
  readonly bytes: Uint8Array;
  /** Samples the worker recorded. */
  readonly recordedSamples: number;
}

function concat(pages: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(pages.reduce((sum, page) => sum + page.length, 0));
  let offset = 0;
  for (const page of pages) {
    bytes.set(page, offset);
    offset += page.length;
  }
  return bytes;
}

/** Encodes PCM through one encoder worker, one file at a time. */
export class OfflineEncoder {
  #worker: Worker | null = null;
  #busy = false;

  /** Encodes `samples` (mono, at the preset's rate) in 20 ms frames. */
  async encode(
    samples: Float32Array,
    preset: EncoderPreset,
    choice: EncoderChoice,
  ): Promise<OfflineEncodeResult> {
    if (this.#busy) throw new Error('an offline encode is already running');
    this.#busy = true;
    this.#worker ??= new Worker(new URL('./encoder.worker.ts', import.meta.url), {
      type: 'module',
      name: 'sotto-encoder',
    });
    const worker = this.#worker;
    const channel = new MessageChannel();
    try {
      return await this.#run(worker, channel, samples, preset, choice);
    } catch (error) {
      this.close(); // a worker that failed is not reused
      throw error;
    } finally {
      channel.port2.close();
      this.#busy = false;
    }
  }

  /** Ends the worker; idempotent. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = null;
  }

  #run(
    worker: Worker,
    channel: MessageChannel,
    samples: Float32Array,
    preset: EncoderPreset,
    choice: EncoderChoice,
  ): Promise<OfflineEncodeResult> {
    const frame = frameSamples(preset);
    const pages: Uint8Array[] = [];
    let startedAt = 0;
    channel.port2.onmessage = (event: MessageEvent<CaptureInMessage>) => {
      // Like the worklet: once told to stop, confirm after everything already sent.
      if (event.data.type === 'stop') {
        channel.port2.postMessage({ type: 'stopped' } satisfies CaptureOutMessage);
      }
    };
    const sendFrames = (): void => {
      startedAt = performance.now();
      for (let from = 0; from + frame <= samples.length; from += frame) {
        const copy = samples.slice(from, from + frame);
        const message: CaptureOutMessage = { type: 'frame', samples: copy, level: 0, dropped: 0 };
        channel.port2.postMessage(message, [copy.buffer]);
      }
      worker.postMessage({ type: 'stop' } satisfies EncoderCommand);
    };
    return new Promise<OfflineEncodeResult>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<EncoderEvent>) => {
        const message = event.data;
        switch (message.type) {
          case 'ready':
            sendFrames();
            break;
          case 'pages':
            pages.push(...message.pages);
            break;
          case 'finished':
            resolve({
              encoder: message.result.encoder,
              elapsedMs: performance.now() - startedAt,
              bytes: concat(pages),
              recordedSamples: message.result.recordedSamples,
            });
            break;
          case 'error':
            reject(new Error(`${message.code}: ${message.message}`));
            break;
          default:
            break;
        }
      };
      worker.postMessage(
        {
          type: 'start',
          port: channel.port1,
          presetId: preset.id,
          choice,
          serial: 1,
          maxSamples: samples.length,
          warningSamples: 0,
          keepInput: false,
        } satisfies EncoderCommand,
        [channel.port1],
      );
    });
  }
}
