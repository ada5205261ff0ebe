import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fanout } from '../../../../src/node/server/fanout';
import { asCursor, type DeviceKey } from '../../../../src/shared/protocol';
import { recorder } from './fanout.fixtures';
import { newDevice } from './store.fixtures';

/** What an implementation under test provides: a fresh fanout. */
export interface FanoutHarness {
  /** A fanout nobody else publishes on. */
  readonly fanout: Fanout;
  /** Closes the fanout and whatever the harness opened. */
  cleanup(): Promise<void>;
}

function wake(device: DeviceKey, cursor: number) {
  return { device, cursor: asCursor(cursor) };
}

/** The Fanout contract: every implementation must pass this suite unchanged. */
export function fanoutContract(name: string, open: () => Promise<FanoutHarness>): void {
  describe(`Fanout contract: ${name}`, () => {
    let fanout: Fanout;
    let cleanup = () => Promise.resolve();

    beforeEach(async () => {
      const opened = await open();
      fanout = opened.fanout;
      cleanup = () => opened.cleanup();
    });
    afterEach(async () => {
      // Nothing to clean up when `open` failed.
      const done = cleanup;
      cleanup = () => Promise.resolve();
      await done();
    });

    it("wakes a device's listener with its cursor and not with other devices' cursors", async () => {
      const a = newDevice();
      const b = newDevice();
      const ra = recorder('listener of a');
      const rb = recorder('listener of b');
      fanout.subscribe(a, ra.listener);
      // Another Uint8Array with the same bytes is the same device.
      fanout.subscribe(Uint8Array.from(b) as DeviceKey, rb.listener);
      await fanout.subscribed();

      await fanout.publish([wake(a, 3)]);
      await fanout.publish([wake(newDevice(), 9), wake(b, 4), wake(a, 5)]);
      await ra.received(5);
      await rb.received(4);
      // Each publish is delivered in order, so anything misrouted would have arrived by now.
      expect(ra.calls).toEqual([3, 5]);
      expect(rb.calls).toEqual([4]);
    });

    it('wakes every listener of a device', async () => {
      const device = newDevice();
      const listeners = [recorder('first'), recorder('second'), recorder('third')];
      for (const r of listeners) fanout.subscribe(device, r.listener);
      await fanout.subscribed();

      await fanout.publish([wake(device, 7)]);
      for (const r of listeners) await r.received(7);
      for (const r of listeners) expect(r.calls).toEqual([7]);
    });

    it('stops waking an unsubscribed listener, and a repeated unsubscribe removes nobody else', async () => {
      const device = newDevice();
      const first = recorder('first');
      const second = recorder('second');
      const unsubscribeFirst = fanout.subscribe(device, first.listener);
      const unsubscribeSecond = fanout.subscribe(device, second.listener);
      unsubscribeFirst();
      unsubscribeFirst();
      await fanout.subscribed();
      await fanout.publish([wake(device, 1)]);
      await second.received(1);
      expect(first.calls).toEqual([]);

      // The device's last listener leaves, a new one comes; a stale second call must not evict it.
      unsubscribeSecond();
      const third = recorder('third');
      fanout.subscribe(device, third.listener);
      unsubscribeSecond();
      unsubscribeFirst();
      await fanout.subscribed();
      await fanout.publish([wake(device, 2)]);
      await third.received(2);
      expect(second.calls).toEqual([1]);
      expect(first.calls).toEqual([]);
    });

    it('stops waking a device once its last listener has unsubscribed', async () => {
      const gone = newDevice();
      const other = newDevice();
      const left = recorder('unsubscribed listener');
      const stays = recorder('listener of another device');
      const unsubscribe = fanout.subscribe(gone, left.listener);
      fanout.subscribe(other, stays.listener);
      await fanout.subscribed();
      unsubscribe();
      await fanout.subscribed();

      await fanout.publish([wake(gone, 1)]);
      await fanout.publish([wake(other, 2)]);
      await stays.received(2);
      expect(left.calls).toEqual([]);
    });

    it('stops delivering when closed, and closing twice is harmless', async () => {
      const device = newDevice();
      const r = recorder('listener');
      fanout.subscribe(device, r.listener);
      await fanout.subscribed();
      await fanout.publish([wake(device, 1)]);
      await r.received(1);

      await fanout.close();
      await fanout.close();
      await fanout.publish([wake(device, 2)]);
      expect(r.calls).toEqual([1]);
    });
  });
}
