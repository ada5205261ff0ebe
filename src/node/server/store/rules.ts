// Rules every Store implementation enforces the same way.
import { MAX_MEMBERS, ProtocolError, toHex, type DeviceKey } from '../../../shared/protocol';

/** The keys without repeats, first occurrence kept. */
export function uniqueKeys(keys: readonly DeviceKey[]): DeviceKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const hex = toHex(key);
    if (seen.has(hex)) return false;
    seen.add(hex);
    return true;
  });
}

/** QUOTA_EXCEEDED when a conversation would hold more than MAX_MEMBERS devices. */
export function checkMemberCount(count: number): void {
  if (count > MAX_MEMBERS) {
    throw new ProtocolError(
      'QUOTA_EXCEEDED',
      `A conversation holds at most ${MAX_MEMBERS} devices; this change would make ${count}.`,
    );
  }
}

/** A page size must be a positive integer (a caller bug otherwise, not a client refusal). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`limit must be a positive integer, got ${limit}`);
  }
}

/** Why a new chunk breaks "one final chunk, and it is the last", or null when it does not. */
export function finalConflict(
  maxIndex: number | null,
  finalIndex: number | null,
  index: number,
  final: boolean,
) {
  if (finalIndex !== null && index > finalIndex) {
    return `Chunk ${index} comes after the final chunk ${finalIndex}.`;
  }
  if (finalIndex !== null && final && index !== finalIndex) {
    return `Chunk ${index} cannot be final: chunk ${finalIndex} already is.`;
  }
  if (final && maxIndex !== null && maxIndex > index) {
    return `Chunk ${index} cannot be final: chunk ${maxIndex} is stored.`;
  }
  return null;
}
