/** How the connection reacts to an error code: the WebSocket close code to use and whether closing is required. */
export interface ErrorPolicy {
  /** WebSocket close code sent when the connection is closed because of this error. */
  readonly closeCode: number;
  /** True when the connection must be closed; false for a per-request error reply. */
  readonly fatal: boolean;
}

/** Every error code of the protocol, with its close code and fatality (documented in docs/PROTOCOL.md). */
export const ERROR_POLICIES = {
  // Malformed frames (decoder): the byte stream can no longer be trusted.
  BAD_VERSION: { closeCode: 4001, fatal: true },
  UNKNOWN_FRAME_TYPE: { closeCode: 1002, fatal: true },
  TRUNCATED: { closeCode: 1002, fatal: true },
  TRAILING_BYTES: { closeCode: 1002, fatal: true },
  FIELD_TOO_LARGE: { closeCode: 1009, fatal: true },
  BAD_UTF8: { closeCode: 1002, fatal: true },
  BAD_VALUE: { closeCode: 1002, fatal: true },
  OUT_OF_ORDER: { closeCode: 1002, fatal: true },
  NOT_BINARY: { closeCode: 1003, fatal: true },
  // Session.
  HANDSHAKE_FAILED: { closeCode: 1008, fatal: true },
  HANDSHAKE_TIMEOUT: { closeCode: 4002, fatal: true },
  DECRYPT_FAILED: { closeCode: 1008, fatal: true },
  IDLE_TIMEOUT: { closeCode: 4003, fatal: true },
  TOO_MANY_CONNECTIONS: { closeCode: 1013, fatal: true },
  SHUTTING_DOWN: { closeCode: 1001, fatal: true },
  INTERNAL: { closeCode: 1011, fatal: true },
  // Per-request refusals: an error reply, the connection stays open.
  RATE_LIMITED: { closeCode: 1008, fatal: false },
  QUOTA_EXCEEDED: { closeCode: 1008, fatal: false },
  TOO_MANY_UPLOADS: { closeCode: 1008, fatal: false },
  NOT_A_MEMBER: { closeCode: 1008, fatal: false },
  UNKNOWN_MESSAGE: { closeCode: 1008, fatal: false },
  CHUNK_CONFLICT: { closeCode: 1008, fatal: false },
  ID_CONFLICT: { closeCode: 1008, fatal: false },
  INCOMPLETE_MESSAGE: { closeCode: 1008, fatal: false },
  ALREADY_COMMITTED: { closeCode: 1008, fatal: false },
} as const satisfies Record<string, ErrorPolicy>;

/** A stable error code, sent in `error` frames and used as the WebSocket close reason. */
export type ErrorCode = keyof typeof ERROR_POLICIES;

/** Whether a string is one of the protocol's error codes. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_POLICIES, value);
}

/** An error of the wire protocol: a stable `code`, the WebSocket `closeCode` to send, and whether it is `fatal`. */
export class ProtocolError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** WebSocket close code to send if the connection is closed for this error. */
  readonly closeCode: number;
  /** True when the connection must be closed. */
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = ERROR_POLICIES[code].closeCode;
    this.fatal = ERROR_POLICIES[code].fatal;
  }
}
