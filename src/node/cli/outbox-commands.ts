// `sotto retry <id>` and `sotto delete <id>`: what to do with a failed or interrupted outgoing message.
import type { Engine } from '../../client/engine';
import type { OutboxRecord } from '../../client/ports';
import { toHex } from '../../shared/protocol';
import { describeOutboxState, isSent } from '../../shared/sync';
import {
  CONNECT_TIMEOUT_MS,
  connectionFailure,
  delay,
  withEngine,
  type GlobalOptions,
  type Output,
} from './context';
import { CliError } from './errors';

/** An outgoing message by its hex id or a unique prefix of it. */
async function findOutgoing(engine: Engine, query: string): Promise<OutboxRecord> {
  const lower = query.toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(lower)) {
    throw new CliError('BAD_MESSAGE_ID', `"${query}" is not a message id (hex, as printed by sotto status).`);
  }
  const matches = (await engine.outbox()).filter((record) => toHex(record.messageId).startsWith(lower));
  const [match, second] = matches;
  if (match === undefined) throw new CliError('UNKNOWN_MESSAGE', `No outgoing message ${query}.`);
  if (second !== undefined) throw new CliError('AMBIGUOUS_MESSAGE', `"${query}" matches several messages.`);
  return match;
}

/** Tries a failed message again and waits for the outcome. */
export async function retry(query: string, global: GlobalOptions, output: Output): Promise<number> {
  return withEngine(global, async (engine) => {
    const record = await findOutgoing(engine, query);
    const id = toHex(record.messageId);
    if (record.state.type !== 'failed') {
      throw new CliError(
        'NOT_FAILED',
        `Message ${id} has not failed (${describeOutboxState(record.state)}).`,
      );
    }
    engine.start();
    await engine.retry(record.messageId);
    const failure = connectionFailure(engine);
    const done = await Promise.race([
      engine.waitForOutbox(record.messageId, (state) => isSent(state) || state.type === 'failed'),
      global.interrupted.then(() => null),
      failure.promise,
    ]).finally(failure.stop);
    if (done === null) return 130;
    output.out(`${id}  ${describeOutboxState(done)}`);
    return done.type === 'failed' ? 1 : 0;
  });
}

/** Deletes an outgoing message (cancelling its upload on the server if it was not sent). */
export async function deleteMessage(query: string, global: GlobalOptions, output: Output): Promise<void> {
  await withEngine(global, async (engine) => {
    const record = await findOutgoing(engine, query);
    engine.start();
    // Best effort: with a session the server drops the upload now, otherwise it expires it later.
    await Promise.race([engine.idle(), delay(CONNECT_TIMEOUT_MS, undefined), global.interrupted]);
    await engine.discard(record.messageId);
    output.out(`deleted ${toHex(record.messageId)}`);
  });
}
