// Messages between the page (recorder) and the encoder worker. The capture worklet talks to the
// worker directly over the MessagePort handed over in `start`; these carry only control and results.
import type { EncoderErrorCode, EncoderKind } from '../../../shared/audio/encoder';
import type { PresetId } from '../../../shared/audio/presets';
import type { SessionResult } from '../../../shared/audio/recording-session';

/** Which encoder to use: the best available, or one forced (tests, the `?encoder=` flag). */
export type EncoderChoice = 'auto' | EncoderKind;

/** Page → worker. */
export type EncoderCommand =
  | {
      readonly type: 'start';
      /** The capture worklet's frame port (transferred). */
      readonly port: MessagePort;
      readonly presetId: PresetId;
      readonly choice: EncoderChoice;
      /** Ogg serial number of the stream. */
      readonly serial: number;
      /** Longest recording in samples at the preset's rate. */
      readonly maxSamples: number;
      /** Warn when this many samples remain. */
      readonly warningSamples: number;
      /** Keep and return the recorded input (diagnostics). */
      readonly keepInput: boolean;
    }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  /** Finish after the last frame the worklet captured before it saw this. */
  | { readonly type: 'stop' };

/** Worker → page. */
export type EncoderEvent =
  /** The encoder exists; frames that arrived before it are queued, not lost. */
  | { readonly type: 'ready'; readonly encoder: EncoderKind }
  /** About every 100 ms while recording: length so far and the levels of the new frames. */
  | { readonly type: 'progress'; readonly recordedSamples: number; readonly levels: number[] }
  /** Finished Ogg pages in stream order (buffers transferred). */
  | { readonly type: 'pages'; readonly pages: Uint8Array[] }
  /** `remainingSamples` until the maximum length. */
  | { readonly type: 'warning'; readonly remainingSamples: number }
  /** The maximum length is reached; the page should stop. */
  | { readonly type: 'limit' }
  /** The stream is complete (its last pages came just before). */
  | { readonly type: 'finished'; readonly result: SessionResult }
  /** Encoding failed; the recording cannot continue. */
  | { readonly type: 'error'; readonly code: EncoderErrorCode; readonly message: string };
