// Reconnect and retry delays: exponential with full jitter (DESIGN.md §8), as pure functions.

/** First retry waits up to half a second: quick enough for a blip, slow enough not to hammer. */
export const BACKOFF_BASE_MS = 500;
/** No wait exceeds 30 s, so a device that was offline for long reconnects soon after the network returns. */
export const BACKOFF_CAP_MS = 30_000;
/** Exponents above this already exceed any sane cap; clamping keeps 2^n finite. */
const MAX_EXPONENT = 52;

/** The two numbers of an exponential backoff. */
export interface BackoffPolicy {
  /** Ceiling of the first delay, in ms. */
  readonly baseMs: number;
  /** Largest ceiling, in ms. */
  readonly capMs: number;
}

/** Base 0.5 s, cap 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS };

/** How many consecutive failures happened since the last progress. */
export interface BackoffState {
  /** Failed attempts since the last reset; the next delay's exponent. */
  readonly attempt: number;
}

/** The state after progress (and at the start): the next delay is at most `baseMs`. */
export const BACKOFF_RESET: BackoffState = { attempt: 0 };

/** A uniform random number in [0, 1), injectable for tests (Math.random fits). */
export type UnitRandom = () => number;

/** The upper bound of the delay after `attempt` failures: min(cap, base · 2^attempt). */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new TypeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
}

/** The next delay (uniform in [0, ceiling), "full jitter") and the state after one more failure. */
export function nextBackoff(
  state: BackoffState,
  random: UnitRandom,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): { readonly delayMs: number; readonly state: BackoffState } {
  const ceiling = backoffCeilingMs(state.attempt, policy);
  const unit = random();
  // A misbehaving source must not produce a negative or over-long wait.
  const clamped = unit >= 0 && unit < 1 ? unit : 0;
  return { delayMs: Math.floor(clamped * ceiling), state: { attempt: state.attempt + 1 } };
}
