// `sotto listen --out <dir>`: receives messages and writes each as `<id>.opus` (the decrypted
// stream, byte for byte what the sender encoded) plus `<id>.json` (sender, duration, waveform).
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../client/engine';
import type { InboxMessage } from '../../client/ports';
import { toHex } from '../../shared/protocol';
import {
  CONNECT_TIMEOUT_MS,
  connectionFailure,
  delay,
  nameOf,
  seconds,
  withEngine,
  type GlobalOptions,
  type Output,
} from './context';

/** Options of `listen`. */
export interface ListenOptions {
  /** Directory for the files. */
  readonly out: string;
  /** Exit after writing this many messages (null: run until interrupted). */
  readonly count: number | null;
  /** Resolves when the user interrupts (Ctrl-C). */
  readonly interrupted: Promise<void>;
}

/** The sidecar written next to each message. */
export interface Sidecar {
  readonly id: string;
  readonly from: { readonly name: string; readonly key: string };
  readonly request: boolean;
  readonly conversation: string;
  readonly durationMs: number;
  readonly sampleRate: number;
  readonly waveform: readonly number[];
  readonly sentAt: string;
  readonly committedAt: string;
  readonly receivedAt: string;
}

function writeAtomically(file: string, data: Uint8Array | string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

/** Writes a message's files unless they exist; returns the .opus path, or null if it was already there. */
async function exportMessage(engine: Engine, dir: string, message: InboxMessage): Promise<string | null> {
  const id = toHex(message.messageId);
  const audioFile = path.join(dir, `${id}.opus`);
  const sidecarFile = path.join(dir, `${id}.json`);
  if (existsSync(audioFile) && existsSync(sidecarFile)) return null;
  const contacts = await engine.contacts();
  const sidecar: Sidecar = {
    id,
    from: { name: nameOf(contacts, message.sender), key: toHex(message.sender) },
    request: message.request,
    conversation: toHex(message.conversationId),
    durationMs: message.metadata.durationMs,
    sampleRate: message.metadata.sampleRate,
    waveform: message.metadata.waveform,
    sentAt: new Date(message.metadata.sentAtMs).toISOString(),
    committedAt: new Date(message.committedAtMs).toISOString(),
    receivedAt: new Date(message.receivedAtMs).toISOString(),
  };
  // The audio first: a sidecar always has its audio next to it.
  writeAtomically(audioFile, message.audio);
  writeAtomically(sidecarFile, `${JSON.stringify(sidecar, null, 2)}\n`);
  return audioFile;
}

/** Listens until interrupted or `count` messages are written; resolves with the exit code. */
export async function listen(options: ListenOptions, global: GlobalOptions, output: Output): Promise<number> {
  mkdirSync(options.out, { recursive: true });
  return withEngine(global, async (engine) => {
    let written = 0;
    let done = (): void => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let queue: Promise<void> = Promise.resolve();
    const write = (message: InboxMessage): void => {
      queue = queue.then(async () => {
        if (options.count !== null && written >= options.count) return;
        const file = await exportMessage(engine, options.out, message);
        if (file === null) return;
        written++;
        const contacts = await engine.contacts();
        const from = nameOf(contacts, message.sender);
        const tag = message.request ? ' [message request]' : '';
        output.out(
          `received ${toHex(message.messageId)} from ${from}${tag} (${seconds(message.metadata.durationMs)}) -> ${file}`,
        );
        if (options.count !== null && written >= options.count) done();
      });
    };
    const stops = [
      engine.on('message', write),
      engine.on('rejected', (rejection) => {
        output.err(`Refused message ${toHex(rejection.messageId)}: ${rejection.reason} (${rejection.code})`);
      }),
      engine.on('connection', (status) => {
        if (status.type === 'waiting') {
          output.err(`Not connected (${status.reason}); retrying in ${seconds(status.retryInMs)}`);
        }
      }),
    ];
    const failure = connectionFailure(engine);
    try {
      // Messages received earlier (e.g. by `sotto status`) but not yet written here come first.
      for (const message of await engine.inbox()) write(message);
      engine.start();
      if (options.count === null) {
        output.err(`Listening; writing messages to ${options.out} (Ctrl-C to stop)`);
      }
      await Promise.race([finished, options.interrupted, failure.promise]);
      await queue;
      // Let the delivered receipts reach the server before leaving.
      await Promise.race([
        engine.idle(),
        options.interrupted,
        delay(CONNECT_TIMEOUT_MS, undefined),
        failure.promise,
      ]);
      return 0;
    } finally {
      failure.stop();
      for (const stop of stops) stop();
    }
  });
}
