import { Worker } from 'node:worker_threads';

/** How often the background thread folds the WAL back into the database file. */
const CHECKPOINT_INTERVAL_MS = 250;

// Runs in a worker thread with its own connection. PASSIVE checkpoints never block the writer, so
// the event loop that sends ACKs never waits for WAL pages to be copied into the database file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error)); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/** A background WAL checkpointer for one SQLite file; the main connection disables its own. */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  #stopped: Promise<void> | null = null;

  constructor(file: string, driverPath: string, onError: (message: string) => void) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JavaScript: do not inherit loader flags (e.g. tsx's `--import`) meant for the main thread.
      execArgv: [],
      workerData: { file, driver: driverPath, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.#worker.on('message', onError);
    this.#worker.on('error', (error) => {
      onError(String(error));
    });
    this.#worker.unref();
  }

  /** Stops the thread and waits for it to close its connection; idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise((resolve) => {
      // Keep the process alive until the thread has closed its connection.
      this.#worker.ref();
      this.#worker.once('exit', () => {
        resolve();
      });
      this.#worker.postMessage('stop');
    });
    return this.#stopped;
  }
}
