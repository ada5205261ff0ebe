import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import {
  NoiseError,
  createHandshake,
  type HandshakeState,
  type KeyPair,
  type TransportCiphers,
} from '../../shared/crypto/noise';
import {
  CURSOR_START,
  MAX_EVENTS_PER_BATCH,
  MAX_MEMBERS,
  MAX_METADATA_BYTES,
  PUSH_REQUEST_ID,
  ProtocolError,
  asMillis,
  asDeviceKey,
  decodeClientFrame,
  encodeFrame,
  toHex,
  type ClientFrame,
  type Cursor,
  type DeviceKey,
  type ServerFrame,
} from '../../shared/protocol';
import { NOISE_PROLOGUE } from '../../shared/protocol/handshake';
import type { Fanout } from './fanout';
import { acknowledgeChunk, handleRequest, storeChunk } from './handlers';
import type { ServerLimitsConfig } from './limits';
import type { Metrics } from './metrics';
import type { DeviceRate, DeviceRates } from './rates';
import type { Store } from './store/store';

/** Above this many unsent bytes a sender waits for the socket to drain (fetch streams, pushes). */
const SEND_HIGH_WATER_BYTES = 1024 * 1024;
/** Inbound frames queued for processing before the socket stops reading (TCP pushes back). */
const RECEIVE_PAUSE_AT = 64;
/** …and resumes reading when the queue is down to this. */
const RECEIVE_RESUME_AT = 16;

const EMPTY = new Uint8Array(0);
const noop = () => undefined;

/** What every session shares: the store, the fanout, limits and instruments. */
export interface SessionContext {
  readonly store: Store;
  readonly fanout: Fanout;
  readonly metrics: Metrics;
  readonly limits: ServerLimitsConfig;
  readonly serverKey: KeyPair;
  readonly serverVersion: string;
  readonly log: FastifyBaseLogger;
  /** Per-device token buckets, shared by all sessions of a device. */
  readonly rates: DeviceRates;
  /** Milliseconds since the epoch. */
  now(): number;
}

type Phase =
  | { readonly type: 'handshake'; readonly hs: HandshakeState; readonly deadline: number }
  | {
      readonly type: 'hello';
      readonly device: DeviceKey;
      readonly ciphers: TransportCiphers;
      readonly rate: DeviceRate;
    }
  | {
      readonly type: 'open';
      readonly device: DeviceKey;
      readonly ciphers: TransportCiphers;
      readonly rate: DeviceRate;
      readonly unsubscribe: () => void;
    }
  | { readonly type: 'closed' };

/**
 * One WebSocket connection: Noise XX handshake (server = responder), then one Noise transport
 * message per WebSocket message, each holding one frame. Frames are answered strictly in order
 * (see `arrive`).
 */
export class Session {
  private phase: Phase;
  /** Settles when every queued job has finished. */
  private queue: Promise<void> = Promise.resolve();
  /** Settles when the next chunk may start its store write (see `arrive`). */
  private startGate: Promise<void> = Promise.resolve();
  private queued = 0;
  private lastFrameAt: number;
  /** Pings answered since the last heartbeat. */
  alive = true;
  /** Highest cursor this session has delivered; null until the client's first `sync`. */
  private deliveredCursor: Cursor | null = null;
  private pushPending = false;
  /** The TCP socket is corked until the end of this turn of the event loop. */
  private corked = false;
  /** A fatal error is queued: later messages are not read. */
  private ending = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
    private readonly onClosed: (session: Session) => void,
    /** The socket under `ws`, to coalesce writes (absent for injected test connections). */
    private readonly tcp?: Socket,
  ) {
    const now = ctx.now();
    this.lastFrameAt = now;
    this.phase = {
      type: 'handshake',
      hs: createHandshake({
        pattern: 'XX',
        initiator: false,
        prologue: NOISE_PROLOGUE,
        staticKeyPair: ctx.serverKey,
      }),
      deadline: now + ctx.limits.handshakeTimeoutMs,
    };
    ws.on('message', (data, isBinary) => {
      this.arrive(toBytes(data), isBinary);
    });
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => {
      this.teardown();
    });
    ws.on('error', (error) => {
      ctx.log.debug({ err: error }, 'socket error');
    });
  }

  /** The authenticated device, once the handshake is done. */
  get device(): DeviceKey | null {
    return this.phase.type === 'hello' || this.phase.type === 'open' ? this.phase.device : null;
  }

  /** Called by the server's sweep: enforces the handshake deadline and the idle timeout. */
  sweep(now: number): void {
    if (this.phase.type === 'handshake' && now > this.phase.deadline) {
      this.fail(new ProtocolError('HANDSHAKE_TIMEOUT', 'handshake not finished in time'));
    } else if (this.phase.type !== 'closed' && now - this.lastFrameAt > this.ctx.limits.idleTimeoutMs) {
      this.fail(new ProtocolError('IDLE_TIMEOUT', 'no frame received for too long'));
    }
  }

  /** Sends a WebSocket ping; terminates the peer if the previous one went unanswered. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Ends the session with an error frame (when one can be sent) and the matching close code. */
  fail(error: ProtocolError): void {
    if (this.phase.type === 'closed') return;
    this.ctx.metrics.protocolErrors.inc({ code: error.code });
    this.ctx.log.info(
      { device: this.deviceHex(), code: error.code, reason: error.message },
      'closing session',
    );
    if (this.phase.type !== 'handshake') {
      this.trySend({
        type: 'error',
        requestId: PUSH_REQUEST_ID,
        code: error.code,
        message: error.message,
        fatal: true,
      });
    } else {
      this.ctx.metrics.handshakes.inc({ outcome: error.code === 'HANDSHAKE_TIMEOUT' ? 'timeout' : 'failed' });
    }
    this.ws.close(error.closeCode, error.code);
    this.teardown();
  }

  /** Sends a reply or push frame; above the high-water mark, resolves once the frame is written. */
  async send(frame: ServerFrame): Promise<void> {
    if (this.ws.bufferedAmount <= SEND_HIGH_WATER_BYTES) {
      this.trySend(frame);
      return;
    }
    // The send callback fires once this frame, and so everything queued before it, is written
    // (or the socket closed). Every message must be a Noise message, so there is no empty probe.
    await new Promise<void>((resolve) => {
      const sent = this.trySend(frame, () => {
        resolve();
      });
      if (!sent) resolve();
    });
  }

  /** Sends an error reply to one request; a fatal one also ends the session. */
  async reject(requestId: ClientFrame['requestId'], error: ProtocolError): Promise<void> {
    if (error.fatal) {
      this.fail(error);
      return;
    }
    this.ctx.metrics.protocolErrors.inc({ code: error.code });
    await this.send({ type: 'error', requestId, code: error.code, message: error.message, fatal: false });
  }

  /** Starts delivering pushes after the client has synced up to `cursor`. */
  markDelivered(cursor: Cursor): void {
    if (this.deliveredCursor === null || cursor > this.deliveredCursor) this.deliveredCursor = cursor;
  }

  private deviceHex(): string | undefined {
    const device = this.device;
    return device === null ? undefined : toHex(device);
  }

  /**
   * Takes one WebSocket message as it arrives: the handshake, decryption, decoding and the rate limit
   * happen here, in arrival order; replies go out in the same order. A chunk starts its store write
   * as soon as the frames before it have started theirs, without waiting for their commits: the
   * store applies writes in call order, so a busy upload fills one group commit with many chunks
   * and only the ACK waits its turn. Any other request waits until everything before it is
   * answered, and nothing after it starts before it is.
   */
  private arrive(data: Uint8Array, isBinary: boolean): void {
    const phase = this.phase;
    if (phase.type === 'closed' || this.ending) return;
    this.lastFrameAt = this.ctx.now();
    if (!isBinary) {
      this.failInTurn(new ProtocolError('NOT_BINARY', 'text messages are not part of the protocol'));
      return;
    }
    if (phase.type === 'handshake') {
      this.handshake(phase, data);
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(phase.ciphers.receive.decrypt(data));
    } catch (error) {
      this.failInTurn(error);
      return;
    }
    const { metrics } = this.ctx;
    metrics.framesIn.inc({ type: frame.type });
    metrics.bytesIn.inc({ type: frame.type }, data.length);
    if (!phase.rate.allow(data.length, this.ctx.now())) {
      const { requestId } = frame;
      this.inTurn(() =>
        this.reject(requestId, new ProtocolError('RATE_LIMITED', 'too many frames or bytes; slow down')),
      );
      return;
    }
    if (frame.type === 'chunk') {
      // Started in order once the frames before it have started; answered in order.
      const decodedAt = performance.now();
      const chunk = this.startGate.then(() => {
        const current = this.phase;
        return current.type === 'open' ? storeChunk(this.ctx, current.device, frame, decodedAt) : null;
      });
      this.startGate = chunk.then(noop, noop);
      this.inTurn(async () => {
        const started = await chunk;
        await (started === null
          ? this.request(frame)
          : this.answer(frame, () => acknowledgeChunk(this, this.ctx, started)));
      });
      return;
    }
    // Any other request runs alone: after every frame before it, and before any after it starts.
    this.inTurn(() => this.request(frame));
    this.startGate = this.queue;
  }

  /** Queues `job` behind everything before it; a fault in it ends the session as INTERNAL. */
  private inTurn(job: () => Promise<void> | void): void {
    this.schedule(job, (error) => {
      this.ctx.log.error({ err: error, device: this.deviceHex() }, 'session fault');
      this.fail(new ProtocolError('INTERNAL', 'internal server error'));
    });
  }

  /** Ends the session once earlier frames are answered, and reads nothing more meanwhile. */
  private failInTurn(error: unknown): void {
    this.ending = true;
    this.inTurn(() => {
      this.fail(asProtocolError(error));
    });
  }

  /** Runs `job` after every job before it; stops reading the socket while too many are waiting. */
  private schedule(job: () => Promise<void> | void, onError: (error: unknown) => void): void {
    this.queued++;
    if (this.queued >= RECEIVE_PAUSE_AT && !this.ws.isPaused) this.ws.pause();
    this.queue = this.queue
      .then(job)
      .catch(onError)
      .finally(() => {
        this.queued--;
        if (this.queued <= RECEIVE_RESUME_AT && this.ws.isPaused) this.ws.resume();
      });
  }

  private async request(frame: ClientFrame): Promise<void> {
    const phase = this.phase;
    if (phase.type === 'hello') {
      await this.hello(phase, frame);
      return;
    }
    if (phase.type !== 'open') return;
    if (frame.type === 'hello') {
      this.fail(new ProtocolError('OUT_OF_ORDER', 'hello was already received'));
      return;
    }
    await this.answer(frame, () => handleRequest(this, this.ctx, phase.device, frame));
  }

  /** Runs a request's handler; a refusal it throws becomes that request's error reply. */
  private async answer(frame: ClientFrame, handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      await this.reject(frame.requestId, error);
    }
  }

  private handshake(phase: Extract<Phase, { type: 'handshake' }>, data: Uint8Array): void {
    try {
      // Handshake payloads are empty in this protocol; anything else is not a Sotto client.
      if (phase.hs.readMessage(data).length !== 0) {
        throw new ProtocolError('HANDSHAKE_FAILED', 'handshake payloads must be empty');
      }
      if (!phase.hs.isComplete) {
        this.ws.send(phase.hs.writeMessage(EMPTY));
        return;
      }
      const remote = phase.hs.remoteStaticPublicKey;
      if (remote === null) {
        throw new NoiseError('NOISE_OUT_OF_ORDER', 'handshake finished without a remote key');
      }
      const device = asDeviceKey(remote);
      const rate = this.ctx.rates.retain(device, this.ctx.now());
      this.phase = { type: 'hello', device, ciphers: phase.hs.split(), rate };
      this.ctx.metrics.handshakes.inc({ outcome: 'ok' });
    } catch (error) {
      this.fail(
        error instanceof ProtocolError
          ? error
          : new ProtocolError('HANDSHAKE_FAILED', 'the Noise handshake failed'),
      );
    }
  }

  private async hello(phase: Extract<Phase, { type: 'hello' }>, frame: ClientFrame): Promise<void> {
    if (frame.type !== 'hello') {
      this.fail(new ProtocolError('OUT_OF_ORDER', `expected hello, got ${frame.type}`));
      return;
    }
    const { store, fanout, limits } = this.ctx;
    await store.touchDevice(phase.device, frame.deviceName, asMillis(this.ctx.now()));
    const unsubscribe = fanout.subscribe(phase.device, (cursor) => {
      this.wake(cursor);
    });
    this.phase = { ...phase, type: 'open', unsubscribe };
    // Welcome only once wake-ups reach this session, so nothing appended after the client's first
    // sync can go unannounced.
    await fanout.subscribed();
    await this.send({
      type: 'welcome',
      requestId: frame.requestId,
      serverVersion: this.ctx.serverVersion,
      deviceKey: phase.device,
      serverTimeMs: asMillis(this.ctx.now()),
      limits: {
        maxChunkBytes: limits.maxChunkBytes,
        maxChunksPerMessage: limits.maxChunksPerMessage,
        maxMetadataBytes: MAX_METADATA_BYTES,
        maxMembers: MAX_MEMBERS,
        maxEventsPerBatch: MAX_EVENTS_PER_BATCH,
        maxInFlightUploads: limits.maxInFlightUploads,
      },
    });
  }

  /** A wake-up hint from the fanout: push what this device has not been sent yet. */
  private wake(cursor: Cursor): void {
    if (this.deliveredCursor === null || cursor <= this.deliveredCursor || this.pushPending) return;
    this.pushPending = true;
    const woken = performance.now();
    this.schedule(
      () => this.push(woken),
      (error) => {
        this.ctx.log.error({ err: error, device: this.deviceHex() }, 'push failed');
      },
    );
  }

  private async push(woken: number): Promise<void> {
    this.pushPending = false;
    const phase = this.phase;
    if (phase.type !== 'open') return;
    let after = this.deliveredCursor ?? CURSOR_START;
    for (;;) {
      const { events, hasMore } = await this.ctx.store.eventsAfter(phase.device, after, MAX_EVENTS_PER_BATCH);
      const last = events.at(-1);
      if (last === undefined) return;
      await this.send({ type: 'events', requestId: PUSH_REQUEST_ID, events, hasMore });
      after = last.cursor;
      this.markDelivered(after);
      if (!hasMore) break;
    }
    this.ctx.metrics.fanoutLatency.observe((performance.now() - woken) / 1000);
  }

  private trySend(frame: ServerFrame, written?: () => void): boolean {
    const phase = this.phase;
    if (phase.type !== 'hello' && phase.type !== 'open') return false;
    if (this.ws.readyState !== this.ws.OPEN) return false;
    const bytes = phase.ciphers.send.encrypt(encodeFrame(frame));
    this.coalesceWrites();
    this.ws.send(bytes, written);
    this.ctx.metrics.framesOut.inc({ type: frame.type });
    this.ctx.metrics.bytesOut.inc({ type: frame.type }, bytes.length);
    return true;
  }

  /**
   * While more replies are queued behind this one, lets the frames sent in this turn of the event
   * loop (say, the ACKs of one group commit) leave in one TCP write: the socket is corked at the
   * first and uncorked once the turn's promise callbacks have run, so no frame waits longer.
   */
  private coalesceWrites(): void {
    const tcp = this.tcp;
    if (tcp === undefined || this.corked || this.queued <= 1) return;
    this.corked = true;
    tcp.cork();
    process.nextTick(() => {
      this.corked = false;
      tcp.uncork();
    });
  }

  private teardown(): void {
    const phase = this.phase;
    if (phase.type === 'closed') return;
    this.phase = { type: 'closed' };
    if (phase.type === 'open') phase.unsubscribe();
    if (phase.type === 'open' || phase.type === 'hello') this.ctx.rates.release(phase.device);
    this.onClosed(this);
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A decoding failure as the error the client is told; anything else is rethrown as a fault. */
function asProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof NoiseError) {
    return new ProtocolError('DECRYPT_FAILED', 'a transport message did not decrypt');
  }
  throw error;
}
