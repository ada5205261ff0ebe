// Fallback decoder for browsers without WebCodecs' AudioDecoder: opus-recorder 8's WASM decoder
// worker, started from a tiny classic bootstrap (blob) that tells it where its .wasm is served.
import decoderScriptUrl from 'opus-recorder/dist/decoderWorker.min.js?url';
import decoderWasmUrl from 'opus-recorder/dist/decoderWorker.min.wasm?url';
import { concatPcm } from '../../shared/audio/pcm';
import type { Pcm } from '../../shared/audio/pcm';

/** Output rate asked of the decoder (Opus decodes natively at 48 kHz, so nothing resamples). */
const RATE_HZ = 48_000;
/** Samples per message the decoder worker posts. */
const BUFFER_LENGTH = 9600;
/** Its output always passes a Speex resampler, even 48→48 kHz; at quality 0 (8 taps) that delays by 4 samples. */
const RESAMPLE_QUALITY = 0;
const RESAMPLER_DELAY_SAMPLES = 4;

type DecoderMessage = Float32Array[] | null;

/**
 * Decodes a whole Ogg Opus file with opus-recorder's WASM worker. Its output is the raw decoder
 * output from sample 0 (no pre-skip applied, the tail padded): the caller trims it.
 */
export function decodeWithWasm(bytes: Uint8Array, channelCount: number): Promise<Pcm> {
  const script = new URL(decoderScriptUrl, location.href).href;
  const wasm = new URL(decoderWasmUrl, location.href).href;
  // Emscripten reads a global `Module` before it runs; locateFile points it at the hashed .wasm.
  const bootstrap = `self.Module={locateFile:function(){return ${JSON.stringify(wasm)}}};importScripts(${JSON.stringify(script)});`;
  const bootstrapUrl = URL.createObjectURL(new Blob([bootstrap], { type: 'text/javascript' }));
  const worker = new Worker(bootstrapUrl, { name: 'sotto-opus-decoder' });
  const chunks: Float32Array[][] = [];
  return new Promise<Pcm>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<DecoderMessage>) => {
      if (event.data === null) {
        // The first `null` follows the EOS page: everything is out.
        const pcm = concatPcm(RATE_HZ, chunks, channelCount);
        resolve({
          sampleRate: RATE_HZ,
          channels: pcm.channels.map((c) => c.subarray(RESAMPLER_DELAY_SAMPLES)),
        });
        return;
      }
      chunks.push(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`The WASM Opus decoder failed: ${event.message}`));
    };
    worker.postMessage({
      command: 'init',
      decoderSampleRate: RATE_HZ,
      outputBufferSampleRate: RATE_HZ,
      bufferLength: BUFFER_LENGTH,
      resampleQuality: RESAMPLE_QUALITY,
    });
    const pages = new Uint8Array(bytes);
    worker.postMessage({ command: 'decode', pages }, [pages.buffer]);
  }).finally(() => {
    worker.terminate();
    URL.revokeObjectURL(bootstrapUrl);
  });
}
