import { CONVERSATION_ID_BYTES, U32_MAX, asConversationId, isConversationId } from '../protocol/ids';
import type { ConversationId } from '../protocol/ids';
import { MAX_CHUNKS_PER_MESSAGE } from '../protocol/limits';

/** What a recipient learns about a voice message besides its audio; travels only encrypted. */
export interface MessageMetadata {
  /** Audio codec of the chunks' Ogg stream. */
  codec: 'opus';
  /** Sample rate in Hz the audio was recorded at (an integer in 1..MAX_SAMPLE_RATE_HZ). */
  sampleRate: number;
  /** Playing time in milliseconds (u32). */
  durationMs: number;
  /** Up to MAX_WAVEFORM_VALUES levels, each an integer 0..255. */
  waveform: number[];
  /** The conversation the sender addressed; the receiver compares it with where the message arrived. */
  conversationId: ConversationId;
  /** Sender's clock when the message was sent, ms since the Unix epoch. */
  sentAtMs: number;
  /** Chunks in the message (1..MAX_CHUNKS_PER_MESSAGE); the receiver compares it with what it fetched. */
  chunkCount: number;
}

/** Version byte at the start of the serialised metadata; any other value is METADATA_INVALID. */
export const METADATA_FORMAT_VERSION = 1;
/** Most waveform values a message carries (DESIGN.md §4). */
export const MAX_WAVEFORM_VALUES = 100;
/** Highest sample rate accepted: 768 kHz, beyond any audio interface in use. */
export const MAX_SAMPLE_RATE_HZ = 768_000;
/** Bytes before the waveform values: version, codec, sampleRate, durationMs, conversationId, sentAtMs, chunkCount, waveform length. */
export const METADATA_FIXED_BYTES = 1 + 1 + 4 + 4 + CONVERSATION_ID_BYTES + 8 + 4 + 1;

/** Codec byte of 'opus'. */
const CODEC_OPUS = 1;
const TWO_POW_32 = 0x1_0000_0000;

/** Result of decoding serialised metadata: the value, or why it was rejected. */
export type MetadataDecodeResult =
  { readonly ok: true; readonly metadata: MessageMetadata } | { readonly ok: false; readonly reason: string };

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The first field of `metadata` that is out of range, described for an error message; null when valid. */
export function metadataProblem(metadata: { readonly [K in keyof MessageMetadata]: unknown }): string | null {
  if (metadata.codec !== 'opus') return `codec must be 'opus'`;
  if (!isIntegerIn(metadata.sampleRate, 1, MAX_SAMPLE_RATE_HZ)) {
    return `sampleRate must be an integer in 1..${MAX_SAMPLE_RATE_HZ}`;
  }
  if (!isIntegerIn(metadata.durationMs, 0, U32_MAX)) return `durationMs must be an integer in 0..${U32_MAX}`;
  if (!Array.isArray(metadata.waveform) || metadata.waveform.length > MAX_WAVEFORM_VALUES) {
    return `waveform must be an array of at most ${MAX_WAVEFORM_VALUES} values`;
  }
  const badLevel = (metadata.waveform as unknown[]).findIndex((level) => !isIntegerIn(level, 0, 255));
  if (badLevel >= 0) return `waveform[${badLevel}] must be an integer in 0..255`;
  if (!isConversationId(metadata.conversationId)) {
    return `conversationId must be ${CONVERSATION_ID_BYTES} bytes`;
  }
  if (!isIntegerIn(metadata.sentAtMs, 0, Number.MAX_SAFE_INTEGER)) {
    return 'sentAtMs must be a non-negative safe integer';
  }
  if (!isIntegerIn(metadata.chunkCount, 1, MAX_CHUNKS_PER_MESSAGE)) {
    return `chunkCount must be an integer in 1..${MAX_CHUNKS_PER_MESSAGE}`;
  }
  return null;
}

/** Serialises valid metadata (check {@link metadataProblem} first) in the little-endian version-1 layout. */
export function encodeMetadata(metadata: MessageMetadata): Uint8Array {
  const out = new Uint8Array(METADATA_FIXED_BYTES + metadata.waveform.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, METADATA_FORMAT_VERSION);
  view.setUint8(1, CODEC_OPUS);
  view.setUint32(2, metadata.sampleRate, true);
  view.setUint32(6, metadata.durationMs, true);
  out.set(metadata.conversationId, 10);
  view.setUint32(26, metadata.sentAtMs % TWO_POW_32, true);
  view.setUint32(30, Math.floor(metadata.sentAtMs / TWO_POW_32), true);
  view.setUint32(34, metadata.chunkCount, true);
  view.setUint8(38, metadata.waveform.length);
  out.set(metadata.waveform, METADATA_FIXED_BYTES);
  return out;
}

/** Parses and validates the version-1 layout; never throws. */
export function decodeMetadata(bytes: Uint8Array): MetadataDecodeResult {
  if (bytes.length < METADATA_FIXED_BYTES) {
    return {
      ok: false,
      reason: `${bytes.length} bytes, shorter than the ${METADATA_FIXED_BYTES}-byte header`,
    };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== METADATA_FORMAT_VERSION) return { ok: false, reason: `unsupported version ${version}` };
  const codec = view.getUint8(1);
  if (codec !== CODEC_OPUS) return { ok: false, reason: `unknown codec ${codec}` };
  const waveformLength = view.getUint8(38);
  if (bytes.length !== METADATA_FIXED_BYTES + waveformLength) {
    return { ok: false, reason: `${bytes.length} bytes for a waveform of ${waveformLength} values` };
  }
  const high = view.getUint32(30, true);
  const metadata: MessageMetadata = {
    codec: 'opus',
    sampleRate: view.getUint32(2, true),
    durationMs: view.getUint32(6, true),
    waveform: Array.from(bytes.subarray(METADATA_FIXED_BYTES)),
    conversationId: asConversationId(bytes.slice(10, 10 + CONVERSATION_ID_BYTES)),
    sentAtMs: high * TWO_POW_32 + view.getUint32(26, true),
    chunkCount: view.getUint32(34, true),
  };
  const problem = metadataProblem(metadata);
  return problem === null ? { ok: true, metadata } : { ok: false, reason: problem };
}
