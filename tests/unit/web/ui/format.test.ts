import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../../src/web/ui/format';

describe('formatDuration', () => {
  it('shows minutes and seconds, optionally tenths, never negative', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(3_249, true)).toBe('0:03.2');
    expect(formatDuration(30 * 60 * 1000)).toBe('30:00');
    expect(formatDuration(-5, true)).toBe('0:00.0');
  });
});
