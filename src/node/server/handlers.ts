import {
  MAX_EVENTS_PER_BATCH,
  ProtocolError,
  asChunkIndex,
  asMillis,
  toHex,
  type ClientFrame,
  type DeviceKey,
  type FrameOf,
} from '../../shared/protocol';
import type { Metrics } from './metrics';
import type { Session, SessionContext } from './session';
import type { Appended, PutChunkResult } from './store/store';

/** Chunks read from the store per round trip while streaming a fetch. */
const FETCH_PAGE_CHUNKS = 16;
/** Conversations per `conversations` reply. */
const CONVERSATIONS_PAGE = 64;

/** A request after `hello`; `hello` itself is the session's business. */
type Request = Exclude<ClientFrame, FrameOf<'hello'>>;

/**
 * Handles one request of an open session and sends its reply (or replies, for `fetch`).
 * Refusals are thrown as ProtocolError; the session turns them into error frames.
 */
export async function handleRequest(
  session: Session,
  ctx: SessionContext,
  device: DeviceKey,
  frame: Request,
): Promise<void> {
  const { store, metrics, limits } = ctx;
  const now = () => asMillis(ctx.now());
  const { requestId } = frame;
  const publish = async (appended: Appended) => {
    if (appended.length > 0) await ctx.fanout.publish(appended);
  };

  switch (frame.type) {
    case 'ping':
      await session.send({ type: 'pong', requestId, nonce: frame.nonce });
      return;
    case 'pong':
      return;

    case 'begin': {
      const nextIndex = await timed(metrics, 'begin', () =>
        store.beginUpload(
          {
            messageId: frame.messageId,
            conversationId: frame.conversationId,
            sender: device,
            wraps: frame.wraps,
          },
          limits.maxInFlightUploads,
          now(),
        ),
      );
      ctx.log.debug({ device: toHex(device), message: toHex(frame.messageId) }, 'upload begun');
      await session.send({ type: 'ack', requestId, messageId: frame.messageId, nextIndex });
      return;
    }
    case 'chunk':
      await acknowledgeChunk(session, ctx, storeChunk(ctx, device, frame));
      return;
    case 'resume': {
      const { state, nextIndex } = await timed(metrics, 'uploadState', () =>
        store.uploadState(frame.messageId, device),
      );
      metrics.resumes.inc();
      await session.send({ type: 'resumeState', requestId, messageId: frame.messageId, state, nextIndex });
      return;
    }
    case 'commit': {
      const started = performance.now();
      if (frame.chunkCount > limits.maxChunksPerMessage) {
        throw new ProtocolError(
          'QUOTA_EXCEEDED',
          `${frame.chunkCount} chunks, limit ${limits.maxChunksPerMessage}`,
        );
      }
      const { committedAt, appended } = await timed(metrics, 'commit', () =>
        store.commit(
          {
            messageId: frame.messageId,
            sender: device,
            chunkCount: frame.chunkCount,
            metadata: frame.metadata,
          },
          now(),
        ),
      );
      await session.send({
        type: 'committed',
        requestId,
        messageId: frame.messageId,
        committedAtMs: committedAt,
      });
      metrics.commitLatency.observe((performance.now() - started) / 1000);
      ctx.log.info(
        { device: toHex(device), message: toHex(frame.messageId), chunks: frame.chunkCount },
        'committed',
      );
      await publish(appended);
      return;
    }
    case 'abort':
      await timed(metrics, 'abort', () => store.abort(frame.messageId, device));
      await session.send({ type: 'aborted', requestId, messageId: frame.messageId });
      return;

    case 'sync': {
      const limit = Math.min(frame.limit, MAX_EVENTS_PER_BATCH);
      const { events, hasMore } = await timed(metrics, 'eventsAfter', () =>
        store.eventsAfter(device, frame.after, limit),
      );
      await session.send({ type: 'events', requestId, events, hasMore });
      session.markDelivered(events.at(-1)?.cursor ?? frame.after);
      return;
    }
    case 'fetch': {
      // Pages of chunks, each sent with backpressure, so a long message never sits in memory whole.
      let from = frame.fromIndex;
      for (;;) {
        const { chunks, chunkCount } = await timed(metrics, 'readChunks', () =>
          store.readChunks(frame.messageId, device, from, FETCH_PAGE_CHUNKS),
        );
        for (const chunk of chunks) await session.send({ type: 'chunkData', requestId, ...chunk });
        const last = chunks.at(-1);
        if (last === undefined || last.index + 1 >= chunkCount) {
          await session.send({ type: 'fetchEnd', requestId, messageId: frame.messageId, chunkCount });
          return;
        }
        from = asChunkIndex(last.index + 1);
      }
    }
    case 'receipt': {
      const appended = await timed(metrics, 'addReceipt', () =>
        store.addReceipt(frame.messageId, device, frame.kind, now()),
      );
      await session.send({ type: 'ok', requestId });
      await publish(appended);
      return;
    }

    case 'createConversation': {
      const appended = await timed(metrics, 'createConversation', () =>
        store.createConversation(frame.conversationId, device, frame.members, now()),
      );
      await session.send({ type: 'ok', requestId });
      await publish(appended);
      return;
    }
    case 'addMembers': {
      const appended = await timed(metrics, 'addMembers', () =>
        store.addMembers(frame.conversationId, device, frame.members, now()),
      );
      await session.send({ type: 'ok', requestId });
      await publish(appended);
      return;
    }
    case 'leaveConversation': {
      const appended = await timed(metrics, 'leaveConversation', () =>
        store.leaveConversation(frame.conversationId, device, now()),
      );
      await session.send({ type: 'ok', requestId });
      await publish(appended);
      return;
    }
    case 'listConversations': {
      const page = await timed(metrics, 'listConversations', () =>
        store.listConversations(device, frame.after, CONVERSATIONS_PAGE),
      );
      await session.send({ type: 'conversations', requestId, ...page });
      return;
    }
  }
}

/** Runs a store operation, observing its latency under `op`. */
async function timed<T>(metrics: Metrics, op: string, run: () => Promise<T>): Promise<T> {
  const stop = metrics.storeLatency.startTimer({ op });
  try {
    return await run();
  } finally {
    stop();
  }
}

/** A chunk whose store write has started; `acknowledgeChunk` sends its ACK once the write commits. */
export interface StoringChunk {
  readonly frame: FrameOf<'chunk'>;
  readonly stored: Promise<PutChunkResult>;
  /** When the frame was decoded (performance.now()), for the ACK latency. */
  readonly decodedAt: number;
}

/**
 * Checks a chunk's limits and starts its store write. Nothing is thrown: a refusal rejects
 * `stored`, which is marked handled here because its ACK may be sent (and the refusal seen) only
 * after earlier replies of the session.
 */
export function storeChunk(
  ctx: SessionContext,
  device: DeviceKey,
  frame: FrameOf<'chunk'>,
  decodedAt = performance.now(),
): StoringChunk {
  const { store, metrics, limits } = ctx;
  const write = async () => {
    if (frame.data.length > limits.maxChunkBytes) {
      throw new ProtocolError(
        'QUOTA_EXCEEDED',
        `chunk of ${frame.data.length} bytes, limit ${limits.maxChunkBytes}`,
      );
    }
    if (frame.index >= limits.maxChunksPerMessage) {
      throw new ProtocolError(
        'QUOTA_EXCEEDED',
        `chunk index ${frame.index}, limit ${limits.maxChunksPerMessage} chunks`,
      );
    }
    return timed(metrics, 'putChunk', () =>
      store.putChunk(
        {
          messageId: frame.messageId,
          index: frame.index,
          final: frame.final,
          data: frame.data,
          sender: device,
        },
        limits.maxMessageBytes,
      ),
    );
  };
  const stored = write();
  stored.catch(() => undefined);
  return { frame, stored, decodedAt };
}

/** Sends a chunk's ACK, which goes out only after the transaction that stored the chunk committed. */
export async function acknowledgeChunk(
  session: Session,
  ctx: SessionContext,
  chunk: StoringChunk,
): Promise<void> {
  const { frame } = chunk;
  const { nextIndex, repeated } = await chunk.stored;
  await session.send({ type: 'ack', requestId: frame.requestId, messageId: frame.messageId, nextIndex });
  ctx.metrics.chunksStored.inc({ outcome: repeated ? 'repeat' : 'new' });
  ctx.metrics.ackLatency.observe((performance.now() - chunk.decodedAt) / 1000);
}
