// The life of one outgoing message (DESIGN.md §8) as a pure reducer over a discriminated union:
// recording → sealed(n) → uploading(acked k of n) → sent → delivered → played, plus failed(reason).

/** Why a message failed for good (until the user retries): a protocol error code or a local one. */
export interface FailureReason {
  /** Stable code: the server's error code (NOT_A_MEMBER, QUOTA_EXCEEDED, …) or a local one. */
  readonly code: string;
  /** A sentence for people. */
  readonly message: string;
}

/** States in which the message still has to reach the server. */
export type PendingState =
  /** Chunks are still being sealed; `sealed` so far, `acked` of them durable on the server. */
  | { readonly type: 'recording'; readonly sealed: number; readonly acked: number }
  /** All `chunkCount` chunks are sealed and stored locally; the server holds `acked` of them. */
  | { readonly type: 'sealed'; readonly chunkCount: number; readonly acked: number }
  /** The upload is under way: `acked` of `chunkCount` are durable on the server. */
  | { readonly type: 'uploading'; readonly chunkCount: number; readonly acked: number };

/** States after the commit: the message is sent. */
export type SentState =
  | { readonly type: 'sent'; readonly chunkCount: number; readonly committedAtMs: number }
  | {
      readonly type: 'delivered';
      readonly chunkCount: number;
      readonly committedAtMs: number;
      readonly deliveredAtMs: number;
    }
  | {
      readonly type: 'played';
      readonly chunkCount: number;
      readonly committedAtMs: number;
      readonly deliveredAtMs: number;
      readonly playedAtMs: number;
    };

/** Every state of an outgoing message. */
export type OutboxState =
  | PendingState
  | SentState
  /** Stopped by a permanent error; `resume` is where `retry` picks up. */
  | { readonly type: 'failed'; readonly reason: FailureReason; readonly resume: PendingState };

/** The `type` of an OutboxState. */
export type OutboxStateType = OutboxState['type'];

/** What can happen to an outgoing message. */
export type OutboxEvent =
  /** One more chunk was sealed and stored locally (`final` on the last). */
  | { readonly type: 'chunkSealed'; readonly final: boolean }
  /** The server acknowledged chunks 0..nextIndex-1 (never lowers the count). */
  | { readonly type: 'acked'; readonly nextIndex: number }
  /** A resume/begin reply says the server holds exactly `nextIndex` chunks (may lower it after expiry). */
  | { readonly type: 'resumed'; readonly nextIndex: number }
  /** The server committed the message. */
  | { readonly type: 'committed'; readonly atMs: number }
  /** A recipient device received or played it. */
  | { readonly type: 'receipt'; readonly kind: 'delivered' | 'played'; readonly atMs: number }
  /** A permanent error stopped the upload. */
  | { readonly type: 'failed'; readonly reason: FailureReason }
  /** The user asked to try a failed message again. */
  | { readonly type: 'retry' };

/** A transition that cannot happen to a correct engine (a bug, not a network condition). */
export class OutboxTransitionError extends Error {
  /** Stable code. */
  readonly code = 'INVALID_TRANSITION';

  constructor(state: OutboxState, event: OutboxEvent) {
    super(`outbox: ${event.type} is not possible in state ${state.type}`);
    this.name = 'OutboxTransitionError';
  }
}

/** The state of a message that was just created: recording, nothing sealed. */
export const OUTBOX_INITIAL: OutboxState = { type: 'recording', sealed: 0, acked: 0 };

/** Whether the message still has to reach the server (recording, sealed or uploading). */
export function isPending(state: OutboxState): state is PendingState {
  return state.type === 'recording' || state.type === 'sealed' || state.type === 'uploading';
}

/** Whether the server has committed the message. */
export function isSent(state: OutboxState): state is SentState {
  return state.type === 'sent' || state.type === 'delivered' || state.type === 'played';
}

/** Chunks sealed and stored locally so far. */
export function sealedCount(state: PendingState): number {
  return state.type === 'recording' ? state.sealed : state.chunkCount;
}

/**
 * Applies one event. Repeats are harmless (a second ack, receipt or commit changes nothing or only
 * moves forward); impossible transitions throw OutboxTransitionError.
 */
export function applyOutboxEvent(state: OutboxState, event: OutboxEvent): OutboxState {
  switch (event.type) {
    case 'chunkSealed':
      // Recording goes on while an upload error waits for the user; the chunk joins the resume point.
      if (state.type === 'failed' && state.resume.type === 'recording') {
        const resume = applyOutboxEvent(state.resume, event);
        return isPending(resume) ? { ...state, resume } : state;
      }
      if (state.type !== 'recording') throw new OutboxTransitionError(state, event);
      return event.final
        ? { type: 'sealed', chunkCount: state.sealed + 1, acked: state.acked }
        : { type: 'recording', sealed: state.sealed + 1, acked: state.acked };
    case 'acked':
    case 'resumed':
      return onAck(state, event);
    case 'committed':
      if (isSent(state)) return state;
      if (state.type === 'sealed' || state.type === 'uploading') {
        return { type: 'sent', chunkCount: state.chunkCount, committedAtMs: event.atMs };
      }
      throw new OutboxTransitionError(state, event);
    case 'receipt':
      return onReceipt(state, event);
    case 'failed':
      if (isPending(state)) return { type: 'failed', reason: event.reason, resume: state };
      if (state.type === 'failed') return { ...state, reason: event.reason };
      throw new OutboxTransitionError(state, event);
    case 'retry':
      return state.type === 'failed' ? state.resume : state;
  }
}

function onAck(state: OutboxState, event: Extract<OutboxEvent, { type: 'acked' | 'resumed' }>): OutboxState {
  if (isSent(state) || state.type === 'failed') return state;
  const sealed = sealedCount(state);
  if (!Number.isInteger(event.nextIndex) || event.nextIndex < 0 || event.nextIndex > sealed) {
    throw new OutboxTransitionError(state, event);
  }
  const acked = event.type === 'acked' ? Math.max(state.acked, event.nextIndex) : event.nextIndex;
  if (state.type === 'recording') return { type: 'recording', sealed, acked };
  return { type: 'uploading', chunkCount: sealed, acked };
}

function onReceipt(state: OutboxState, event: Extract<OutboxEvent, { type: 'receipt' }>): OutboxState {
  let sent: SentState;
  if (isSent(state)) sent = state;
  else if (state.type === 'sealed' || state.type === 'uploading') {
    // A receipt proves the commit (its reply was lost); its time stands in for the commit time.
    sent = { type: 'sent', chunkCount: state.chunkCount, committedAtMs: event.atMs };
  } else throw new OutboxTransitionError(state, event);

  const deliveredAtMs = sent.type === 'sent' ? event.atMs : sent.deliveredAtMs;
  if (event.kind === 'delivered') {
    return sent.type === 'sent' ? { ...sent, type: 'delivered', deliveredAtMs } : sent;
  }
  if (sent.type === 'played') return sent;
  return {
    type: 'played',
    chunkCount: sent.chunkCount,
    committedAtMs: sent.committedAtMs,
    deliveredAtMs,
    playedAtMs: event.atMs,
  };
}

/** A short label for lists and the CLI: `uploading 3/10`, `sent`, `failed: NOT_A_MEMBER`. */
export function describeOutboxState(state: OutboxState): string {
  switch (state.type) {
    case 'recording':
      return `recording (${state.sealed} sealed, ${state.acked} uploaded)`;
    case 'sealed':
    case 'uploading':
      return `${state.type} ${state.acked}/${state.chunkCount}`;
    case 'failed':
      return `failed: ${state.reason.code}`;
    case 'sent':
    case 'delivered':
    case 'played':
      return state.type;
  }
}
