// Uploads outbox messages over a session (docs/PROTOCOL.md §11): resume, begin if the server does
// not know the message, send stored chunks from the server's next index, commit when complete.
import { ProtocolError, asChunkIndex, asMessageId, fromHex, toHex, type MessageId } from '../shared/protocol';
import {
  BACKOFF_RESET,
  isPending,
  nextBackoff,
  nextUploadStep,
  planResume,
  uploadErrorReaction,
  type BackoffPolicy,
  type BackoffState,
} from '../shared/sync';
import type { Session } from './connection';
import { ClientError, isClientError } from './errors';
import type { OutboxBook } from './outbox-book';
import type { Clock, Outbox, OutboxRecord, Random, Timer } from './ports';
import { Wakeup } from './wakeup';

/** Counters of chunk frames this engine has sent (for progress output and the re-send budget). */
export interface UploadCounters {
  /** Chunk frames sent. */
  chunksSent: number;
  /** Chunk frames sent again for an index already sent before (after a disconnect). */
  chunksResent: number;
}

/** What the uploader needs from the engine. */
export interface UploaderDeps {
  readonly book: OutboxBook;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly random: Random;
  /** Chunks sent ahead of their acks; 1 keeps re-sending after a disconnect to at most one chunk. */
  readonly window: number;
  readonly backoff: BackoffPolicy;
  /** Whether this engine is recording the message (a recording without a live draft is an orphan). */
  isLive(messageId: MessageId): boolean;
  /** Makes sure the server has the conversation before `begin`. */
  ensureConversation(session: Session, record: OutboxRecord): Promise<void>;
  /** Counters changed (a chunk frame was sent). */
  onSent(messageId: MessageId, counters: UploadCounters): void;
  /** A task ended or started (idle tracking). */
  onActivity(): void;
  /** An unexpected failure (storage, a bug); the session is closed and work resumes on reconnect. */
  onError(error: unknown): void;
}

interface Task {
  readonly session: Session;
  readonly wakeup: Wakeup;
}

/** Runs one upload task per pending message and session. */
export class Uploader {
  readonly #deps: UploaderDeps;
  readonly #tasks = new Map<string, Task>();
  readonly #counters = new Map<string, UploadCounters & { sentUpTo: number }>();
  #session: Session | null = null;

  constructor(deps: UploaderDeps) {
    this.#deps = deps;
  }

  /** Number of running tasks. */
  get running(): number {
    return this.#tasks.size;
  }

  /** Uses a new session: starts a task for every pending message. */
  attach(session: Session): void {
    this.#session = session;
    for (const [key, state] of this.#deps.book.entries()) {
      if (isPending(state)) this.#start(session, key);
    }
  }

  /** Something changed for a message (chunk sealed, retry): wake its task or start one. */
  wake(messageId: MessageId): void {
    const key = toHex(messageId);
    const task = this.#tasks.get(key);
    if (task !== undefined && !task.session.isClosed()) task.wakeup.notify();
    else if (this.#session !== null && !this.#session.isClosed()) this.#start(this.#session, key);
  }

  /** Counters of one message. */
  counters(messageId: MessageId): UploadCounters {
    const counters = this.#counters.get(toHex(messageId));
    return { chunksSent: counters?.chunksSent ?? 0, chunksResent: counters?.chunksResent ?? 0 };
  }

  #start(session: Session, key: string): void {
    const existing = this.#tasks.get(key);
    if (existing !== undefined && !existing.session.isClosed()) return;
    const task: Task = { session, wakeup: new Wakeup() };
    this.#tasks.set(key, task);
    this.#deps.onActivity();
    this.#run(task, key)
      .catch((error: unknown) => {
        if (!isClientError(error, 'CONNECTION_CLOSED', 'STOPPED') && !session.isClosed()) {
          this.#deps.onError(error);
        }
      })
      .finally(() => {
        if (this.#tasks.get(key) === task) this.#tasks.delete(key);
        this.#deps.onActivity();
      });
  }

  async #run(task: Task, key: string): Promise<void> {
    const { book, outbox } = this.#deps;
    const { session } = task;
    let backoff: BackoffState = BACKOFF_RESET;
    for (;;) {
      const state = book.get(fromKey(key));
      if (session.isClosed() || state === undefined || !isPending(state)) return;
      const record = await outbox.get(fromKey(key));
      if (record === null) return;
      if (state.type === 'recording' && !this.#deps.isLive(record.messageId)) return;
      try {
        if (await this.#resume(session, record)) {
          backoff = BACKOFF_RESET;
          await this.#sendAll(task, record);
        }
        return;
      } catch (error) {
        if (!(error instanceof ProtocolError) || session.isClosed()) throw error;
        switch (uploadErrorReaction(error.code)) {
          case 'fail':
            await book.apply(record.messageId, {
              type: 'failed',
              reason: { code: error.code, message: error.message },
            });
            return;
          case 'reconnect':
            session.close(new ClientError('CONNECTION_CLOSED', error.message, { cause: error }));
            return;
          case 'retry':
          case 'resume':
          case 'committed': {
            // Resume again after a pause; `committed` comes back from resume as a commit plan.
            const next = nextBackoff(backoff, () => this.#deps.random.unit(), this.#deps.backoff);
            backoff = next.state;
            await this.#sleep(session, next.delayMs);
          }
        }
      }
    }
  }

  /** Asks where the upload stands and gets the server in line; false when nothing is left to send. */
  async #resume(session: Session, record: OutboxRecord): Promise<boolean> {
    const { book } = this.#deps;
    const { messageId } = record;
    const reply = await session.rpc.request({ type: 'resume', messageId });
    const plan = planResume(reply.state, reply.nextIndex);
    switch (plan.type) {
      case 'commit':
        await this.#commit(session, messageId);
        return false;
      case 'begin': {
        await this.#deps.ensureConversation(session, record);
        const ack = await session.rpc.request({
          type: 'begin',
          messageId,
          conversationId: record.conversationId,
          wraps: record.wraps,
        });
        await book.apply(messageId, { type: 'resumed', nextIndex: ack.nextIndex });
        return true;
      }
      case 'send':
        await book.apply(messageId, { type: 'resumed', nextIndex: plan.from });
        return true;
    }
  }

  /** Sends stored chunks from the acknowledged index (up to `window` ahead) and commits at the end. */
  async #sendAll(task: Task, record: OutboxRecord): Promise<void> {
    const { book, outbox, window } = this.#deps;
    const { session, wakeup } = task;
    const { messageId } = record;
    const first = book.get(messageId);
    let nextToSend = first !== undefined && isPending(first) ? first.acked : 0;
    let inFlight = 0;
    const failed: { error: Error | null } = { error: null };
    // A function, not the variable: reply callbacks set it while this loop awaits.
    const failure = (): Error | null => failed.error;
    for (;;) {
      const error = failure();
      if (error !== null) throw error;
      if (session.isClosed()) throw new ClientError('CONNECTION_CLOSED', 'the connection closed');
      const state = book.get(messageId);
      if (state === undefined) return;
      const step = nextUploadStep(state, nextToSend, inFlight, window);
      switch (step.type) {
        case 'done':
          return;
        case 'commit':
          await this.#commit(session, messageId);
          return;
        case 'wait':
          await Promise.race([wakeup.wait(), session.closed]);
          break;
        case 'chunk': {
          const chunk = await outbox.getChunk(messageId, step.index);
          if (chunk === null) {
            throw new ClientError('INVALID_STATE', `chunk ${step.index} is not in the outbox`);
          }
          inFlight++;
          nextToSend = step.index + 1;
          this.#count(messageId, step.index);
          session.rpc
            .request({
              type: 'chunk',
              messageId,
              index: asChunkIndex(chunk.index),
              final: chunk.final,
              data: chunk.data,
            })
            .then(
              (ack) => book.apply(messageId, { type: 'acked', nextIndex: ack.nextIndex }),
              (error: unknown) => {
                failed.error ??= asError(error);
              },
            )
            .catch((error: unknown) => {
              failed.error ??= asError(error);
            })
            .finally(() => {
              inFlight--;
              wakeup.notify();
            });
        }
      }
    }
  }

  async #commit(session: Session, messageId: MessageId): Promise<void> {
    const { book, outbox } = this.#deps;
    const record = await outbox.get(messageId);
    const state = book.get(messageId);
    if (record?.sealedMetadata == null || state === undefined || !('chunkCount' in state)) {
      throw new ClientError('INVALID_STATE', 'commit before the last chunk was sealed');
    }
    const { chunkCount } = state;
    const committed = await session.rpc.request({
      type: 'commit',
      messageId,
      chunkCount,
      metadata: record.sealedMetadata,
    });
    await book.apply(messageId, { type: 'committed', atMs: committed.committedAtMs });
  }

  #count(messageId: MessageId, index: number): void {
    const key = toHex(messageId);
    const counters = this.#counters.get(key) ?? { chunksSent: 0, chunksResent: 0, sentUpTo: 0 };
    counters.chunksSent++;
    if (index < counters.sentUpTo) counters.chunksResent++;
    counters.sentUpTo = Math.max(counters.sentUpTo, index + 1);
    this.#counters.set(key, counters);
    this.#deps.onSent(messageId, { chunksSent: counters.chunksSent, chunksResent: counters.chunksResent });
  }

  #sleep(session: Session, ms: number): Promise<unknown> {
    let timer: Timer | null = null;
    const slept = new Promise<void>((resolve) => {
      timer = this.#deps.clock.setTimer(ms, resolve);
    });
    return Promise.race([slept, session.closed]).finally(() => {
      timer?.cancel();
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function fromKey(key: string): MessageId {
  return asMessageId(fromHex(key));
}
