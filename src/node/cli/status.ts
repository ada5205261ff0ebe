// `sotto status`: outgoing messages and their state (after a sync, so receipts are current).
import { toHex } from '../../shared/protocol';
import { describeOutboxState } from '../../shared/sync';
import {
  CONNECT_TIMEOUT_MS,
  connectionFailure,
  delay,
  describeConversation,
  seconds,
  withEngine,
  type GlobalOptions,
  type Output,
} from './context';

/** Prints the outbox; with `offline`, without asking the server first. */
export async function status(offline: boolean, global: GlobalOptions, output: Output): Promise<number> {
  return withEngine(global, async (engine) => {
    if (!offline) {
      engine.start();
      const failure = connectionFailure(engine);
      const synced = await Promise.race([
        engine.idle().then(() => true),
        delay(CONNECT_TIMEOUT_MS, false),
        global.interrupted.then(() => false),
        failure.promise,
      ]).finally(failure.stop);
      if (!synced) output.err('The server is unreachable; showing what this device knows.');
    }
    const [records, contacts, conversations] = await Promise.all([
      engine.outbox(),
      engine.contacts(),
      engine.conversations(),
    ]);
    if (records.length === 0) output.out('No outgoing messages.');
    for (const record of records) {
      const conversation = conversations.find((c) => toHex(c.id) === toHex(record.conversationId));
      const to = describeConversation(conversation, contacts, engine.deviceKey);
      const state = engine.outboxState(record.messageId) ?? record.state;
      const length = record.metadata === null ? '' : `  ${seconds(record.metadata.durationMs)}`;
      // No process records it any more (sotto send was stopped while encoding).
      const label =
        state.type === 'recording'
          ? `not finished encoding (${state.sealed} chunks sealed; if its send was stopped: sotto delete)`
          : describeOutboxState(state);
      output.out(`${toHex(record.messageId)}  to ${to}${length}  ${label}`);
    }
    return 0;
  });
}
