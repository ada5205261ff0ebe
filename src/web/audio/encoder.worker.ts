// The encoder worker: capture frames arrive straight from the AudioWorklet on a MessagePort, are
// encoded here (WebCodecs, else WASM libopus) and leave as Ogg pages; the page only sees control
// messages, levels for the meter and the pages. A worker records one message at a time and may be
// reused for the next (its codec stays compiled and warm); after an error the page discards it.
import type { CaptureInMessage, CaptureOutMessage } from '../../../worklets/capture.worklet';
import { EncoderError } from '../../shared/audio/encoder';
import type { Encoder, EncoderOutput } from '../../shared/audio/encoder';
import { PRESETS } from '../../shared/audio/presets';
import type { EncoderPreset } from '../../shared/audio/presets';
import { RecordingSession } from '../../shared/audio/recording-session';
import type { SessionEvent } from '../../shared/audio/recording-session';
import type { EncoderChoice, EncoderCommand, EncoderEvent } from './worker/protocol';
import { createWasmEncoder } from './worker/wasm-encoder';
import { WebCodecsEncoder } from './worker/webcodecs-encoder';

/** Recorded frames per progress message: 5 × 20 ms keeps the meter live at 10 messages a second. */
const FRAMES_PER_PROGRESS = 5;
/** How long to wait for the worklet to confirm it stopped before finishing with what arrived. */
const STOP_TIMEOUT_MS = 1000;

const scope = self as unknown as DedicatedWorkerGlobalScope;

interface QueuedFrame {
  readonly samples: Float32Array;
  readonly level: number;
  readonly dropped: number;
}

type WorkerState =
  | { readonly type: 'idle' }
  | { readonly type: 'starting'; readonly port: MessagePort; readonly queue: QueuedFrame[] }
  | { readonly type: 'running'; readonly port: MessagePort; readonly session: RecordingSession }
  | { readonly type: 'stopping'; readonly port: MessagePort; readonly session: RecordingSession }
  | { readonly type: 'finishing' }
  | { readonly type: 'failed' };

/** What belongs to the recording in progress (commands may arrive before its encoder is up). */
interface Job {
  stopRequested: boolean;
  pauseRequested: boolean;
  /** Levels of recorded frames not yet reported. */
  levels: number[];
  stopTimer: ReturnType<typeof setTimeout> | undefined;
}

function newJob(): Job {
  return { stopRequested: false, pauseRequested: false, levels: [], stopTimer: undefined };
}

let state: WorkerState = { type: 'idle' };
let job = newJob();

/** The state as it is now (TypeScript would keep a narrowing from before an `await`). */
function currentState(): WorkerState {
  return state;
}

function post(event: EncoderEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

function fail(error: unknown): void {
  const encoderError =
    error instanceof EncoderError
      ? error
      : new EncoderError('ENCODER_FAILED', `Encoding failed: ${String(error)}`);
  if (state.type === 'running' || state.type === 'stopping') state.session.close();
  clearTimeout(job.stopTimer);
  state = { type: 'failed' };
  post({ type: 'error', code: encoderError.code, message: encoderError.message });
}

async function createEncoder(
  choice: EncoderChoice,
  preset: EncoderPreset,
  output: EncoderOutput,
): Promise<Encoder> {
  if (choice === 'wasm') return createWasmEncoder(preset, output);
  try {
    return await WebCodecsEncoder.create(preset, output);
  } catch (error) {
    if (choice === 'webcodecs') throw error;
    return createWasmEncoder(preset, output);
  }
}

function onSessionEvent(event: SessionEvent): void {
  switch (event.type) {
    case 'pages':
      post(
        { type: 'pages', pages: event.pages },
        event.pages.map((page) => page.buffer),
      );
      break;
    case 'warning':
      post({ type: 'warning', remainingSamples: event.remainingSamples });
      break;
    case 'limit':
      post({ type: 'limit' });
      break;
    case 'error':
      fail(event.error);
      break;
  }
}

function record(session: RecordingSession, samples: Float32Array, level: number, dropped: number): void {
  if (session.push(samples, level, dropped) !== 'recorded') return;
  job.levels.push(level);
  if (job.levels.length >= FRAMES_PER_PROGRESS) flushProgress(session);
}

function flushProgress(session: RecordingSession): void {
  if (job.levels.length === 0) return;
  post({ type: 'progress', recordedSamples: session.recordedSamples, levels: job.levels });
  job.levels = [];
}

function onCapture(port: MessagePort, message: CaptureOutMessage): void {
  if (message.type === 'stopped') {
    void finish();
    return;
  }
  const { samples, level, dropped } = message;
  if (state.type === 'starting') state.queue.push({ samples: samples.slice(), level, dropped });
  // While stopping, frames keep counting until the worklet's `stopped`: they were captured before the press.
  else if (state.type === 'running' || state.type === 'stopping') {
    record(state.session, samples, level, dropped);
  }
  // Every encoder copies the frame before returning, so the buffer can go back to the pool now.
  port.postMessage({ type: 'recycle', samples } satisfies CaptureInMessage, [samples.buffer]);
}

async function start(command: Extract<EncoderCommand, { type: 'start' }>): Promise<void> {
  if (state.type !== 'idle') return;
  job = newJob();
  const { port } = command;
  const queue: QueuedFrame[] = [];
  state = { type: 'starting', port, queue };
  port.onmessage = (event: MessageEvent<CaptureOutMessage>) => {
    onCapture(port, event.data);
  };
  const preset = PRESETS[command.presetId];
  const session = await RecordingSession.start(
    preset,
    (output) => createEncoder(command.choice, preset, output),
    {
      serial: command.serial,
      maxSamples: command.maxSamples,
      warningSamples: command.warningSamples,
      keepInput: command.keepInput,
    },
    onSessionEvent,
  );
  if (currentState().type !== 'starting') {
    session.close(); // stopped before the encoder was up
    return;
  }
  state = { type: 'running', port, session };
  post({ type: 'ready', encoder: session.encoder });
  for (const frame of queue) record(session, frame.samples, frame.level, frame.dropped);
  if (job.pauseRequested) session.pause();
  if (job.stopRequested) requestStop();
}

function requestStop(): void {
  job.stopRequested = true;
  if (state.type !== 'running') return;
  const { port, session } = state;
  state = { type: 'stopping', port, session };
  // Ask the worklet to stop: its `stopped` reply comes after every frame it sent before, so the
  // recording ends exactly where the user pressed stop. The timeout covers a worklet that is gone.
  port.postMessage({ type: 'stop' } satisfies CaptureInMessage);
  job.stopTimer = setTimeout(() => void finish(), STOP_TIMEOUT_MS);
}

async function finish(): Promise<void> {
  if (state.type !== 'stopping') return;
  const { port, session } = state;
  state = { type: 'finishing' };
  clearTimeout(job.stopTimer);
  port.onmessage = null;
  port.close();
  try {
    flushProgress(session);
    const result = await session.finish();
    state = { type: 'idle' }; // ready for the next recording
    post({ type: 'finished', result }, result.input === null ? [] : [result.input.buffer]);
  } catch (error) {
    fail(error);
  }
}

scope.onmessage = (event: MessageEvent<EncoderCommand>) => {
  const command = event.data;
  switch (command.type) {
    case 'start':
      start(command).catch(fail);
      break;
    case 'pause':
      job.pauseRequested = true;
      if (state.type === 'running') state.session.pause();
      break;
    case 'resume':
      job.pauseRequested = false;
      if (state.type === 'running') state.session.resume();
      break;
    case 'stop':
      requestStop();
      break;
  }
};
