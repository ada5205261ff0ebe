import type {
  CaptureConnectMessage,
  CaptureInMessage,
  CaptureOutMessage,
  CaptureProcessorOptions,
} from '../../../worklets/capture.worklet';
import captureWorkletUrl from '../../../worklets/capture.worklet.ts?worker&url';

/** Length of one capture frame (and one Opus frame). */
export const FRAME_MS = 20;

/** Microphone processing switches; all off gives the raw signal (tests need that for steady tones). */
export interface CaptureConstraints {
  /** Input device id from `enumerateDevices()`; the default device when absent. */
  deviceId?: string;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
}

/** A running capture: microphone → worklet → frames on `port`. */
export interface Capture {
  readonly context: AudioContext;
  readonly stream: MediaStream;
  /** Samples per second of the frames on `port`. */
  readonly sampleRate: number;
  /** Stops the worklet and releases the microphone; idempotent. */
  close(): Promise<void>;
}

/** A microphone problem, told as what happened and what to do. */
export class MicrophoneError extends Error {
  constructor(
    /** Stable code for tests and telemetry. */
    readonly code: 'denied' | 'not-found' | 'busy' | 'insecure' | 'unsupported' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

/** Turns getUserMedia's DOMExceptions into sentences a person can act on. */
export function explainMicrophoneError(error: unknown): MicrophoneError {
  if (error instanceof MicrophoneError) return error;
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError(
        'denied',
        'Microphone blocked — allow it in the site settings (the icon left of the address bar), then try again.',
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError(
        'not-found',
        'No microphone found — connect one (or pick another input), then try again.',
      );
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError(
        'busy',
        'The microphone could not be started — another app may be using it. Close it, then try again.',
      );
    default:
      return new MicrophoneError(
        'failed',
        'The microphone could not be started. Reload the page and try again.',
      );
  }
}

/**
 * Opens the microphone and starts the capture worklet. Frames arrive on `framePort` as
 * `CaptureOutMessage`s; their buffers must be sent back with `{type:'recycle'}`.
 */
export async function startCapture(
  constraints: CaptureConstraints,
  sampleRate: number,
  framePort: MessagePort,
): Promise<Capture> {
  if (!window.isSecureContext) {
    throw new MicrophoneError(
      'insecure',
      'Recording needs a secure page — open Sotto over https or on localhost.',
    );
  }
  if (!('mediaDevices' in navigator) || typeof AudioWorkletNode === 'undefined') {
    throw new MicrophoneError(
      'unsupported',
      'This browser cannot record audio — use a current Chrome, Edge, Firefox or Safari.',
    );
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(constraints.deviceId === undefined ? {} : { deviceId: { exact: constraints.deviceId } }),
        channelCount: 1,
        echoCancellation: constraints.echoCancellation,
        noiseSuppression: constraints.noiseSuppression,
        autoGainControl: constraints.autoGainControl,
      },
    });
  } catch (error) {
    throw explainMicrophoneError(error);
  }
  return captureStream(stream, sampleRate, framePort);
}

/**
 * Starts the capture worklet on any audio stream (the microphone's, or for diagnostics what the
 * player plays); closing the capture stops the stream's tracks.
 */
export async function captureStream(
  stream: MediaStream,
  sampleRate: number,
  framePort: MessagePort,
): Promise<Capture> {
  // The context runs at the encoder's rate, so the browser resamples the microphone for us.
  const context = new AudioContext({ sampleRate, latencyHint: 'interactive' });
  try {
    await context.audioWorklet.addModule(captureWorkletUrl);
    const source = context.createMediaStreamSource(stream);
    const processorOptions: CaptureProcessorOptions = {
      frameSamples: Math.round((context.sampleRate * FRAME_MS) / 1000),
    };
    const node = new AudioWorkletNode(context, 'sotto-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCountMode: 'explicit',
      channelCount: 1,
      processorOptions,
    });
    node.port.postMessage({ type: 'connect', port: framePort } satisfies CaptureConnectMessage, [framePort]);
    source.connect(node);
    await context.resume();
    let closed = false;
    return {
      context,
      stream,
      sampleRate: context.sampleRate,
      async close() {
        if (closed) return;
        closed = true;
        for (const track of stream.getTracks()) track.stop();
        source.disconnect();
        node.port.close();
        await context.close();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
    throw error instanceof MicrophoneError
      ? error
      : new MicrophoneError('failed', `Audio capture failed to start: ${String(error)}`);
  }
}

/** Sends a frame's buffer back to the worklet's pool. */
export function recycleFrame(port: MessagePort, samples: Float32Array<ArrayBuffer>): void {
  port.postMessage({ type: 'recycle', samples } satisfies CaptureInMessage, [samples.buffer]);
}

export type { CaptureOutMessage };
