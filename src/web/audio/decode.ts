// Ogg Opus → PCM for the player, never through the browser's own Ogg support (Safari has none):
// our demuxer, then WebCodecs' AudioDecoder (or the WASM decoder), then RFC 7845 trimming.
import { applyGain, concatPcm, trimToPlayable } from '../../shared/audio/pcm';
import type { Pcm } from '../../shared/audio/pcm';
import { readOggOpus } from '../../shared/media/ogg-opus-reader';
import type { OggOpusStream } from '../../shared/media/ogg-opus-reader';
import { decodeWithWasm } from './decode-wasm';
import type { DecoderChoice } from './settings';

/** Opus decodes natively at 48 kHz. */
const OPUS_RATE_HZ = 48_000;
/** Chunks queued in the AudioDecoder before waiting for it to catch up. */
const MAX_DECODE_QUEUE = 64;

/** Decoded, playable audio. */
export interface DecodedAudio extends Pcm {
  /** Which decoder produced it. */
  readonly decoder: 'webcodecs' | 'wasm';
}

async function webCodecsCanDecode(channelCount: number): Promise<boolean> {
  if (typeof AudioDecoder === 'undefined') return false;
  try {
    const config = { codec: 'opus', sampleRate: OPUS_RATE_HZ, numberOfChannels: channelCount };
    return (await AudioDecoder.isConfigSupported(config)).supported === true;
  } catch {
    return false;
  }
}

/** Decodes every packet; no `description` is given, so the output starts at sample 0 (untrimmed). */
async function decodeWithWebCodecs(stream: OggOpusStream): Promise<Pcm> {
  const channelCount = stream.head.channelCount;
  const chunks: Float32Array[][] = [];
  let sampleRate = OPUS_RATE_HZ;
  const failures: Error[] = [];
  const decoder = new AudioDecoder({
    output: (data) => {
      sampleRate = data.sampleRate;
      const planes: Float32Array[] = [];
      for (let c = 0; c < channelCount; c++) {
        const plane = new Float32Array(data.numberOfFrames);
        data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        planes.push(plane);
      }
      chunks.push(planes);
      data.close();
    },
    error: (error) => {
      failures.push(new Error(`The Opus decoder failed: ${error.message}`));
    },
  });
  decoder.configure({ codec: 'opus', sampleRate: OPUS_RATE_HZ, numberOfChannels: channelCount });
  let samples = 0;
  try {
    for (const packet of stream.packets) {
      decoder.decode(
        new EncodedAudioChunk({
          type: 'key',
          timestamp: Math.round((samples * 1e6) / OPUS_RATE_HZ),
          duration: Math.round((packet.samples * 1e6) / OPUS_RATE_HZ),
          data: packet.data,
        }),
      );
      samples += packet.samples;
      if (decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
        await new Promise((resolve) => {
          decoder.addEventListener('dequeue', resolve, { once: true });
        });
      }
    }
    await decoder.flush();
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
  const [failure] = failures;
  if (failure !== undefined) throw failure;
  return concatPcm(sampleRate, chunks, channelCount);
}

/** Decodes a complete Ogg Opus file to playable PCM (pre-skip dropped, end trimmed, gain applied). */
export async function decodeOggOpus(
  bytes: Uint8Array,
  choice: DecoderChoice = 'auto',
): Promise<DecodedAudio> {
  const stream = readOggOpus(bytes);
  const { head } = stream;
  let decoded: Pcm;
  let decoder: DecodedAudio['decoder'];
  if (choice !== 'wasm' && (await webCodecsCanDecode(head.channelCount))) {
    decoded = await decodeWithWebCodecs(stream);
    decoder = 'webcodecs';
  } else if (choice === 'webcodecs') {
    throw new Error('This browser cannot decode Opus with WebCodecs.');
  } else {
    decoded = await decodeWithWasm(bytes, head.channelCount);
    decoder = 'wasm';
  }
  const playable = applyGain(trimToPlayable(decoded, head.preSkip, stream.finalGranule), head.outputGainDb);
  return { ...playable, decoder };
}
