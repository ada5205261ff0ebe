import { describe, expect, it } from 'vitest';
import {
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  asRequestId,
  decodeFrame,
  encodedEventBytes,
  encodeFrame,
  CHUNK_FRAME_OVERHEAD_BYTES,
  MAX_CHUNK_BYTES,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_EVENTS_PER_BATCH,
  MAX_FRAME_BYTES,
  MAX_MEMBERS,
  MAX_METADATA_BYTES,
  MAX_TRANSPORT_MESSAGE_BYTES,
  MAX_WRAPPED_KEY_BYTES,
  MAX_WRAPS,
  NOISE_MAX_MESSAGE_BYTES,
  NOISE_OVERHEAD_BYTES,
  type Event,
  type Frame,
} from '../../../../src/shared/protocol';

const requestId = asRequestId(1);
const messageId = asMessageId(new Uint8Array(16));
const conversationId = asConversationId(new Uint8Array(16));
const keys = (count: number) =>
  Array.from({ length: count }, (_, i) => asDeviceKey(new Uint8Array(32).fill(i)));

describe('limits', () => {
  it('a full chunk frame is the largest frame and fits one Noise transport message', () => {
    const frame: Frame = {
      type: 'chunk',
      requestId,
      messageId,
      index: asChunkIndex(MAX_CHUNKS_PER_MESSAGE - 1),
      final: true,
      data: new Uint8Array(MAX_CHUNK_BYTES).fill(7),
    };
    const bytes = encodeFrame(frame);
    expect(bytes.length).toBe(MAX_FRAME_BYTES);
    expect(MAX_FRAME_BYTES).toBe(CHUNK_FRAME_OVERHEAD_BYTES + MAX_CHUNK_BYTES);
    const decoded = decodeFrame(bytes);
    // Compared through Buffer: a deep equal over 63 KiB element by element takes most of a second.
    expect(decoded.type === 'chunk' && Buffer.from(decoded.data).equals(Buffer.from(frame.data))).toBe(true);
    expect(MAX_TRANSPORT_MESSAGE_BYTES).toBe(MAX_FRAME_BYTES + NOISE_OVERHEAD_BYTES);
    expect(MAX_TRANSPORT_MESSAGE_BYTES).toBeLessThanOrEqual(NOISE_MAX_MESSAGE_BYTES);
  });

  it('a chunk holds 1 s of the high-quality preset (64 kbit/s) with room to spare', () => {
    expect(MAX_CHUNK_BYTES).toBeGreaterThan(4 * (64_000 / 8));
  });

  it('begin fits MAX_WRAPS wraps of realistic size (an authenticated box of a 32-byte key is 72 bytes)', () => {
    const wraps = keys(MAX_WRAPS).map((deviceKey) => ({ deviceKey, wrapped: new Uint8Array(72) }));
    const bytes = encodeFrame({ type: 'begin', requestId, messageId, conversationId, wraps });
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(MAX_WRAPPED_KEY_BYTES).toBeGreaterThanOrEqual(72);
  });

  it('the largest events fit a frame on their own, and realistic ones fill a batch', () => {
    const message = (metadataBytes: number, wrapBytes: number): Event => ({
      type: 'message',
      cursor: asCursor(1),
      messageId,
      conversationId,
      sender: keys(1)[0] ?? asDeviceKey(new Uint8Array(32)),
      chunkCount: 1,
      totalBytes: 1,
      wrap: new Uint8Array(wrapBytes),
      metadata: new Uint8Array(metadataBytes),
      committedAtMs: asMillis(1),
    });
    const conversation: Event = {
      type: 'conversation',
      cursor: asCursor(1),
      conversationId,
      members: keys(MAX_MEMBERS),
      change: 'created',
    };
    for (const event of [message(MAX_METADATA_BYTES, MAX_WRAPPED_KEY_BYTES), conversation]) {
      const bytes = encodeFrame({ type: 'events', requestId, events: [event], hasMore: true });
      expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    }
    const realistic = message(200, 72);
    expect(MAX_EVENTS_PER_BATCH * encodedEventBytes(realistic)).toBeLessThan(MAX_FRAME_BYTES);
    const batch = Array.from({ length: MAX_EVENTS_PER_BATCH }, () => realistic);
    expect(() => encodeFrame({ type: 'events', requestId, events: batch, hasMore: false })).not.toThrow();
  });
});
