// In-memory KeyStore, Contacts, Outbox and Inbox: for tests, load generators and ephemeral
// clients. They copy bytes in and out, as a real store would, so callers cannot alias stored data.
import type { SealedChunk } from '../shared/crypto/message-crypto';
import {
  CURSOR_START,
  toHex,
  type ConversationId,
  type Cursor,
  type DeviceKey,
  type MessageId,
} from '../shared/protocol';
import type { OutboxState } from '../shared/sync';
import type {
  Contact,
  Contacts,
  Conversation,
  Download,
  Identity,
  Inbox,
  InboxMessage,
  KeyStore,
  Outbox,
  OutboxChunkUpdate,
  OutboxRecord,
} from './ports';

const copy = <T extends Uint8Array>(bytes: T): T => bytes.slice() as T;

/** KeyStore in memory. */
export class MemoryKeyStore implements KeyStore {
  #identity: Identity | null = null;
  readonly #pins = new Map<string, Uint8Array>();

  loadIdentity(): Promise<Identity | null> {
    return Promise.resolve(this.#identity);
  }

  saveIdentity(identity: Identity): Promise<void> {
    this.#identity = identity;
    return Promise.resolve();
  }

  pinnedServerKey(origin: string): Promise<Uint8Array | null> {
    const pin = this.#pins.get(origin);
    return Promise.resolve(pin === undefined ? null : copy(pin));
  }

  pinServerKey(origin: string, key: Uint8Array): Promise<void> {
    this.#pins.set(origin, copy(key));
    return Promise.resolve();
  }
}

/** Contacts in memory. */
export class MemoryContacts implements Contacts {
  readonly #contacts = new Map<string, Contact>();
  readonly #conversations = new Map<string, Conversation>();

  listContacts(): Promise<Contact[]> {
    return Promise.resolve([...this.#contacts.values()]);
  }

  getContact(deviceKey: DeviceKey): Promise<Contact | null> {
    return Promise.resolve(this.#contacts.get(toHex(deviceKey)) ?? null);
  }

  putContact(contact: Contact): Promise<void> {
    this.#contacts.set(toHex(contact.deviceKey), contact);
    return Promise.resolve();
  }

  listConversations(): Promise<Conversation[]> {
    return Promise.resolve([...this.#conversations.values()]);
  }

  getConversation(id: ConversationId): Promise<Conversation | null> {
    return Promise.resolve(this.#conversations.get(toHex(id)) ?? null);
  }

  putConversation(conversation: Conversation): Promise<void> {
    this.#conversations.set(toHex(conversation.id), conversation);
    return Promise.resolve();
  }
}

interface StoredOutbox {
  record: OutboxRecord;
  readonly chunks: Map<number, SealedChunk>;
}

/** Outbox in memory. */
export class MemoryOutbox implements Outbox {
  readonly #messages = new Map<string, StoredOutbox>();
  /** Every chunk write, in order (tests check that nothing is sealed twice). */
  readonly chunkWrites: { readonly messageId: string; readonly index: number }[] = [];

  create(record: OutboxRecord): Promise<void> {
    this.#messages.set(toHex(record.messageId), { record, chunks: new Map() });
    return Promise.resolve();
  }

  putChunk(messageId: MessageId, chunk: SealedChunk, update: OutboxChunkUpdate): Promise<void> {
    const stored = this.#require(messageId);
    stored.chunks.set(chunk.index, { index: chunk.index, final: chunk.final, data: copy(chunk.data) });
    this.chunkWrites.push({ messageId: toHex(messageId), index: chunk.index });
    stored.record = {
      ...stored.record,
      state: update.state,
      ...(update.finish === undefined
        ? {}
        : { sealedMetadata: copy(update.finish.sealedMetadata), metadata: update.finish.metadata }),
    };
    return Promise.resolve();
  }

  getChunk(messageId: MessageId, index: number): Promise<SealedChunk | null> {
    const chunk = this.#messages.get(toHex(messageId))?.chunks.get(index);
    return Promise.resolve(chunk === undefined ? null : { ...chunk, data: copy(chunk.data) });
  }

  setState(messageId: MessageId, state: OutboxState): Promise<void> {
    const stored = this.#messages.get(toHex(messageId));
    if (stored !== undefined) stored.record = { ...stored.record, state };
    return Promise.resolve();
  }

  get(messageId: MessageId): Promise<OutboxRecord | null> {
    return Promise.resolve(this.#messages.get(toHex(messageId))?.record ?? null);
  }

  list(): Promise<OutboxRecord[]> {
    return Promise.resolve([...this.#messages.values()].map((stored) => stored.record));
  }

  delete(messageId: MessageId): Promise<void> {
    this.#messages.delete(toHex(messageId));
    return Promise.resolve();
  }

  #require(messageId: MessageId): StoredOutbox {
    const stored = this.#messages.get(toHex(messageId));
    if (stored === undefined) throw new Error(`no outbox record ${toHex(messageId)}`);
    return stored;
  }
}

/** Inbox in memory. */
export class MemoryInbox implements Inbox {
  readonly #cursors = new Map<string, Cursor>();
  readonly #messages = new Map<string, InboxMessage>();
  readonly #rejected = new Map<string, { code: string; reason: string }>();
  readonly #downloads = new Map<string, Map<number, SealedChunk>>();

  cursor(origin: string): Promise<Cursor> {
    return Promise.resolve(this.#cursors.get(origin) ?? CURSOR_START);
  }

  setCursor(origin: string, cursor: Cursor): Promise<void> {
    this.#cursors.set(origin, cursor);
    return Promise.resolve();
  }

  has(messageId: MessageId): Promise<boolean> {
    const key = toHex(messageId);
    return Promise.resolve(this.#messages.has(key) || this.#rejected.has(key));
  }

  putDownloadedChunk(download: Download, chunk: SealedChunk): Promise<void> {
    const key = toHex(download.messageId);
    const chunks = this.#downloads.get(key) ?? new Map<number, SealedChunk>();
    chunks.set(chunk.index, { index: chunk.index, final: chunk.final, data: copy(chunk.data) });
    this.#downloads.set(key, chunks);
    return Promise.resolve();
  }

  downloadedChunks(messageId: MessageId): Promise<SealedChunk[]> {
    const chunks = this.#downloads.get(toHex(messageId));
    return Promise.resolve(
      chunks === undefined ? [] : [...chunks.values()].sort((a, b) => a.index - b.index),
    );
  }

  complete(message: InboxMessage): Promise<void> {
    const key = toHex(message.messageId);
    this.#messages.set(key, message);
    this.#downloads.delete(key);
    return Promise.resolve();
  }

  reject(messageId: MessageId, _sender: DeviceKey, code: string, reason: string): Promise<void> {
    const key = toHex(messageId);
    this.#rejected.set(key, { code, reason });
    this.#downloads.delete(key);
    return Promise.resolve();
  }

  get(messageId: MessageId): Promise<InboxMessage | null> {
    return Promise.resolve(this.#messages.get(toHex(messageId)) ?? null);
  }

  list(): Promise<InboxMessage[]> {
    return Promise.resolve([...this.#messages.values()]);
  }

  markPlayed(messageId: MessageId, atMs: number): Promise<InboxMessage | null> {
    const key = toHex(messageId);
    const message = this.#messages.get(key);
    if (message === undefined) return Promise.resolve(null);
    if (message.playedAtMs !== null) return Promise.resolve(message);
    const played: InboxMessage = { ...message, playedAtMs: atMs, played: 'pending' };
    this.#messages.set(key, played);
    return Promise.resolve(played);
  }

  pendingReceipts(): Promise<{ messageId: MessageId; kind: 'delivered' | 'played' }[]> {
    const out: { messageId: MessageId; kind: 'delivered' | 'played' }[] = [];
    for (const message of this.#messages.values()) {
      if (message.delivered === 'pending') out.push({ messageId: message.messageId, kind: 'delivered' });
      if (message.played === 'pending') out.push({ messageId: message.messageId, kind: 'played' });
    }
    return Promise.resolve(out);
  }

  receiptSent(messageId: MessageId, kind: 'delivered' | 'played'): Promise<void> {
    const key = toHex(messageId);
    const message = this.#messages.get(key);
    if (message !== undefined) this.#messages.set(key, { ...message, [kind]: 'sent' });
    return Promise.resolve();
  }
}
