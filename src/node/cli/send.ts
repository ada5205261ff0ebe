// `sotto send --to <contact> <file>`: encode (WAV) or split (.opus), seal, store and upload while
// encoding, then wait for the commit. Survives server restarts: the outbox is on disk.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../client/engine';
import { toHex } from '../../shared/protocol';
import { isPending, isSent, type OutboxState } from '../../shared/sync';
import { chunkOggOpus, encodeAudio, type EncodedSummary } from '../audio/encode-file';
import { decodeWav } from '../audio/wav';
import {
  connectionFailure,
  findRecipient,
  seconds,
  withEngine,
  type GlobalOptions,
  type Output,
} from './context';
import { CliError } from './errors';

/** Options of `send`. */
export interface SendOptions {
  /** Contact name or key prefix. */
  readonly to: string;
  /** The .wav or .opus file. */
  readonly file: string;
  /** Also write the encoded Ogg Opus stream here. */
  readonly save?: string;
  /** Print a line per acknowledged chunk. */
  readonly progress: boolean;
}

type Kind = 'wav' | 'opus';

function kindOf(file: string, bytes: Uint8Array): Kind {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic === 'RIFF') return 'wav';
  if (magic === 'OggS') return 'opus';
  const extension = path.extname(file).toLowerCase();
  throw new CliError(
    'UNSUPPORTED_FILE',
    `${file} is neither a WAV nor an Ogg Opus file${extension === '' ? '' : ` (despite "${extension}")`}.`,
  );
}

/** Sends a file; resolves with the exit code. */
export async function send(options: SendOptions, global: GlobalOptions, output: Output): Promise<number> {
  const bytes = new Uint8Array(readFileSync(options.file));
  const kind = kindOf(options.file, bytes);
  return withEngine(global, async (engine) => {
    const contact = await findRecipient(engine, options.to);
    engine.start();
    const stopWatching = watch(engine, output, options.progress);
    try {
      const draft = await engine.startMessage(contact.conversationId);
      const id = toHex(draft.messageId);
      output.err(`Sending ${path.basename(options.file)} to ${contact.name} (message ${id})`);
      const plaintexts: Uint8Array[] = [];
      const held: { last: Uint8Array | null } = { last: null };
      const sink = async (plaintext: Uint8Array, final: boolean): Promise<void> => {
        if (options.save !== undefined) plaintexts.push(plaintext);
        if (final) held.last = plaintext;
        else await draft.append(plaintext);
      };
      let summary: EncodedSummary;
      try {
        summary =
          kind === 'wav' ? await encodeAudio(decodeWav(bytes), sink) : await chunkOggOpus(bytes, sink);
      } catch (error) {
        draft.close();
        await engine.discard(draft.messageId);
        throw error;
      }
      const last = held.last;
      if (last === null) throw new CliError('EMPTY_AUDIO', `${options.file} holds no audio.`);
      const state = await draft.finish(last, summary);
      if (options.save !== undefined) {
        const temporary = `${options.save}.tmp`;
        writeFileSync(temporary, Buffer.concat(plaintexts));
        renameSync(temporary, options.save);
      }
      output.err(
        `Encoded ${seconds(summary.durationMs)} into ${'chunkCount' in state ? state.chunkCount : '?'} chunks`,
      );
      const failure = connectionFailure(engine);
      const done = await Promise.race([
        engine.waitForOutbox(draft.messageId, (s) => isSent(s) || s.type === 'failed'),
        failure.promise,
        global.interrupted.then(() => null),
      ]).finally(failure.stop);
      if (done === null) {
        output.err(
          `Interrupted. Message ${id} stays in the outbox; any sotto send, listen or status resumes it.`,
        );
        return 130;
      }
      if (done.type === 'failed') {
        output.err(
          `Not sent: ${done.reason.message} (${done.reason.code}). It stays in the outbox (sotto status).`,
        );
        return 1;
      }
      const counters = engine.uploadCounters(draft.messageId);
      output.out(`sent ${id} chunks=${chunkCount(done)} resent=${counters.chunksResent}`);
      return 0;
    } finally {
      stopWatching();
    }
  });
}

function chunkCount(state: OutboxState): number {
  return 'chunkCount' in state ? state.chunkCount : 0;
}

/** Prints connection trouble (stderr) and, with --progress, one line per acknowledged chunk (stdout). */
function watch(engine: Engine, output: Output, progress: boolean): () => void {
  let lastAcked = -1;
  let wasDown = false;
  const stops = [
    engine.on('connection', (status) => {
      if (status.type === 'waiting') {
        wasDown = true;
        output.err(`Not connected (${status.reason}); retrying in ${seconds(status.retryInMs)}`);
      } else if (status.type === 'open' && wasDown) {
        wasDown = false;
        output.err('Reconnected; resuming the upload');
      } else if (status.type === 'failed') {
        output.err(status.error.message);
      }
    }),
    engine.on('outbox', ({ state }) => {
      if (!progress || !isPending(state) || state.acked === lastAcked) return;
      lastAcked = state.acked;
      const sealed = state.type === 'recording' ? state.sealed : state.chunkCount;
      output.out(`progress acked=${state.acked} sealed=${sealed}${state.type === 'recording' ? '+' : ''}`);
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
