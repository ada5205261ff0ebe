// The client engine's error taxonomy: one class, stable codes, sentences a UI can show.

/** Stable reasons a client operation fails. */
export type ClientErrorCode =
  /** The server's static key differs from the one pinned on first contact: possible impersonation. */
  | 'SERVER_KEY_CHANGED'
  /** The Noise handshake did not complete. */
  | 'HANDSHAKE_FAILED'
  /** The socket closed while a request was waiting for its reply. */
  | 'CONNECTION_CLOSED'
  /** The server stopped answering (no pong in time). */
  | 'CONNECTION_TIMEOUT'
  /** The server sent something this client does not understand. */
  | 'BAD_SERVER_FRAME'
  /** No identity yet: run init first. */
  | 'NOT_INITIALIZED'
  /** The profile already has an identity. */
  | 'ALREADY_INITIALIZED'
  /** No contact or conversation matches. */
  | 'UNKNOWN_CONTACT'
  /** No such message. */
  | 'UNKNOWN_MESSAGE'
  /** The call does not fit the object's current state (e.g. append after finish). */
  | 'INVALID_STATE'
  /** The message would exceed a protocol limit (length, chunk count, chunk size). */
  | 'MESSAGE_TOO_LARGE'
  /** The engine was stopped. */
  | 'STOPPED';

/** A client-side failure with a stable `code` and a sentence for people. */
export class ClientError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}

/** Whether `error` is a ClientError with one of `codes`. */
export function isClientError(error: unknown, ...codes: ClientErrorCode[]): error is ClientError {
  return error instanceof ClientError && (codes.length === 0 || codes.includes(error.code));
}
