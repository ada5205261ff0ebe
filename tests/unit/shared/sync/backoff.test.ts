import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  BACKOFF_RESET,
  backoffCeilingMs,
  nextBackoff,
  type BackoffState,
} from '../../../../src/shared/sync';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff: exponential with full jitter', () => {
  it('stays in [0, min(cap, base·2^attempt)) for any attempt and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), unit, (attempt, r) => {
        const { delayMs, state } = nextBackoff({ attempt }, () => r);
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 52));
        expect(delayMs).toBeGreaterThanOrEqual(0);
        expect(delayMs).toBeLessThanOrEqual(BACKOFF_CAP_MS);
        expect(delayMs).toBeLessThan(ceiling);
        expect(delayMs).toBe(Math.floor(r * ceiling));
        expect(state.attempt).toBe(attempt + 1);
      }),
    );
  });

  it('has a non-decreasing ceiling that starts at the base and reaches the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 }), (attempt) => {
        expect(backoffCeilingMs(attempt + 1)).toBeGreaterThanOrEqual(backoffCeilingMs(attempt));
      }),
    );
    expect(backoffCeilingMs(0)).toBe(500);
    expect(backoffCeilingMs(1)).toBe(1_000);
    expect(backoffCeilingMs(5)).toBe(16_000);
    expect(backoffCeilingMs(6)).toBe(30_000);
    expect(backoffCeilingMs(1_000_000)).toBe(30_000);
  });

  it('starts over after a reset (progress): the next delay is below the base again', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 40 }), unit, (failures, r) => {
        let state: BackoffState = BACKOFF_RESET;
        for (const value of failures) state = nextBackoff(state, () => value).state;
        expect(state.attempt).toBe(failures.length);
        state = BACKOFF_RESET;
        expect(nextBackoff(state, () => r).delayMs).toBeLessThan(BACKOFF_BASE_MS);
      }),
    );
  });

  it('clamps a random source that leaves [0, 1)', () => {
    for (const bad of [-1, 1, 7, Number.NaN]) {
      const { delayMs } = nextBackoff({ attempt: 3 }, () => bad);
      expect(delayMs).toBe(0);
    }
  });

  it('honours a custom policy and rejects a bad attempt count', () => {
    expect(backoffCeilingMs(3, { baseMs: 10, capMs: 50 })).toBe(50);
    expect(backoffCeilingMs(2, { baseMs: 10, capMs: 50 })).toBe(40);
    expect(() => backoffCeilingMs(-1)).toThrow(TypeError);
    expect(() => backoffCeilingMs(1.5)).toThrow(TypeError);
  });
});
