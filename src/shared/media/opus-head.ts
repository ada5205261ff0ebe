import { MediaFormatError } from './errors';
import { utf8Decode, utf8Encode } from './utf8';

/** Bytes of an OpusHead packet with channel mapping family 0. */
export const OPUS_HEAD_BYTES = 19;
/** Byte offset of the little-endian uint16 pre-skip inside OpusHead. */
export const OPUS_HEAD_PRE_SKIP_OFFSET = 10;

const HEAD_MAGIC = 'OpusHead';
const TAGS_MAGIC = 'OpusTags';

/** The identification header of an Ogg Opus stream (RFC 7845 §5.1), mapping family 0 only. */
export interface OpusHead {
  /** Encapsulation version; 1 for this specification (upper nibble 0 = compatible). */
  readonly version: number;
  /** Output channels: 1 or 2 with mapping family 0. */
  readonly channelCount: number;
  /** Samples at 48 kHz to discard from the decoder's output at the start. */
  readonly preSkip: number;
  /** Sample rate of the original input in Hz (informational; 0 = unknown). */
  readonly inputSampleRate: number;
  /** Gain to apply on output, in dB (stored as Q7.8, so a multiple of 1/256). */
  readonly outputGainDb: number;
  /** Channel mapping family; only 0 (mono/stereo, RTP order) is supported. */
  readonly mappingFamily: 0;
}

/** The comment header of an Ogg Opus stream (RFC 7845 §5.2). */
export interface OpusTags {
  /** Name of the encoder / muxer. */
  readonly vendor: string;
  /** User comments, each `KEY=value` (the key is case-insensitive ASCII). */
  readonly comments: readonly string[];
}

function asciiAt(bytes: Uint8Array, text: string, offset = 0): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function writeAscii(out: Uint8Array, text: string, offset: number): void {
  for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
}

/** Serialises an OpusHead; throws `TypeError` naming a field that is out of range. */
export function encodeOpusHead(head: OpusHead): Uint8Array {
  const gainQ8 = Math.round(head.outputGainDb * 256);
  const checks: readonly [string, number, number, number][] = [
    ['version', head.version, 0, 255],
    ['channelCount', head.channelCount, 1, 2],
    ['preSkip', head.preSkip, 0, 0xffff],
    ['inputSampleRate', head.inputSampleRate, 0, 0xffffffff],
    ['outputGainDb (×256)', gainQ8, -0x8000, 0x7fff],
  ];
  for (const [field, value, min, max] of checks) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`${field} must be an integer in ${min}..${max}, got ${value}`);
    }
  }
  const out = new Uint8Array(OPUS_HEAD_BYTES);
  const view = new DataView(out.buffer);
  writeAscii(out, HEAD_MAGIC, 0);
  out[8] = head.version;
  out[9] = head.channelCount;
  view.setUint16(OPUS_HEAD_PRE_SKIP_OFFSET, head.preSkip, true);
  view.setUint32(12, head.inputSampleRate, true);
  view.setInt16(16, gainQ8, true);
  out[18] = head.mappingFamily;
  return out;
}

/** Tells whether a packet starts with the OpusHead magic. */
export function isOpusHead(packet: Uint8Array): boolean {
  return asciiAt(packet, HEAD_MAGIC);
}

/** Parses an OpusHead packet; throws `OPUS_BAD_HEAD` or `OPUS_UNSUPPORTED`. */
export function parseOpusHead(packet: Uint8Array): OpusHead {
  if (packet.length < OPUS_HEAD_BYTES || !isOpusHead(packet)) {
    throw new MediaFormatError('OPUS_BAD_HEAD', 'the first packet is not an OpusHead identification header');
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const version = view.getUint8(8);
  if (version >> 4 !== 0) {
    throw new MediaFormatError(
      'OPUS_UNSUPPORTED',
      `OpusHead version ${version} is incompatible with version 1`,
    );
  }
  const channelCount = view.getUint8(9);
  const mappingFamily = view.getUint8(18);
  if (mappingFamily !== 0) {
    throw new MediaFormatError(
      'OPUS_UNSUPPORTED',
      `channel mapping family ${mappingFamily} is not supported`,
    );
  }
  if (channelCount < 1 || channelCount > 2) {
    throw new MediaFormatError(
      'OPUS_BAD_HEAD',
      `mapping family 0 allows 1 or 2 channels, got ${channelCount}`,
    );
  }
  return {
    version,
    channelCount,
    preSkip: view.getUint16(OPUS_HEAD_PRE_SKIP_OFFSET, true),
    inputSampleRate: view.getUint32(12, true),
    outputGainDb: view.getInt16(16, true) / 256,
    mappingFamily: 0,
  };
}

/** Serialises an OpusTags packet. */
export function encodeOpusTags(tags: OpusTags): Uint8Array {
  const vendor = utf8Encode(tags.vendor);
  const comments = tags.comments.map(utf8Encode);
  let length = TAGS_MAGIC.length + 4 + vendor.length + 4;
  for (const comment of comments) length += 4 + comment.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  writeAscii(out, TAGS_MAGIC, 0);
  let offset = TAGS_MAGIC.length;
  view.setUint32(offset, vendor.length, true);
  out.set(vendor, offset + 4);
  offset += 4 + vendor.length;
  view.setUint32(offset, comments.length, true);
  offset += 4;
  for (const comment of comments) {
    view.setUint32(offset, comment.length, true);
    out.set(comment, offset + 4);
    offset += 4 + comment.length;
  }
  return out;
}

/** Tells whether a packet starts with the OpusTags magic. */
export function isOpusTags(packet: Uint8Array): boolean {
  return asciiAt(packet, TAGS_MAGIC);
}

/** Parses an OpusTags packet (trailing padding or binary data is ignored); throws `OPUS_BAD_TAGS`. */
export function parseOpusTags(packet: Uint8Array): OpusTags {
  if (!isOpusTags(packet)) {
    throw new MediaFormatError('OPUS_BAD_TAGS', 'the second packet is not an OpusTags comment header');
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let offset = TAGS_MAGIC.length;
  const readString = (what: string): string => {
    if (offset + 4 > packet.length) {
      throw new MediaFormatError('OPUS_BAD_TAGS', `OpusTags is cut off before ${what}`);
    }
    const length = view.getUint32(offset, true);
    if (length > packet.length - offset - 4) {
      throw new MediaFormatError(
        'OPUS_BAD_TAGS',
        `OpusTags ${what} claims ${length} bytes past the packet's end`,
      );
    }
    const text = utf8Decode(packet.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
    return text;
  };
  const vendor = readString('the vendor string');
  if (offset + 4 > packet.length) {
    throw new MediaFormatError('OPUS_BAD_TAGS', 'OpusTags is cut off before the comment count');
  }
  const count = view.getUint32(offset, true);
  offset += 4;
  if (count > (packet.length - offset) / 4) {
    throw new MediaFormatError(
      'OPUS_BAD_TAGS',
      `OpusTags claims ${count} comments, more than fit in the packet`,
    );
  }
  const comments: string[] = [];
  for (let i = 0; i < count; i++) comments.push(readString(`comment ${i}`));
  return { vendor, comments };
}
