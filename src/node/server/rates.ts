import { toHex, type DeviceKey } from '../../shared/protocol';
import { TokenBucket, type ServerLimitsConfig } from './limits';

/** One device's frame and byte budgets, shared by all of its sessions. */
export class DeviceRate {
  /** Sessions holding this entry. */
  sessions = 1;

  constructor(
    private readonly frames: TokenBucket,
    private readonly bytes: TokenBucket,
  ) {}

  /** Whether the device may send one more frame of `bytes` now (taking from both buckets). */
  allow(bytes: number, now: number): boolean {
    return this.frames.take(1, now) && this.bytes.take(bytes, now);
  }
}

/** Per-device token buckets for frames and bytes, kept while the device has a session. */
export class DeviceRates {
  private readonly entries = new Map<string, DeviceRate>();

  constructor(private readonly limits: ServerLimitsConfig) {}

  /** Counts a session of the device and returns its budgets (created on the first session). */
  retain(device: DeviceKey, now: number): DeviceRate {
    const key = toHex(device);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      existing.sessions++;
      return existing;
    }
    const { framesPerSecond, frameBurst, bytesPerSecond, byteBurst } = this.limits;
    const rate = new DeviceRate(
      new TokenBucket(framesPerSecond, frameBurst, now),
      new TokenBucket(bytesPerSecond, byteBurst, now),
    );
    this.entries.set(key, rate);
    return rate;
  }

  /** Forgets the device's budgets when its last session ends. */
  release(device: DeviceKey): void {
    const key = toHex(device);
    const rate = this.entries.get(key);
    if (rate !== undefined && --rate.sessions === 0) this.entries.delete(key);
  }
}
