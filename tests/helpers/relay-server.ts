import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type SottoApp } from '../../src/node/server/app';
import { configFromEnv } from '../../src/node/server/config';

/** An in-process server on a free port with its own data directory. */
export interface InProcessServer extends SottoApp {
  readonly url: string;
  readonly dataDir: string;
  /** Closes the server and deletes the data directory. */
  dispose(): Promise<void>;
}

/** Starts the full server (relay included) in this process; `env` overrides limits and the like. */
export async function startInProcess(env: Record<string, string> = {}): Promise<InProcessServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sotto-relay-'));
  const config = configFromEnv({ SOTTO_DATA: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...env });
  const sotto = await buildApp(config);
  const url = await sotto.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...sotto,
    url,
    dataDir,
    async dispose() {
      await sotto.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
