// `window.sottoAudio` (with `?diagnostics`): what the e2e tests and the bench read from the page.
import { PRESETS, isPresetId } from '../../shared/audio/presets';
import { base64ToBytes, bytesToBase64, float32ToBase64 } from '../audio/diagnostics';
import type { RecordingDiagnostics } from '../audio/diagnostics';
import { captureStream, recycleFrame, type CaptureOutMessage } from '../audio/capture';
import { OfflineEncoder } from '../audio/offline-encode';
import type { Player } from '../audio/player';
import type { Recorder, Recording } from '../audio/recorder';

/** Sample rate at which `recordPlayback` captures the player's output. */
const PLAYBACK_CAPTURE_RATE = 48_000;

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
    async recordPlayback(ms) {
      const player = sources.player();
      if (player === null) throw new Error('recordPlayback: nothing is loaded in the player');
      const channel = new MessageChannel();
      const frames: Float32Array[] = [];
      const capture = await captureStream(player.captureOutput(), PLAYBACK_CAPTURE_RATE, channel.port2);
      const marks: { sample: number; positionMs: number }[] = [];
      const wanted = Math.round((ms / 1000) * capture.sampleRate);
      let captured = 0;
      await new Promise<void>((resolve) => {
        channel.port1.onmessage = (event: MessageEvent<CaptureOutMessage>) => {
          const message = event.data;
          if (message.type !== 'frame' || captured >= wanted) return;
          frames.push(message.samples.slice());
          captured += message.samples.length;
          marks.push({ sample: captured, positionMs: player.positionMs });
          recycleFrame(channel.port1, message.samples);
          if (captured >= wanted) resolve();
        };
      });
      await capture.close();
      channel.port1.close();
      const samples = new Float32Array(captured);
      let offset = 0;
      for (const frame of frames) {
        samples.set(frame, offset);
        offset += frame.length;
      }
      return { sampleRate: capture.sampleRate, samplesBase64: float32ToBase64(samples), marks };
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
