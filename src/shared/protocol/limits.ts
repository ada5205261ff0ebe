/** Version byte at the start of every frame; a frame with any other value is rejected with BAD_VERSION. */
export const PROTOCOL_VERSION = 1;

/** Bytes of the frame header: u8 version, u8 type code, u32 request id. */
export const HEADER_BYTES = 6;

/** Noise spec §3: no Noise message (handshake or transport) may exceed 65535 bytes. */
export const NOISE_MAX_MESSAGE_BYTES = 65_535;

/** ChaChaPoly tag added by each Noise transport message around one frame. */
export const NOISE_OVERHEAD_BYTES = 16;

/** Audio bytes in one chunk: 1 s of Opus at 64 kbit/s is ~8 KiB, so 63 KiB leaves ample room and keeps a full chunk frame inside one Noise message. */
export const MAX_CHUNK_BYTES = 63 * 1024;

/** Bytes of a chunk/chunkData frame other than its data: header + messageId + index + final + data length. */
export const CHUNK_FRAME_OVERHEAD_BYTES = HEADER_BYTES + 16 + 4 + 1 + 4;

/** Largest legal frame (a chunk frame with MAX_CHUNK_BYTES of data); every encoded frame must fit. */
export const MAX_FRAME_BYTES = CHUNK_FRAME_OVERHEAD_BYTES + MAX_CHUNK_BYTES;

/** Largest WebSocket message after the handshake (one Noise transport message); use as `ws` maxPayload. */
export const MAX_TRANSPORT_MESSAGE_BYTES = MAX_FRAME_BYTES + NOISE_OVERHEAD_BYTES;

/** Chunks in one message: 30 min at ~1 s per chunk, plus 60 for short chunks from flushes. */
export const MAX_CHUNKS_PER_MESSAGE = 1_860;

/** Longest recording the client allows (DESIGN.md §4); the server cannot see durations. */
export const MAX_MESSAGE_DURATION_MS = 30 * 60 * 1000;

/** Encrypted metadata (duration, 100-value waveform, codec) is ~200 bytes; 2 KiB leaves room to grow. */
export const MAX_METADATA_BYTES = 2_048;

/** One wrapped message key: an authenticated box of a 32-byte key is ~72 bytes; 256 allows other constructions. */
export const MAX_WRAPPED_KEY_BYTES = 256;

/** Devices in one conversation: large family or team groups, each device with its own wrap. */
export const MAX_MEMBERS = 256;

/** Wraps in one begin frame: one per member device, the sender's own included. */
export const MAX_WRAPS = MAX_MEMBERS;

/** UTF-8 bytes of any string field (versions, device names, error messages): short labels, not content. */
export const MAX_STRING_BYTES = 1_024;

/** Events in one `events` frame and the largest `sync` limit; the frame must also fit MAX_FRAME_BYTES. */
export const MAX_EVENTS_PER_BATCH = 100;

/** Uploads begun but not yet committed or aborted, per device: bounds server state per device. */
export const MAX_IN_FLIGHT_UPLOADS = 8;
