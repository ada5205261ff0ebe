import { mkdirSync } from 'node:fs';
import { buildApp } from './app';
import { configFromEnv } from './config';

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

const config = configFromEnv();
mkdirSync(config.dataDir, { recursive: true });
const { app } = await buildApp(config);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}

await app.listen({ port: config.port, host: config.host });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : config.port;
const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
// The one plain line on stdout: people read it, and test helpers parse it.
process.stdout.write(`Sotto listening on http://${shownHost}:${port}/\n`);
