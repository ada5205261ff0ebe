import { MediaFormatError } from './errors';
import { oggCrc32 } from './ogg-crc';

/** Bytes of the fixed part of a page header, before the segment table (RFC 3533 §6). */
export const OGG_HEADER_BYTES = 27;
/** Most lacing values (segments) one page can hold. */
export const OGG_MAX_SEGMENTS = 255;
/** Largest possible page: header, full segment table, 255 segments of 255 bytes. */
export const OGG_MAX_PAGE_BYTES = OGG_HEADER_BYTES + OGG_MAX_SEGMENTS + OGG_MAX_SEGMENTS * 255;
/** Granule position of a page on which no packet ends. */
export const NO_GRANULE = -1n;

/** Header-type bit: the first segment continues a packet begun on the previous page. */
export const FLAG_CONTINUED = 0x01;
/** Header-type bit: first page of a logical stream. */
export const FLAG_BOS = 0x02;
/** Header-type bit: last page of a logical stream. */
export const FLAG_EOS = 0x04;

const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const CRC_OFFSET = 22;
const ZERO_CRC = new Uint8Array(4);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** One Ogg page, decoded; `segments` and `body` may be views into the bytes it was read from. */
export interface OggPage {
  /** The first segment continues a packet from the previous page. */
  readonly continued: boolean;
  /** Beginning of stream: the first page of its logical stream. */
  readonly bos: boolean;
  /** End of stream: the last page of its logical stream. */
  readonly eos: boolean;
  /** Codec-defined position of the last packet that ends on this page, or `NO_GRANULE` (−1). */
  readonly granulePosition: bigint;
  /** Logical stream serial number (uint32). */
  readonly serial: number;
  /** Page sequence number within the logical stream (uint32). */
  readonly sequence: number;
  /** Lacing values; a value below 255 ends a packet. */
  readonly segments: Uint8Array;
  /** The segments' bytes, concatenated. */
  readonly body: Uint8Array;
}

/** A page read from bytes, with how many bytes it occupied. */
export interface DecodedPage {
  /** The page. */
  readonly page: OggPage;
  /** Its size in bytes, header included. */
  readonly byteLength: number;
}

function requireUint32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${field} must be an integer in 0..2^32-1, got ${value}`);
  }
}

/** Serialises a page and computes its CRC; throws `TypeError` naming a field that is out of range. */
export function encodePage(page: OggPage): Uint8Array {
  requireUint32(page.serial, 'serial');
  requireUint32(page.sequence, 'sequence');
  if (page.granulePosition < INT64_MIN || page.granulePosition > INT64_MAX) {
    throw new TypeError(`granulePosition must fit in a signed 64-bit integer, got ${page.granulePosition}`);
  }
  if (page.segments.length > OGG_MAX_SEGMENTS) {
    throw new TypeError(
      `segments must hold at most ${OGG_MAX_SEGMENTS} lacing values, got ${page.segments.length}`,
    );
  }
  let bodyLength = 0;
  for (const lacing of page.segments) bodyLength += lacing;
  if (bodyLength !== page.body.length) {
    throw new TypeError(`body must be ${bodyLength} bytes as the segments say, got ${page.body.length}`);
  }

  const headerLength = OGG_HEADER_BYTES + page.segments.length;
  const out = new Uint8Array(headerLength + bodyLength);
  const view = new DataView(out.buffer);
  out.set(CAPTURE, 0);
  out[4] = 0; // stream structure version
  out[5] = (page.continued ? FLAG_CONTINUED : 0) | (page.bos ? FLAG_BOS : 0) | (page.eos ? FLAG_EOS : 0);
  view.setBigInt64(6, page.granulePosition, true);
  view.setUint32(14, page.serial, true);
  view.setUint32(18, page.sequence, true);
  out[26] = page.segments.length;
  out.set(page.segments, OGG_HEADER_BYTES);
  out.set(page.body, headerLength);
  view.setUint32(CRC_OFFSET, oggCrc32(out), true);
  return out;
}

/**
 * Size of the page starting at `offset` once its header is readable, or `null` if more bytes are
 * needed to tell. Checks the capture pattern as soon as 4 bytes are present.
 */
export function pageByteLength(bytes: Uint8Array, offset = 0, position = offset): number | null {
  const available = bytes.length - offset;
  for (let i = 0; i < Math.min(4, available); i++) {
    if (bytes[offset + i] !== CAPTURE[i]) {
      throw new MediaFormatError(
        'OGG_BAD_CAPTURE',
        `no Ogg page at byte ${position}: capture pattern "OggS" missing`,
      );
    }
  }
  if (available < OGG_HEADER_BYTES) return null;
  const count = bytes[offset + 26] ?? 0;
  if (available < OGG_HEADER_BYTES + count) return null;
  let length = OGG_HEADER_BYTES + count;
  for (let i = 0; i < count; i++) length += bytes[offset + OGG_HEADER_BYTES + i] ?? 0;
  return length;
}

/**
 * Reads and verifies (capture, version, flags, length, CRC) the page starting at `offset`;
 * `position` is where that offset lies in the whole stream, for error messages.
 */
export function decodePage(bytes: Uint8Array, offset = 0, position = offset): DecodedPage {
  const byteLength = pageByteLength(bytes, offset, position);
  if (byteLength === null || offset + byteLength > bytes.length) {
    throw new MediaFormatError('OGG_TRUNCATED', `the Ogg page at byte ${position} is cut off`);
  }
  const raw = bytes.subarray(offset, offset + byteLength);
  if (raw[4] !== 0) {
    throw new MediaFormatError(
      'OGG_BAD_VERSION',
      `the Ogg page at byte ${position} has version ${raw[4]}, not 0`,
    );
  }
  const flags = raw[5] ?? 0;
  if ((flags & ~(FLAG_CONTINUED | FLAG_BOS | FLAG_EOS)) !== 0) {
    throw new MediaFormatError(
      'OGG_BAD_FLAGS',
      `the Ogg page at byte ${position} sets reserved header-type bits`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const stored = view.getUint32(CRC_OFFSET, true);
  let crc = oggCrc32(raw.subarray(0, CRC_OFFSET));
  crc = oggCrc32(ZERO_CRC, crc);
  crc = oggCrc32(raw.subarray(CRC_OFFSET + 4), crc);
  if (crc !== stored) {
    throw new MediaFormatError('OGG_BAD_CRC', `the Ogg page at byte ${position} fails its CRC check`);
  }
  const headerLength = OGG_HEADER_BYTES + (raw[26] ?? 0);
  const page: OggPage = {
    continued: (flags & FLAG_CONTINUED) !== 0,
    bos: (flags & FLAG_BOS) !== 0,
    eos: (flags & FLAG_EOS) !== 0,
    granulePosition: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    sequence: view.getUint32(18, true),
    segments: raw.subarray(OGG_HEADER_BYTES, headerLength),
    body: raw.subarray(headerLength),
  };
  return { page, byteLength };
}
