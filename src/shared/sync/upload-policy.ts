// How the uploader reacts to the server: what a resume reply means, which chunk goes next, and
// which error codes are worth retrying (docs/PROTOCOL.md §8 and §11). Pure functions.
import type { ErrorCode, UploadState } from '../protocol';
import { ERROR_POLICIES } from '../protocol';
import type { OutboxState } from './outbox-state';
import { isPending, sealedCount } from './outbox-state';

/** What to do after a `resumeState` reply. */
export type ResumePlan =
  /** The server does not know the upload (never begun, aborted, expired): `begin`, then send from its ack. */
  | { readonly type: 'begin' }
  /** The server holds chunks 0..from-1: send the stored chunks from `from`. */
  | { readonly type: 'send'; readonly from: number }
  /** Already committed: `commit` again (idempotent) to learn the commit time. */
  | { readonly type: 'commit' };

/** Turns a `resumeState` reply into the next move. */
export function planResume(state: UploadState, nextIndex: number): ResumePlan {
  switch (state) {
    case 'unknown':
      return { type: 'begin' };
    case 'uploading':
      return { type: 'send', from: nextIndex };
    case 'committed':
      return { type: 'commit' };
  }
}

/** The uploader's next move for one message. */
export type UploadStep =
  /** Send the stored chunk at `index`. */
  | { readonly type: 'chunk'; readonly index: number; readonly final: boolean }
  /** Every chunk is sealed and acknowledged: commit. */
  | { readonly type: 'commit' }
  /** Nothing to do until another chunk is sealed or an ack arrives. */
  | { readonly type: 'wait' }
  /** Nothing left to do (sent or failed). */
  | { readonly type: 'done' };

/**
 * The next move given the message's state, the next index not yet sent on this connection, and
 * how many chunks are sent but not acknowledged (at most `window` may be).
 */
export function nextUploadStep(
  state: OutboxState,
  nextToSend: number,
  inFlight: number,
  window = 1,
): UploadStep {
  if (!isPending(state)) return { type: 'done' };
  const sealed = sealedCount(state);
  const complete = state.type !== 'recording';
  const index = Math.max(nextToSend, state.acked);
  if (index < sealed) {
    if (inFlight >= window) return { type: 'wait' };
    return { type: 'chunk', index, final: complete && index === sealed - 1 };
  }
  if (complete && state.acked === sealed && inFlight === 0) return { type: 'commit' };
  return { type: 'wait' };
}

/** How an uploader reacts to an error reply. */
export type ErrorReaction =
  /** Permanent for this message: mark it failed with the server's reason (user may retry or delete). */
  | 'fail'
  /** Transient: wait (backoff) and try the same request again. */
  | 'retry'
  /** The server's view differs from ours: ask `resume` and continue from its answer. */
  | 'resume'
  /** The message is already sent: `commit` again for its time. */
  | 'committed'
  /** The connection is over (fatal error): reconnect with backoff, then resume. */
  | 'reconnect';

/** Codes that stop a message for good: retrying the same bytes would get the same answer. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_A_MEMBER',
  'QUOTA_EXCEEDED',
  'CHUNK_CONFLICT',
  'ID_CONFLICT',
]);

/** Maps an error code to the uploader's reaction (PROTOCOL.md §8 "client reaction"). */
export function uploadErrorReaction(code: ErrorCode): ErrorReaction {
  if (ERROR_POLICIES[code].fatal) return 'reconnect';
  if (PERMANENT.has(code)) return 'fail';
  switch (code) {
    case 'UNKNOWN_MESSAGE':
    case 'INCOMPLETE_MESSAGE':
      return 'resume';
    case 'ALREADY_COMMITTED':
      return 'committed';
    default:
      return 'retry';
  }
}
