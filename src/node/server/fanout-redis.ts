import { Redis, type RedisOptions } from 'ioredis';
import { asCursor, toHex, type Cursor, type DeviceKey } from '../../shared/protocol';
import { HINTS_LOST, type Fanout, type WakeUp } from './fanout';
import { redactUrl } from './config';
import type { Appended } from './store/store';

/** Channel name before the device key's hex when no prefix is given. */
export const DEFAULT_CHANNEL_PREFIX = 'sotto:wake:';
/** How long `connect` waits for Redis by default: enough for a slow network, short enough to fail a start. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A publish not answered within this is given up (a lost hint, reported): it must not hold up a request. */
const PUBLISH_TIMEOUT_MS = 2_000;
/** Longest decimal cursor (Number.MAX_SAFE_INTEGER has 16 digits). */
const CURSOR_PATTERN = /^\d{1,16}$/;

/** Options of `RedisFanout.connect`. */
export interface RedisFanoutOptions {
  /** Prepended to the device key's hex to name its channel; processes sharing a user base share it. */
  readonly channelPrefix?: string;
  /** How long connecting may take before `connect` rejects (also each reconnection attempt). */
  readonly connectTimeoutMs?: number;
  /** Names the connections in Redis's CLIENT LIST (`<name>:publisher`, `<name>:subscriber`). */
  readonly connectionName?: string;
  /** Where connection and publish failures are reported; ioredis keeps reconnecting meanwhile. */
  readonly onError?: (message: string) => void;
}

type State = { type: 'open' } | { type: 'closing'; done: Promise<void> };

/**
 * Fanout across server processes through Redis pub/sub: one channel per device, subscribed while
 * the device has a listener in this process, carrying the cursor as a decimal string. Wake-ups are
 * hints and may be lost (during a Redis outage, for one): the store stays the source of truth, and
 * after a reconnection every local listener is woken with HINTS_LOST.
 */
export class RedisFanout implements Fanout {
  /** Listeners by channel name. */
  private readonly listeners = new Map<string, Set<WakeUp>>();
  /** The latest SUBSCRIBE or UNSUBSCRIBE sent; Redis answers them in order. */
  private lastSubscription: Promise<void> = Promise.resolve();
  private state: State = { type: 'open' };

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly report: (message: string) => void,
  ) {
    subscriber.on('message', (channel: string, payload: string) => {
      const cursor = parseCursor(payload);
      if (cursor !== null) this.deliver(channel, cursor);
    });
    subscriber.on('ready', () => {
      this.recover();
    });
  }

  /**
   * Opens the publishing and the subscribing connection to `url` and resolves once both are ready;
   * rejects, naming the URL (without its password), if Redis cannot be reached in time.
   */
  static async connect(url: string, options: RedisFanoutOptions = {}): Promise<RedisFanout> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const report = options.onError ?? (() => undefined);
    const name = options.connectionName ?? 'sotto-fanout';
    const shared: RedisOptions = { lazyConnect: true, connectTimeout: timeoutMs };
    // The publisher drops hints while disconnected instead of queueing them behind a request.
    const publisher = new Redis(url, {
      ...shared,
      connectionName: `${name}:publisher`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: PUBLISH_TIMEOUT_MS,
    });
    // The subscriber queues SUBSCRIBEs made while disconnected, and ioredis re-subscribes on reconnect.
    const subscriber = new Redis(url, {
      ...shared,
      connectionName: `${name}:subscriber`,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    });
    const firstErrors = [publisher, subscriber].map((connection) => watchErrors(connection, report));

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      // connectTimeout covers the TCP connection only, not a server that accepts and stays silent.
      timer = setTimeout(() => {
        reject(new Error(`not ready within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([Promise.all([publisher.connect(), subscriber.connect()]), deadline]);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      const cause = firstErrors.map((first) => first()).find((message) => message !== null);
      const detail = cause ?? (error instanceof Error ? error.message : String(error));
      throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${detail}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return new RedisFanout(publisher, subscriber, options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX, report);
  }

  /** Publishes the cursors in one pipeline (one round trip); never rejects: a failure is reported. */
  async publish(appended: Appended): Promise<void> {
    if (this.state.type !== 'open' || appended.length === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const { device, cursor } of appended) pipeline.publish(this.channel(device), String(cursor));
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null)?.[0];
      if (failed != null) this.report(`Redis publish failed: ${failed.message}`);
    } catch (error) {
      this.report(`Redis publish failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** SUBSCRIBEs to the device's channel with its first listener here; UNSUBSCRIBEs after its last. */
  subscribe(device: DeviceKey, listener: WakeUp): () => void {
    if (this.state.type !== 'open') return () => undefined;
    const channel = this.channel(device);
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
      this.track(this.subscriber.subscribe(channel), 'SUBSCRIBE');
    }
    set.add(listener);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(channel) !== set) return;
      this.listeners.delete(channel);
      if (this.state.type === 'open') this.track(this.subscriber.unsubscribe(channel), 'UNSUBSCRIBE');
    };
  }

  /**
   * Resolves once Redis has confirmed every SUBSCRIBE and UNSUBSCRIBE made so far: from then on a
   * publish by any process reaches the listeners subscribed before the call.
   */
  subscribed(): Promise<void> {
    return this.lastSubscription;
  }

  /** Stops delivering and quits both connections; idempotent. */
  close(): Promise<void> {
    if (this.state.type === 'closing') return this.state.done;
    this.listeners.clear();
    const done = Promise.all([quit(this.publisher), quit(this.subscriber)]).then(() => undefined);
    this.state = { type: 'closing', done };
    return done;
  }

  private channel(device: DeviceKey): string {
    return this.prefix + toHex(device);
  }

  private track(command: Promise<unknown>, name: string): void {
    this.lastSubscription = command.then(
      () => undefined,
      (error: unknown) => {
        if (this.state.type !== 'open') return;
        this.report(`Redis ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  /**
   * After a reconnection (the first connection is made before the constructor runs): hints
   * published while the subscriber was away are lost, so once its channels are subscribed again,
   * every local listener is woken with HINTS_LOST and its session reads its log from its cursor.
   */
  private recover(): void {
    const channels = [...this.listeners.keys()];
    if (this.state.type !== 'open' || channels.length === 0) return;
    // ioredis re-subscribes by itself; subscribing here too tells us when that is done.
    this.track(this.subscriber.subscribe(...channels), 'SUBSCRIBE');
    void this.lastSubscription.then(() => {
      for (const channel of channels) this.deliver(channel, HINTS_LOST);
    });
  }

  /** Runs inside ioredis's reply parser, so nothing may escape it. */
  private deliver(channel: string, cursor: Cursor): void {
    const set = this.listeners.get(channel);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(cursor);
      } catch (error) {
        this.report(`fanout listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** The cursor in a wake-up payload, or null if the payload is not a decimal safe integer. */
export function parseCursor(payload: string): Cursor | null {
  if (!CURSOR_PATTERN.test(payload)) return null;
  const value = Number(payload);
  return Number.isSafeInteger(value) ? asCursor(value) : null;
}

/** Reports a connection's errors, each once until it is ready again; returns the first one seen. */
function watchErrors(connection: Redis, report: (message: string) => void): () => string | null {
  let first: string | null = null;
  const seen = new Set<string>();
  connection.on('error', (error: Error) => {
    first ??= error.message;
    if (seen.has(error.message)) return;
    seen.add(error.message);
    report(`Redis connection error: ${error.message}`);
  });
  connection.on('ready', () => {
    seen.clear();
  });
  return () => first;
}

/** QUIT when connected (pending replies arrive first), otherwise drop the connection. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // Fall through: the connection went away while quitting.
    }
  }
  connection.disconnect();
}
