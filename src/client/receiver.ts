// Receiving (docs/PROTOCOL.md §12): sync from the stored cursor, fetch each new message from its
// first missing chunk, verify and store it, send receipts, apply receipts to the outbox. The cursor
// advances only after an event's effects are durable.
import {
  MessageCryptoError,
  assertChunkCount,
  openMessage,
  openMetadata,
  unwrapKey,
  type SealedChunk,
} from '../shared/crypto/message-crypto';
import {
  MAX_EVENTS_PER_BATCH,
  ProtocolError,
  sameBytes,
  toHex,
  type ConversationEvent,
  type Event,
  type MessageId,
  type NewMessageEvent,
  type ReceiptEvent,
} from '../shared/protocol';
import { OutboxTransitionError } from '../shared/sync';
import type { Session } from './connection';
import { directConversationId, othersIn } from './contacts';
import { ClientError, isClientError } from './errors';
import type { OutboxBook } from './outbox-book';
import type {
  Clock,
  Contact,
  Contacts,
  Conversation,
  Download,
  Identity,
  Inbox,
  InboxMessage,
} from './ports';

/** Why a received message was refused (a MessageCryptoError code or a fetch refusal). */
export interface Rejection {
  readonly messageId: MessageId;
  readonly sender: Uint8Array;
  readonly code: string;
  readonly reason: string;
}

/** What the receiver needs from the engine and tells it. */
export interface ReceiverDeps {
  readonly inbox: Inbox;
  readonly contacts: Contacts;
  readonly book: OutboxBook;
  readonly identity: Identity;
  readonly origin: string;
  readonly clock: Clock;
  onMessage(message: InboxMessage): void;
  onRejected(rejection: Rejection): void;
  onRequest(contact: Contact): void;
  onConversation(conversation: Conversation): void;
  /** A sync finished with nothing more to fetch. */
  onSynced(): void;
  /** Work started or ended (idle tracking). */
  onActivity(): void;
  onError(error: unknown): void;
}

/** Runs the receiving side of each session, one event at a time. */
export class Receiver {
  readonly #deps: ReceiverDeps;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #receiptsInFlight = 0;

  constructor(deps: ReceiverDeps) {
    this.#deps = deps;
  }

  /** Whether events are being processed or receipts are on their way. */
  get busy(): boolean {
    return this.#queued > 0 || this.#receiptsInFlight > 0;
  }

  /** Starts a session's work: owed receipts first, then a sync from the stored cursor. */
  attach(session: Session): void {
    this.#enqueue(session, async () => {
      for (const { messageId, kind } of await this.#deps.inbox.pendingReceipts()) {
        this.sendReceipt(session, messageId, kind);
      }
      await this.#syncAll(session);
    });
  }

  /** Handles an `events` push: process in order, and sync if the server says there is more. */
  push(session: Session, events: readonly Event[], hasMore: boolean): void {
    this.#enqueue(session, async () => {
      await this.#process(session, events);
      if (hasMore) await this.#syncAll(session);
    });
  }

  /** Sends a receipt now; it stays owed (and is retried next session) until the server acknowledges it. */
  sendReceipt(session: Session, messageId: MessageId, kind: 'delivered' | 'played'): void {
    if (session.isClosed()) return;
    this.#receiptsInFlight++;
    this.#deps.onActivity();
    session.rpc
      .request({ type: 'receipt', messageId, kind })
      .then(
        () => this.#deps.inbox.receiptSent(messageId, kind),
        async (error: unknown) => {
          // The server will never take this receipt: stop owing it.
          if (error instanceof ProtocolError && !error.fatal && error.code !== 'RATE_LIMITED') {
            await this.#deps.inbox.receiptSent(messageId, kind);
          } else if (!(isClientError(error) || error instanceof ProtocolError)) throw error;
        },
      )
      .catch((error: unknown) => {
        this.#deps.onError(error);
      })
      .finally(() => {
        this.#receiptsInFlight--;
        this.#deps.onActivity();
      });
  }

  #enqueue(session: Session, work: () => Promise<void>): void {
    this.#queued++;
    this.#deps.onActivity();
    this.#queue = this.#queue
      .then(async () => {
        if (!session.isClosed()) await work();
      })
      .catch((error: unknown) => {
        // A closed connection just stops the work; the next session starts again from the cursor.
        if (!isClientError(error) && !session.isClosed()) {
          this.#deps.onError(error);
          session.close(asClosed(error));
        }
      })
      .finally(() => {
        this.#queued--;
        this.#deps.onActivity();
      });
  }

  async #syncAll(session: Session): Promise<void> {
    const { inbox, origin } = this.#deps;
    const limit = Math.min(session.welcome.limits.maxEventsPerBatch, MAX_EVENTS_PER_BATCH);
    for (;;) {
      const after = await inbox.cursor(origin);
      const reply = await session.rpc.request({ type: 'sync', after, limit });
      await this.#process(session, reply.events);
      if (!reply.hasMore) break;
    }
    this.#deps.onSynced();
  }

  async #process(session: Session, events: readonly Event[]): Promise<void> {
    const { inbox, origin } = this.#deps;
    let cursor = await inbox.cursor(origin);
    for (const event of events) {
      if (event.cursor <= cursor) continue; // a push racing a sync: already done
      switch (event.type) {
        case 'message':
          await this.#onMessage(session, event);
          break;
        case 'receipt':
          await this.#onReceipt(event);
          break;
        case 'conversation':
          await this.#onConversation(event);
          break;
      }
      await inbox.setCursor(origin, event.cursor);
      cursor = event.cursor;
    }
  }

  async #onMessage(session: Session, event: NewMessageEvent): Promise<void> {
    const { inbox, identity } = this.#deps;
    const me = identity.keyPair;
    if (sameBytes(event.sender, me.publicKey) || (await inbox.has(event.messageId))) return;
    const download: Download = {
      messageId: event.messageId,
      conversationId: event.conversationId,
      sender: event.sender,
      chunkCount: event.chunkCount,
      wrap: event.wrap,
      sealedMetadata: event.metadata,
      committedAtMs: event.committedAtMs,
    };
    const from = contiguous(await inbox.downloadedChunks(event.messageId));
    if (from < event.chunkCount) {
      let stored: Promise<void> = Promise.resolve();
      try {
        await session.rpc.fetch(event.messageId, from, (frame) => {
          const chunk = { index: frame.index, final: frame.final, data: frame.data.slice() };
          stored = stored.then(() => inbox.putDownloadedChunk(download, chunk));
        });
      } catch (error) {
        await stored.catch(() => undefined);
        if (
          error instanceof ProtocolError &&
          (error.code === 'UNKNOWN_MESSAGE' || error.code === 'NOT_A_MEMBER')
        ) {
          await this.#reject(event, error.code, error.message);
          return;
        }
        throw error;
      }
      await stored;
    }
    const chunks = await inbox.downloadedChunks(event.messageId);
    let opened: { metadata: InboxMessage['metadata']; audio: Uint8Array };
    try {
      opened = this.#open(event, chunks);
    } catch (error) {
      if (!(error instanceof MessageCryptoError)) throw error;
      await this.#reject(event, error.code, error.message);
      return;
    }
    const contact = await this.#senderContact(event);
    const message: InboxMessage = {
      messageId: event.messageId,
      conversationId: event.conversationId,
      sender: event.sender,
      request: contact.status === 'request',
      metadata: opened.metadata,
      audio: opened.audio,
      committedAtMs: event.committedAtMs,
      receivedAtMs: this.#deps.clock.now(),
      playedAtMs: null,
      delivered: 'pending',
      played: 'none',
    };
    await inbox.complete(message);
    this.#deps.onMessage(message);
    this.sendReceipt(session, event.messageId, 'delivered');
  }

  /** Verifies the wrap (from the claimed sender), the metadata and every chunk; throws MessageCryptoError. */
  #open(
    event: NewMessageEvent,
    chunks: readonly SealedChunk[],
  ): { metadata: InboxMessage['metadata']; audio: Uint8Array } {
    const key = unwrapKey(event.wrap, event.messageId, event.sender, this.#deps.identity.keyPair);
    const metadata = openMetadata(key, event.messageId, event.metadata);
    assertChunkCount(metadata, event.chunkCount);
    if (!sameBytes(metadata.conversationId, event.conversationId)) {
      throw new MessageCryptoError(
        'METADATA_INVALID',
        'the message was sealed for another conversation than the one it arrived in',
      );
    }
    const plaintexts = openMessage(key, event.messageId, chunks);
    const audio = new Uint8Array(plaintexts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of plaintexts) {
      audio.set(part, offset);
      offset += part.length;
    }
    return { metadata, audio };
  }

  async #reject(event: NewMessageEvent, code: string, reason: string): Promise<void> {
    await this.#deps.inbox.reject(event.messageId, event.sender, code, reason);
    this.#deps.onRejected({ messageId: event.messageId, sender: event.sender, code, reason });
  }

  /** The sender's contact; an unknown sender becomes a message request. */
  async #senderContact(event: NewMessageEvent): Promise<Contact> {
    const { contacts, identity, clock } = this.#deps;
    const known = await contacts.getContact(event.sender);
    if (known !== null) return known;
    const request: Contact = {
      deviceKey: event.sender,
      name: `unknown ${toHex(event.sender).slice(0, 8)}`,
      status: 'request',
      conversationId: directConversationId(identity.keyPair, event.sender),
      addedAtMs: clock.now(),
    };
    await contacts.putContact(request);
    this.#deps.onRequest(request);
    return request;
  }

  async #onReceipt(event: ReceiptEvent): Promise<void> {
    const { book } = this.#deps;
    if (book.get(event.messageId) === undefined) return;
    try {
      await book.apply(event.messageId, { type: 'receipt', kind: event.kind, atMs: event.atMs });
    } catch (error) {
      if (!(error instanceof OutboxTransitionError)) throw error;
    }
  }

  async #onConversation(event: ConversationEvent): Promise<void> {
    const { contacts, identity } = this.#deps;
    const me = identity.keyPair;
    const member = event.members.some((key) => sameBytes(key, me.publicKey));
    const existing = await contacts.getConversation(event.conversationId);
    let conversation: Conversation;
    if (existing !== null) {
      conversation = { ...existing, members: event.members, onServer: member };
    } else {
      if (!member) return;
      const others = othersIn(event.members, me.publicKey);
      const other = others[0];
      const direct =
        others.length === 1 &&
        other !== undefined &&
        sameBytes(directConversationId(me, other), event.conversationId);
      const contact = direct ? await contacts.getContact(other) : null;
      conversation = {
        id: event.conversationId,
        kind: direct ? 'direct' : 'group',
        title: contact?.name ?? (direct ? '' : `group of ${event.members.length}`),
        members: event.members,
        onServer: true,
      };
    }
    await contacts.putConversation(conversation);
    this.#deps.onConversation(conversation);
  }
}

/** How many chunks from index 0 are present without a gap. */
function contiguous(chunks: readonly SealedChunk[]): number {
  const indices = new Set(chunks.map((chunk) => chunk.index));
  let count = 0;
  while (indices.has(count)) count++;
  return count;
}

function asClosed(error: unknown): ClientError {
  return new ClientError('CONNECTION_CLOSED', 'receiving failed; reconnecting', { cause: error });
}
