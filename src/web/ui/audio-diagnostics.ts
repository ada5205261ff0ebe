// `window.sottoAudio` (with `?diagnostics`): what the e2e tests and the bench read from the page.
import { PRESETS, isPresetId } from '../../shared/audio/presets';
import { base64ToBytes, bytesToBase64, float32ToBase64 } from '../audio/diagnostics';
import type { RecordingDiagnostics } from '../audio/diagnostics';
import { OfflineEncoder } from '../audio/offline-encode';
import type { Player } from '../audio/player';
import type { Recorder, Recording } from '../audio/recorder';

/** Where the diagnostics find the live objects. */
export interface DiagnosticsSources {
  readonly recorder: Recorder;
  readonly recording: () => Recording | null;
  readonly player: () => Player | null;
}

function describe(recording: Recording): RecordingDiagnostics {
  return {
    bytesBase64: bytesToBase64(recording.bytes),
    recordedSamples: recording.recordedSamples,
    sampleRate: recording.sampleRate,
    encoder: recording.encoder,
    preSkip: recording.preSkip,
    endReason: recording.endReason,
    segments: recording.segments,
    inputBase64: recording.input === null ? null : float32ToBase64(recording.input),
    waveform: Array.from(recording.waveform),
  };
}

/** Installs `window.sottoAudio`. */
export function installAudioDiagnostics(sources: DiagnosticsSources): void {
  const offline = new OfflineEncoder();
  window.sottoAudio = {
    lastRecording() {
      const recording = sources.recording();
      return recording === null ? null : describe(recording);
    },
    decoded() {
      const decoded = sources.player()?.decoded ?? null;
      const first = decoded?.channels[0];
      if (decoded === null || first === undefined) return null;
      return {
        decoder: decoded.decoder,
        sampleRate: decoded.sampleRate,
        samplesBase64: float32ToBase64(first),
      };
    },
    endMicrophone() {
      const stream = sources.recorder.stream;
      const track = stream?.getAudioTracks()[0];
      if (track === undefined) return false;
      // What the browser does when the device goes away: the track ends and says so.
      track.stop();
      track.dispatchEvent(new Event('ended'));
      return true;
    },
    async encodeOffline(pcmBase64, presetId, encoder) {
      if (!isPresetId(presetId)) throw new TypeError(`presetId: unknown preset ${presetId}`);
      if (encoder !== 'auto' && encoder !== 'webcodecs' && encoder !== 'wasm') {
        throw new TypeError(`encoder: expected auto, webcodecs or wasm, got ${encoder}`);
      }
      const bytes = base64ToBytes(pcmBase64);
      const result = await offline.encode(new Float32Array(bytes.buffer), PRESETS[presetId], encoder);
      return {
        encoder: result.encoder,
        elapsedMs: result.elapsedMs,
        recordedSamples: result.recordedSamples,
        bytesBase64: bytesToBase64(result.bytes),
      };
    },
  };
}
