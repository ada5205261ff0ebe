import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_DURATION_MS,
  DEFAULT_SETTINGS,
  loadSettings,
  parseSettings,
  parseUrlFlags,
  saveSettings,
} from '../../../../src/web/audio/settings';

describe('URL flags', () => {
  it('force an encoder or decoder and shorten the maximum length', () => {
    expect(parseUrlFlags('?encoder=wasm&decoder=wasm&maxDuration=2.5')).toEqual({
      encoder: 'wasm',
      decoder: 'wasm',
      maxDurationMs: 2500,
    });
  });

  it('fall back to defaults for anything unknown', () => {
    expect(parseUrlFlags('?encoder=mp3&maxDuration=-1')).toEqual({
      encoder: 'auto',
      decoder: 'auto',
      maxDurationMs: DEFAULT_MAX_DURATION_MS,
    });
    expect(DEFAULT_MAX_DURATION_MS).toBe(30 * 60 * 1000);
  });
});

describe('stored settings', () => {
  it('keep valid fields and replace bad ones with defaults', () => {
    expect(
      parseSettings({ presetId: 'high', noiseSuppression: false, deviceId: 'mic-2', echoCancellation: 'no' }),
    ).toEqual({
      ...DEFAULT_SETTINGS,
      presetId: 'high',
      noiseSuppression: false,
      deviceId: 'mic-2',
    });
    expect(parseSettings('garbage')).toEqual(DEFAULT_SETTINGS);
  });

  it('round-trip through storage and survive broken JSON', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => {
        store.set(key, value);
      },
    };
    saveSettings({ ...DEFAULT_SETTINGS, presetId: 'data-saver', autoGainControl: false }, storage);
    expect(loadSettings(storage)).toEqual({
      ...DEFAULT_SETTINGS,
      presetId: 'data-saver',
      autoGainControl: false,
    });
    store.set([...store.keys()][0] ?? '', '{');
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
  });
});
