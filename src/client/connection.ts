// The connection lifecycle: connect (handshake, pin check, hello), stay alive with pings, and
// reconnect with exponential backoff and full jitter until stopped (DESIGN.md §8).
import type { KeyPair } from '../shared/crypto/noise';
import { ProtocolError, sameBytes, toHex, type EventsFrame, type WelcomeFrame } from '../shared/protocol';
import {
  BACKOFF_RESET,
  DEFAULT_BACKOFF,
  nextBackoff,
  type BackoffPolicy,
  type BackoffState,
} from '../shared/sync';
import { openChannel } from './channel';
import { ClientError, isClientError } from './errors';
import type { Clock, KeyStore, Random, Timer, Transport } from './ports';
import { Rpc } from './rpc';
import { deferred } from './wakeup';

/** Clients ping every 30 s (the server's idle timeout is 120 s; browsers cannot send WebSocket pings). */
export const PING_INTERVAL_MS = 30_000;
/** A ping unanswered for this long means the connection is dead. */
export const PING_TIMEOUT_MS = 10_000;
/** A handshake that takes longer than this is abandoned (the server allows 10 s). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Where the connection stands, for a UI. */
export type ConnectionStatus =
  | { readonly type: 'idle' }
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'open'; readonly serverVersion: string }
  /** Disconnected; the next attempt is in `retryInMs`. */
  | {
      readonly type: 'waiting';
      readonly attempt: number;
      readonly retryInMs: number;
      readonly reason: string;
    }
  /** Stopped for good by an error that retrying cannot fix (e.g. SERVER_KEY_CHANGED). */
  | { readonly type: 'failed'; readonly error: ClientError }
  | { readonly type: 'stopped' };

/** One open session: hello answered, requests possible until `closed` resolves. */
export interface Session {
  readonly rpc: Rpc;
  readonly welcome: WelcomeFrame;
  /** Resolves (never rejects) when the session ends, with the reason. */
  readonly closed: Promise<ClientError>;
  /** Whether the session has ended. */
  isClosed(): boolean;
  /** Ends the session (the connection then reconnects). */
  close(error: ClientError): void;
}

/** What the connection needs and whom it tells. */
export interface ConnectionOptions {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly keyStore: KeyStore;
  readonly identity: KeyPair;
  /** Server origin, e.g. `http://127.0.0.1:8080` (the pin is kept per origin). */
  readonly origin: string;
  readonly clientVersion: string;
  readonly deviceName: string;
  readonly backoff?: BackoffPolicy;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  /** A session opened; runs the session's work. */
  onOpen(session: Session): void;
  /** `events` pushed by the server during a session. */
  onPush(session: Session, frame: EventsFrame): void;
  /** The status changed. */
  onStatus(status: ConnectionStatus): void;
}

type Loop =
  | { readonly type: 'idle' }
  | { readonly type: 'running'; readonly done: Promise<void> }
  | { readonly type: 'stopped' };

/** Keeps one session open to the server whenever possible. */
export class Connection {
  readonly #options: ConnectionOptions;
  #loop: Loop = { type: 'idle' };
  #status: ConnectionStatus = { type: 'idle' };
  #session: Session | null = null;
  #sleep: { timer: Timer; wake: () => void } | null = null;
  #stopping = false;
  /** Whether the current session did useful work (see markProgress). */
  #progressed = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The open session, or null. */
  get session(): Session | null {
    return this.#session;
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.#loop.type !== 'idle') return;
    this.#loop = { type: 'running', done: this.#run() };
  }

  /**
   * Tells the loop that the open session did useful work (a sync, an ack): when it ends, the next
   * reconnect starts from the base delay again. A session that only says hello and drops does not
   * count, so a server that accepts and then fails every connection gets ever longer waits.
   */
  markProgress(): void {
    this.#progressed = true;
  }

  /** Skips the current backoff wait (e.g. the network came back). */
  reconnectNow(): void {
    this.#sleep?.wake();
  }

  /** Closes the session and stops reconnecting; resolves when the loop has ended. Idempotent. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    this.#stopping = true;
    this.#loop = { type: 'stopped' };
    this.#session?.close(new ClientError('STOPPED', 'the client was stopped'));
    this.#sleep?.wake();
    if (loop.type === 'running') await loop.done;
    if (this.#status.type !== 'failed') this.#setStatus({ type: 'stopped' });
  }

  async #run(): Promise<void> {
    let backoff: BackoffState = BACKOFF_RESET;
    while (!this.#stopping) {
      this.#setStatus({ type: 'connecting', attempt: backoff.attempt });
      let reason: ClientError;
      try {
        const session = await this.#connect();
        this.#progressed = false;
        this.#session = session;
        this.#setStatus({ type: 'open', serverVersion: session.welcome.serverVersion });
        try {
          this.#options.onOpen(session);
        } catch (error) {
          session.close(
            new ClientError('CONNECTION_CLOSED', 'starting the session failed', { cause: error }),
          );
        }
        reason = await session.closed;
        this.#session = null;
        if (this.#madeProgress()) backoff = BACKOFF_RESET;
      } catch (error) {
        if (isClientError(error, 'SERVER_KEY_CHANGED')) {
          this.#setStatus({ type: 'failed', error });
          return;
        }
        reason = isClientError(error)
          ? error
          : new ClientError('CONNECTION_CLOSED', 'the connection failed', { cause: error });
      }
      if (this.#isStopping()) return;
      const next = nextBackoff(
        backoff,
        () => this.#options.random.unit(),
        this.#options.backoff ?? DEFAULT_BACKOFF,
      );
      backoff = next.state;
      this.#setStatus({
        type: 'waiting',
        attempt: backoff.attempt,
        retryInMs: next.delayMs,
        reason: reason.message,
      });
      await this.#wait(next.delayMs);
    }
  }

  /** Read through a method: the flag changes while the loop awaits, which narrowing cannot see. */
  #isStopping(): boolean {
    return this.#stopping;
  }

  /** Read through a method for the same reason as #isStopping. */
  #madeProgress(): boolean {
    return this.#progressed;
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#sleep?.timer.cancel();
        this.#sleep = null;
        resolve();
      };
      this.#sleep = { timer: this.#options.clock.setTimer(ms, wake), wake };
    });
  }

  async #connect(): Promise<Session> {
    const options = this.#options;
    const closed = deferred<ClientError>();
    let session: Session | null = null;
    let rpc: Rpc | null = null;
    const channel = await openChannel(
      {
        transport: options.transport,
        clock: options.clock,
        url: relayUrl(options.origin),
        identity: options.identity,
        handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
        verifyServerKey: (key) => this.#verifyServerKey(key),
      },
      {
        frame: (frame) => rpc?.handle(frame),
        closed: (error) => {
          rpc?.close(error);
          closed.resolve(error);
        },
      },
    );
    let sessionError: ClientError | null = null;
    rpc = new Rpc(channel, {
      events: (frame) => {
        if (session !== null) options.onPush(session, frame);
      },
      error: (code, message) => {
        sessionError = new ClientError(
          'CONNECTION_CLOSED',
          `the server ended the session: ${message} (${code})`,
        );
      },
    });
    const activeRpc = rpc;
    const close = (error: ClientError): void => {
      channel.close(sessionError ?? error);
    };
    if (this.#stopping) close(new ClientError('STOPPED', 'the client was stopped'));
    let welcome: WelcomeFrame;
    try {
      welcome = await activeRpc.request({
        type: 'hello',
        clientVersion: options.clientVersion,
        deviceName: options.deviceName,
      });
    } catch (error) {
      close(new ClientError('CONNECTION_CLOSED', 'hello failed'));
      throw error instanceof ProtocolError
        ? new ClientError('CONNECTION_CLOSED', `the server refused the session: ${error.message}`, {
            cause: error,
          })
        : error;
    }
    let ended = false;
    const done = closed.promise.then((error) => {
      ended = true;
      return sessionError ?? error;
    });
    session = {
      rpc: activeRpc,
      welcome,
      closed: done,
      isClosed: () => ended,
      close,
    };
    this.#keepAlive(session);
    return session;
  }

  /** Pings every interval; a ping without pong in time closes the session. */
  #keepAlive(session: Session): void {
    const { clock } = this.#options;
    const interval = this.#options.pingIntervalMs ?? PING_INTERVAL_MS;
    const timeout = this.#options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    let nonce = 0;
    let timer: Timer | null = null;
    const schedule = (): void => {
      timer = clock.setTimer(interval, () => {
        if (session.isClosed()) return;
        const deadline = clock.setTimer(timeout, () => {
          session.close(new ClientError('CONNECTION_TIMEOUT', 'the server stopped answering pings'));
        });
        nonce = (nonce + 1) >>> 0;
        session.rpc.request({ type: 'ping', nonce }).then(
          () => {
            deadline.cancel();
            schedule();
          },
          () => {
            deadline.cancel();
          },
        );
      });
    };
    schedule();
    void session.closed.then(() => timer?.cancel());
  }

  async #verifyServerKey(key: Uint8Array): Promise<void> {
    const { keyStore, origin } = this.#options;
    const pinned = await keyStore.pinnedServerKey(origin);
    if (pinned === null) {
      await keyStore.pinServerKey(origin, key);
      return;
    }
    if (!sameBytes(pinned, key)) {
      throw new ClientError(
        'SERVER_KEY_CHANGED',
        `The server at ${origin} presented a different identity key than on first contact ` +
          `(pinned ${toHex(pinned).slice(0, 16)}…, now ${toHex(key).slice(0, 16)}…). ` +
          'Someone may be impersonating it; if its operator reinstalled it, remove the pin and connect again.',
      );
    }
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.#options.onStatus(status);
  }
}

/** The relay's WebSocket URL for a server origin: `http(s)://host` → `ws(s)://host/ws`. */
export function relayUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}/ws`;
}

/** The canonical origin of a server URL (scheme, host, port), used to key pins and cursors. */
export function serverOrigin(server: string): string {
  const match = /^(https?|wss?):\/\/([^/?#\s]+)(?:[/?#]\S*)?$/i.exec(server.trim());
  const scheme = match?.[1]?.toLowerCase();
  const host = match?.[2]?.toLowerCase();
  if (scheme === undefined || host === undefined) {
    throw new TypeError(`server must be an http(s) URL like http://127.0.0.1:8080, got "${server}"`);
  }
  return `${scheme === 'ws' || scheme === 'http' ? 'http' : 'https'}://${host}`;
}
