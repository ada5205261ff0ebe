// Recording settings: what the user chose (kept in localStorage) and the URL flags tests use.
import { DEFAULT_PRESET_ID, isPresetId } from '../../shared/audio/presets';
import type { PresetId } from '../../shared/audio/presets';
import type { CaptureConstraints } from './capture';
import type { EncoderChoice } from './worker/protocol';

/** Default maximum length of a message (DESIGN.md §4). */
export const DEFAULT_MAX_DURATION_MS = 30 * 60 * 1000;
/** How long before the maximum the user is warned. */
export const LIMIT_WARNING_MS = 10_000;

/** What the user picks in the recorder's settings. */
export interface RecorderSettings extends CaptureConstraints {
  /** Encoder preset. */
  presetId: PresetId;
}

/** Which decoder the player uses. */
export type DecoderChoice = 'auto' | 'webcodecs' | 'wasm';

/** Overrides read from the page URL (`?encoder=wasm&decoder=wasm&maxDuration=5`). */
export interface UrlFlags {
  /** `?encoder=auto|webcodecs|wasm`: force an encoder path. */
  readonly encoder: EncoderChoice;
  /** `?decoder=auto|webcodecs|wasm`: force a decoder path. */
  readonly decoder: DecoderChoice;
  /** `?maxDuration=<seconds>`: a shorter maximum length. */
  readonly maxDurationMs: number;
}

const STORAGE_KEY = 'sotto.recorder.settings';

/** Defaults: speech processing on (it helps real voices; tests switch it off). */
export const DEFAULT_SETTINGS: RecorderSettings = {
  presetId: DEFAULT_PRESET_ID,
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

function choice<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.find((option) => option === value) ?? fallback;
}

/** Parses the URL flags; anything unknown falls back to the default. */
export function parseUrlFlags(search: string): UrlFlags {
  const params = new URLSearchParams(search);
  const seconds = Number(params.get('maxDuration'));
  return {
    encoder: choice(params.get('encoder'), ['auto', 'webcodecs', 'wasm'] as const, 'auto'),
    decoder: choice(params.get('decoder'), ['auto', 'webcodecs', 'wasm'] as const, 'auto'),
    maxDurationMs:
      Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : DEFAULT_MAX_DURATION_MS,
  };
}

/** Validates stored settings field by field; a bad or missing field takes its default. */
export function parseSettings(raw: unknown): RecorderSettings {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const flag = (key: 'echoCancellation' | 'noiseSuppression' | 'autoGainControl'): boolean =>
    typeof value[key] === 'boolean' ? value[key] : DEFAULT_SETTINGS[key];
  return {
    presetId: isPresetId(value.presetId) ? value.presetId : DEFAULT_SETTINGS.presetId,
    echoCancellation: flag('echoCancellation'),
    noiseSuppression: flag('noiseSuppression'),
    autoGainControl: flag('autoGainControl'),
    ...(typeof value.deviceId === 'string' && value.deviceId !== '' ? { deviceId: value.deviceId } : {}),
  };
}

/** Reads the saved settings (defaults when there are none or storage is unavailable). */
export function loadSettings(storage: Pick<Storage, 'getItem'> = localStorage): RecorderSettings {
  try {
    return parseSettings(JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null'));
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** Saves the settings; storage failures (private mode, quota) are ignored. */
export function saveSettings(
  settings: RecorderSettings,
  storage: Pick<Storage, 'setItem'> = localStorage,
): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Settings are a convenience; recording works without them.
  }
}
