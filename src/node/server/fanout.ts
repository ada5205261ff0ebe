import type { Cursor, DeviceKey } from '../../shared/protocol';
import { asCursor, toHex } from '../../shared/protocol';
import type { Appended } from './store/store';

/**
 * Called when a device's log has grown up to `cursor` (a wake-up hint, not the events). A fanout
 * that may have lost hints calls it with HINTS_LOST: the listener should read its log again.
 */
export type WakeUp = (cursor: Cursor) => void;

/** The cursor a fanout wakes listeners with after hints may have been lost (above every real one). */
export const HINTS_LOST = asCursor(Number.MAX_SAFE_INTEGER);

/**
 * Tells the sessions of a device that its event log grew. At-most-once by design: the database is
 * the source of truth and sessions read from their cursor (DESIGN.md §7).
 */
export interface Fanout {
  /** Announces appended events. */
  publish(appended: Appended): Promise<void>;
  /** Listens for a device's wake-ups; returns the unsubscribe function (idempotent). */
  subscribe(device: DeviceKey, listener: WakeUp): () => void;
  /** Resolves once every subscription made so far receives what any process publishes. */
  subscribed(): Promise<void>;
  /** Stops delivering; idempotent. */
  close(): Promise<void>;
}

/** Fanout within one server process. */
export class LocalFanout implements Fanout {
  private readonly listeners = new Map<string, Set<WakeUp>>();

  publish(appended: Appended): Promise<void> {
    for (const { device, cursor } of appended) {
      const set = this.listeners.get(toHex(device));
      if (set === undefined) continue;
      for (const listener of set) listener(cursor);
    }
    return Promise.resolve();
  }

  subscribe(device: DeviceKey, listener: WakeUp): () => void {
    const key = toHex(device);
    let set = this.listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      // A repeated call must not evict a set created since for the device's next listeners.
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  subscribed(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
