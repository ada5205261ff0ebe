import { MAX_CHUNK_BYTES, MAX_CHUNKS_PER_MESSAGE, MAX_IN_FLIGHT_UPLOADS } from '../../shared/protocol';

/** Server-side limits; every one has a default here and an environment override (docs/OPERATIONS.md). */
export interface ServerLimitsConfig {
  /** Sustained frames per second per device (token bucket rate). */
  readonly framesPerSecond: number;
  /** Frames a device may send in a burst (token bucket size). */
  readonly frameBurst: number;
  /** Sustained inbound bytes per second per device. */
  readonly bytesPerSecond: number;
  /** Inbound bytes a device may send in a burst. */
  readonly byteBurst: number;
  /** Uploads begun and not committed or aborted, per device. */
  readonly maxInFlightUploads: number;
  /** Chunks per message. */
  readonly maxChunksPerMessage: number;
  /** Ciphertext bytes per chunk. */
  readonly maxChunkBytes: number;
  /** Ciphertext bytes per message (all chunks). */
  readonly maxMessageBytes: number;
  /** Open WebSocket connections per client IP address. */
  readonly maxConnectionsPerIp: number;
  /** Time allowed from connection to a finished handshake. */
  readonly handshakeTimeoutMs: number;
  /** A session that sends no frame for this long is closed (clients ping every 30 s). */
  readonly idleTimeoutMs: number;
  /** Interval of WebSocket pings; a peer that has not answered the previous one is terminated. */
  readonly heartbeatIntervalMs: number;
  /** Uncommitted uploads older than this are deleted. */
  readonly uploadTtlMs: number;
}

/** Defaults sized for one machine serving people, not load tests. */
export const DEFAULT_LIMITS: ServerLimitsConfig = {
  // 1 s chunks need ~1 frame/s; 50/s leaves room for resume bursts, sync and fetch requests.
  framesPerSecond: 50,
  frameBurst: 200,
  // 64 kbit/s (high preset) is 8 KB/s; 256 KiB/s lets a device catch up after being offline.
  bytesPerSecond: 256 * 1024,
  byteBurst: 4 * 1024 * 1024,
  maxInFlightUploads: MAX_IN_FLIGHT_UPLOADS,
  maxChunksPerMessage: MAX_CHUNKS_PER_MESSAGE,
  maxChunkBytes: MAX_CHUNK_BYTES,
  // 30 min at 64 kbit/s is ~14.4 MB; 32 MiB leaves headroom for framing and AEAD tags.
  maxMessageBytes: 32 * 1024 * 1024,
  maxConnectionsPerIp: 64,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  heartbeatIntervalMs: 30_000,
  uploadTtlMs: 24 * 60 * 60 * 1000,
};

/** Environment variable for each limit. */
export const LIMIT_ENV: Readonly<Record<keyof ServerLimitsConfig, string>> = {
  framesPerSecond: 'SOTTO_RATE_FRAMES_PER_S',
  frameBurst: 'SOTTO_RATE_FRAME_BURST',
  bytesPerSecond: 'SOTTO_RATE_BYTES_PER_S',
  byteBurst: 'SOTTO_RATE_BYTE_BURST',
  maxInFlightUploads: 'SOTTO_MAX_IN_FLIGHT_UPLOADS',
  maxChunksPerMessage: 'SOTTO_MAX_CHUNKS_PER_MESSAGE',
  maxChunkBytes: 'SOTTO_MAX_CHUNK_BYTES',
  maxMessageBytes: 'SOTTO_MAX_MESSAGE_BYTES',
  maxConnectionsPerIp: 'SOTTO_MAX_CONNECTIONS_PER_IP',
  handshakeTimeoutMs: 'SOTTO_HANDSHAKE_TIMEOUT_MS',
  idleTimeoutMs: 'SOTTO_IDLE_TIMEOUT_MS',
  heartbeatIntervalMs: 'SOTTO_HEARTBEAT_INTERVAL_MS',
  uploadTtlMs: 'SOTTO_UPLOAD_TTL_MS',
};

/** Protocol ceilings a configured limit may not exceed (the codec rejects more anyway). */
const CEILINGS: Partial<Record<keyof ServerLimitsConfig, number>> = {
  maxInFlightUploads: MAX_IN_FLIGHT_UPLOADS,
  maxChunksPerMessage: MAX_CHUNKS_PER_MESSAGE,
  maxChunkBytes: MAX_CHUNK_BYTES,
};

/** Reads the limits from the environment, each a positive integer, else the default. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): ServerLimitsConfig {
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof ServerLimitsConfig, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`${name} must be a positive integer, got "${raw}"`);
    }
    const ceiling = CEILINGS[key];
    if (ceiling !== undefined && value > ceiling) {
      throw new TypeError(`${name} may not exceed the protocol limit ${ceiling}, got ${value}`);
    }
    limits[key] = value;
  }
  return limits as unknown as ServerLimitsConfig;
}

/** A token bucket: `take(n)` succeeds while tokens last; tokens refill at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes `n` tokens if available; returns false (taking nothing) otherwise. */
  take(n: number, now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
