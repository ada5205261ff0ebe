// Encoder settings of DESIGN.md §4, shared by the browser encoder worker, tests and future CLIs.

/** Names of the recording presets. */
export type PresetId = 'standard' | 'data-saver' | 'high';

/** libopus application: VOIP tunes for speech intelligibility, AUDIO for fidelity. */
export type OpusApplication = 'voip' | 'audio';

/** What an encoder needs to know to produce a preset's stream. */
export interface EncoderPreset {
  /** Stable name (stored in settings). */
  readonly id: PresetId;
  /** Short label for the settings menu. */
  readonly label: string;
  /** Rate of the capture context and of the encoder, in Hz (Opus-native, so nothing resamples twice). */
  readonly sampleRate: 48_000 | 16_000;
  /** Target bit rate in bit/s (VBR). */
  readonly bitrate: number;
  /** libopus application. */
  readonly application: OpusApplication;
  /** Frame length in ms (the capture worklet's frame length too). */
  readonly frameMs: 20;
  /** libopus complexity 0..10; 10 costs little at these rates and sounds best. */
  readonly complexity: number;
  /** Always mono: a voice message. */
  readonly channels: 1;
}

/** The three presets. */
export const PRESETS: Readonly<Record<PresetId, EncoderPreset>> = {
  standard: {
    id: 'standard',
    label: 'Standard (24 kbit/s)',
    sampleRate: 48_000,
    bitrate: 24_000,
    application: 'voip',
    frameMs: 20,
    complexity: 10,
    channels: 1,
  },
  'data-saver': {
    id: 'data-saver',
    label: 'Data saver (12 kbit/s)',
    sampleRate: 16_000,
    bitrate: 12_000,
    application: 'voip',
    frameMs: 20,
    complexity: 10,
    channels: 1,
  },
  high: {
    id: 'high',
    label: 'High quality (64 kbit/s)',
    sampleRate: 48_000,
    bitrate: 64_000,
    application: 'audio',
    frameMs: 20,
    complexity: 10,
    channels: 1,
  },
};

/** The preset used unless the user picks another. */
export const DEFAULT_PRESET_ID: PresetId = 'standard';

/** Tells whether a string (a setting, a URL flag) names a preset. */
export function isPresetId(value: unknown): value is PresetId {
  return typeof value === 'string' && Object.hasOwn(PRESETS, value);
}

/** Samples in one frame of a preset at its own rate. */
export function frameSamples(preset: EncoderPreset): number {
  return (preset.sampleRate * preset.frameMs) / 1000;
}
