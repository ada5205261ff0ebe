import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'src', 'node', 'server', 'main.ts');
/** How long a server may take to print its URL. */
const START_TIMEOUT_MS = 20_000;

/** A server process started for one test file. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL (no graceful shutdown) and wait for exit; the data directory is kept. */
  kill(): Promise<void>;
  /** Stops the process and deletes the data directory. */
  dispose(): Promise<void>;
}

/** Options for `startServer`. */
export interface StartServerOptions {
  /** Reuse a data directory (e.g. after `kill()`); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Port to bind; 0 (a free one) by default. */
  port?: number;
  env?: Record<string, string>;
  /** Extra flags for node (e.g. `--inspect=127.0.0.1:0` for heap measurements). */
  nodeArgs?: string[];
  /** Script to run instead of the server's main module. */
  script?: string;
}

/** Starts `src/node/server/main.ts` as a child process on a free port with its own data directory. */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'sotto-test-'));
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', options.script ?? MAIN],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(options.port ?? 0),
        HOST: '127.0.0.1',
        SOTTO_DATA: dataDir,
        SOTTO_STATIC: path.join(ROOT, 'dist'),
        LOG_LEVEL: process.env.SOTTO_TEST_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /Sotto listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${String(code)}, signal ${String(signal)}):\n${output}`));
    });
  });

  const terminate = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    process: child,
    output: () => output,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async dispose() {
      await terminate('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
