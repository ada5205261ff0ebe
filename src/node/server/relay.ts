import path from 'node:path';
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { initNoise } from '../../shared/crypto/noise';
import { MAX_TRANSPORT_MESSAGE_BYTES, ProtocolError } from '../../shared/protocol';
import type { ServerConfig } from './config';
import { LocalFanout, type Fanout } from './fanout';
import { RedisFanout } from './fanout-redis';
import { createMetrics, type Metrics } from './metrics';
import { loadOrCreateServerKey } from './server-key';
import { DeviceRates } from './rates';
import { Session, type SessionContext } from './session';
import { openPostgresStore } from './store/postgres';
import { openSqliteStore } from './store/sqlite';
import type { Store } from './store/store';
import { VERSION } from './version';

/** How often handshake deadlines and idle timeouts are checked. */
const SWEEP_INTERVAL_MS = 1_000;
/** How often abandoned uploads are deleted. */
const EXPIRY_INTERVAL_MS = 10 * 60 * 1000;
/** File name of the SQLite database under the data directory. */
export const SQLITE_FILE = 'sotto.db';

/** PostgreSQL when `DATABASE_URL` is set (several server processes), else SQLite in the data directory. */
async function openStore(config: ServerConfig, log: FastifyBaseLogger): Promise<Store> {
  if (config.databaseUrl !== null) {
    return openPostgresStore({ url: config.databaseUrl, schema: config.databaseSchema });
  }
  return openSqliteStore({
    file: path.join(config.dataDir, SQLITE_FILE),
    onCheckpointError: (message) => {
      log.error({ message }, 'WAL checkpoint failed');
    },
  });
}

/** What the relay adds to the app, for tests and the metrics endpoint. */
export interface Relay {
  readonly store: Store;
  readonly fanout: Fanout;
  readonly metrics: Metrics;
  /** The server's static public key (clients pin it). */
  readonly publicKey: Uint8Array;
  /** Open sessions. */
  readonly sessions: ReadonlySet<Session>;
}

/**
 * Registers the WebSocket relay (`/ws`) and `/metrics` on the app: Noise sessions, the store,
 * the fanout, limits, heartbeats and upload expiry.
 */
export async function registerRelay(app: FastifyInstance, config: ServerConfig): Promise<Relay> {
  await initNoise();
  const serverKey = loadOrCreateServerKey(config.dataDir);
  const store = await openStore(config, app.log);
  let fanout: Fanout;
  try {
    fanout =
      config.redisUrl === null
        ? new LocalFanout()
        : await RedisFanout.connect(config.redisUrl, {
            onError: (message) => {
              app.log.error({ message }, 'Redis fanout error');
            },
          });
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = createMetrics();
  const sessions = new Set<Session>();
  const connectionsPerIp = new Map<string, number>();
  const ctx: SessionContext = {
    store,
    fanout,
    metrics,
    limits: config.limits,
    serverKey,
    serverVersion: VERSION,
    log: app.log,
    rates: new DeviceRates(config.limits),
    now: Date.now,
  };

  await app.register(websocket, {
    options: { maxPayload: MAX_TRANSPORT_MESSAGE_BYTES, perMessageDeflate: false },
  });

  app.get('/ws', { websocket: true }, (socket, request) => {
    const ip = request.ip;
    const open = connectionsPerIp.get(ip) ?? 0;
    if (open >= config.limits.maxConnectionsPerIp) {
      const error = new ProtocolError('TOO_MANY_CONNECTIONS', 'too many connections from this address');
      metrics.protocolErrors.inc({ code: error.code });
      socket.close(error.closeCode, error.code);
      return;
    }
    connectionsPerIp.set(ip, open + 1);
    metrics.connections.inc();
    const session = new Session(
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- @fastify/websocket hands us ws's own WebSocket.
      socket,
      ctx,
      (closed) => {
        sessions.delete(closed);
        metrics.connections.dec();
        const left = (connectionsPerIp.get(ip) ?? 1) - 1;
        if (left === 0) connectionsPerIp.delete(ip);
        else connectionsPerIp.set(ip, left);
      },
      request.raw.socket,
    );
    sessions.add(session);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const session of sessions) session.sweep(now);
  }, SWEEP_INTERVAL_MS);
  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, config.limits.heartbeatIntervalMs);
  const expire = async () => {
    const removed = await store.expireUploads(
      (Date.now() - config.limits.uploadTtlMs) as Parameters<Store['expireUploads']>[0],
    );
    if (removed > 0) app.log.info({ removed }, 'expired abandoned uploads');
  };
  const expiry = setInterval(() => {
    expire().catch((error: unknown) => {
      app.log.error({ err: error }, 'upload expiry failed');
    });
  }, EXPIRY_INTERVAL_MS);
  for (const timer of [sweep, heartbeat, expiry]) timer.unref();

  app.addHook('preClose', (done) => {
    clearInterval(sweep);
    clearInterval(heartbeat);
    clearInterval(expiry);
    for (const session of sessions) {
      session.fail(new ProtocolError('SHUTTING_DOWN', 'the server is restarting'));
    }
    done();
  });
  app.addHook('onClose', async () => {
    await fanout.close();
    await store.close();
  });

  await expire();
  return { store, fanout, metrics, publicKey: serverKey.publicKey, sessions };
}
