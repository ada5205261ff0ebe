import { MediaFormatError } from './errors';

/** Longest duration one Opus packet may carry: 120 ms at 48 kHz (RFC 6716 §3.2.5). */
export const OPUS_MAX_PACKET_SAMPLES = 5760;

/** Frame size in 48 kHz samples for each TOC configuration 0..31 (RFC 6716 §3.1, Table 2). */
const FRAME_SAMPLES: readonly number[] = [
  ...[480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880], // SILK NB/MB/WB: 10/20/40/60 ms
  ...[480, 960, 480, 960], // Hybrid SWB/FB: 10/20 ms
  ...[120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960], // CELT: 2.5/5/10/20 ms
];

/**
 * Duration of an Opus packet in 48 kHz samples, read from its TOC byte (and frame count byte
 * for code 3); throws `OPUS_BAD_PACKET` for an empty or inconsistent packet.
 */
export function opusPacketSamples(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) throw new MediaFormatError('OPUS_BAD_PACKET', 'an Opus packet is empty');
  const frameSamples = FRAME_SAMPLES[toc >> 3] ?? 0;
  let frames: number;
  switch (toc & 0x03) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default: {
      const count = packet[1];
      if (count === undefined) {
        throw new MediaFormatError('OPUS_BAD_PACKET', 'an Opus code-3 packet lacks its frame count byte');
      }
      frames = count & 0x3f;
      if (frames === 0) {
        throw new MediaFormatError('OPUS_BAD_PACKET', 'an Opus code-3 packet declares 0 frames');
      }
    }
  }
  const samples = frames * frameSamples;
  if (samples > OPUS_MAX_PACKET_SAMPLES) {
    throw new MediaFormatError(
      'OPUS_BAD_PACKET',
      `an Opus packet lasts ${samples / 48} ms, over the 120 ms limit`,
    );
  }
  return samples;
}
