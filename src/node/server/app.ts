import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerConfig } from './config';
import { registerRelay, type Relay } from './relay';
import { VERSION } from './version';

/** Cache policy for hashed build output (`/assets/name-[hash].js`): it never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cache policy for entry points that name the hashed files (index.html, the service worker). */
const REVALIDATE = 'no-cache';

/** The HTTP app and the relay behind `/ws`. */
export interface SottoApp {
  readonly app: FastifyInstance;
  readonly relay: Relay;
}

/**
 * Builds the server: static PWA, health check, metrics, the WebSocket relay, and the
 * cross-origin isolation headers every response needs for SharedArrayBuffer.
 */
export async function buildApp(config: ServerConfig): Promise<SottoApp> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // Behind a proxy, set this so per-IP limits see the client's address.
    trustProxy: process.env.SOTTO_TRUST_PROXY === '1',
  });
  const startedAt = Date.now();

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('X-Content-Type-Options', 'nosniff');
    done(null, payload);
  });

  app.get('/healthz', () => ({
    status: 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  if (existsSync(path.join(config.staticDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: config.staticDir,
      cacheControl: false,
      setHeaders(res, filePath) {
        const relative = path.relative(config.staticDir, filePath);
        res.setHeader('Cache-Control', relative.startsWith('assets' + path.sep) ? IMMUTABLE : REVALIDATE);
      },
    });
  } else {
    app.log.warn({ staticDir: config.staticDir }, 'no client build found; run `npm run build`');
  }

  const relay = await registerRelay(app, config);
  return { app, relay };
}
