// The engine's ports: everything it needs from a runtime, as interfaces. Node implements them with
// files, SQLite and `ws` (src/node/client); the browser with IndexedDB and WebSocket.
import type { KeyPair } from '../shared/crypto/noise';
import type { MessageMetadata, SealedChunk } from '../shared/crypto/message-crypto';
import type { ConversationId, Cursor, DeviceKey, MessageId, Wrap } from '../shared/protocol';
import type { OutboxState } from '../shared/sync';

/** This device: its long-term key pair (Noise static key and crypto_box key) and display name. */
export interface Identity {
  /** X25519 key pair; the public half is the device's address. */
  readonly keyPair: KeyPair;
  /** Display name carried in invites. */
  readonly name: string;
  /** When the identity was made, ms since the epoch. */
  readonly createdAtMs: number;
}

/** Secrets and pins: the device identity and the server keys pinned on first contact. */
export interface KeyStore {
  /** The stored identity, or null before the first run. */
  loadIdentity(): Promise<Identity | null>;
  /** Stores the identity (once; it is never replaced silently). */
  saveIdentity(identity: Identity): Promise<void>;
  /** The server static key pinned for `origin`, or null before the first contact. */
  pinnedServerKey(origin: string): Promise<Uint8Array | null>;
  /** Pins the server static key for `origin`. */
  pinServerKey(origin: string, key: Uint8Array): Promise<void>;
}

/** Whether the user added the contact or an unknown key wrote first. */
export type ContactStatus = 'contact' | 'request';

/** A person (one device key) this device talks to. */
export interface Contact {
  /** Their device key. */
  readonly deviceKey: DeviceKey;
  /** Display name (from their invite, or a placeholder for a request). */
  readonly name: string;
  /** 'request' until the user adds them. */
  readonly status: ContactStatus;
  /** Their 1:1 conversation with this device. */
  readonly conversationId: ConversationId;
  /** When the contact was stored, ms since the epoch. */
  readonly addedAtMs: number;
}

/** A 1:1 or group conversation as this device knows it. */
export interface Conversation {
  /** Server-side id (derived for 1:1, random for groups). */
  readonly id: ConversationId;
  /** 'direct' (two devices) or 'group'. */
  readonly kind: 'direct' | 'group';
  /** Local label (a group's name, or the contact's name). */
  readonly title: string;
  /** All member devices, this one included. */
  readonly members: readonly DeviceKey[];
  /** True once the server is known to have it with this device as a member. */
  readonly onServer: boolean;
}

/** The address book: contacts and conversations. */
export interface Contacts {
  /** Every contact and request, oldest first. */
  listContacts(): Promise<Contact[]>;
  /** The contact with this device key, or null. */
  getContact(deviceKey: DeviceKey): Promise<Contact | null>;
  /** Adds or replaces a contact. */
  putContact(contact: Contact): Promise<void>;
  /** Every conversation. */
  listConversations(): Promise<Conversation[]>;
  /** The conversation with this id, or null. */
  getConversation(id: ConversationId): Promise<Conversation | null>;
  /** Adds or replaces a conversation. */
  putConversation(conversation: Conversation): Promise<void>;
}

/** One outgoing message as the outbox keeps it: ciphertext only, plus what the UI shows. */
export interface OutboxRecord {
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  /** The message key wrapped for every member device (this one included). */
  readonly wraps: readonly Wrap[];
  /** Where the message stands. */
  readonly state: OutboxState;
  /** Sealed metadata for `commit`, once the last chunk is sealed. */
  readonly sealedMetadata: Uint8Array | null;
  /** The same metadata in the clear, for this device's own lists. */
  readonly metadata: MessageMetadata | null;
  /** When the message was started, ms since the epoch. */
  readonly createdAtMs: number;
}

/** What changes together with a stored chunk. */
export interface OutboxChunkUpdate {
  /** The state after the chunk. */
  readonly state: OutboxState;
  /** With the final chunk: the sealed metadata and its clear form. */
  readonly finish?: { readonly sealedMetadata: Uint8Array; readonly metadata: MessageMetadata };
}

/**
 * Outgoing messages. Principle 2 (DESIGN.md §1): a chunk is sealed once and `putChunk` resolves only
 * when the ciphertext is durable; only then is it offered to the network, and every retry re-sends
 * exactly these bytes.
 */
export interface Outbox {
  /** Stores a new message record (no chunks yet). */
  create(record: OutboxRecord): Promise<void>;
  /** Stores a sealed chunk with the record's new state, atomically and durably. */
  putChunk(messageId: MessageId, chunk: SealedChunk, update: OutboxChunkUpdate): Promise<void>;
  /** A stored chunk, or null. */
  getChunk(messageId: MessageId, index: number): Promise<SealedChunk | null>;
  /** Replaces a record's state. */
  setState(messageId: MessageId, state: OutboxState): Promise<void>;
  /** One record, or null. */
  get(messageId: MessageId): Promise<OutboxRecord | null>;
  /** Every record, oldest first. */
  list(): Promise<OutboxRecord[]>;
  /** Removes a record and its chunks. */
  delete(messageId: MessageId): Promise<void>;
}

/** Which receipts this device still owes the sender. */
export type ReceiptDue = 'none' | 'pending' | 'sent';

/** A received message, verified and decrypted. */
export interface InboxMessage {
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  /** The sending device (its wrap proved it). */
  readonly sender: DeviceKey;
  /** True when the sender was not a contact: a message request. */
  readonly request: boolean;
  /** Decrypted metadata. */
  readonly metadata: MessageMetadata;
  /** The decrypted Ogg Opus stream, byte for byte what the sender encoded. */
  readonly audio: Uint8Array;
  /** Server time of the commit. */
  readonly committedAtMs: number;
  /** When this device stored it. */
  readonly receivedAtMs: number;
  /** When this device played it, or null. */
  readonly playedAtMs: number | null;
  /** The `delivered` receipt: pending until the server has it. */
  readonly delivered: ReceiptDue;
  /** The `played` receipt: none until played, then pending, then sent. */
  readonly played: ReceiptDue;
}

/** What a `message` event said, kept while its chunks download. */
export interface Download {
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  readonly sender: DeviceKey;
  readonly chunkCount: number;
  readonly wrap: Uint8Array;
  readonly sealedMetadata: Uint8Array;
  readonly committedAtMs: number;
}

/** Incoming messages, partial downloads, receipts owed, and the event cursor. */
export interface Inbox {
  /** The last event cursor processed for the server at `origin` (0 before the first sync). */
  cursor(origin: string): Promise<Cursor>;
  /** Saves the cursor, after the events up to it have been durably processed. */
  setCursor(origin: string, cursor: Cursor): Promise<void>;
  /** Whether a message was already stored or rejected. */
  has(messageId: MessageId): Promise<boolean>;
  /** Stores a received chunk's ciphertext (downloads resume from the first missing index). */
  putDownloadedChunk(download: Download, chunk: SealedChunk): Promise<void>;
  /** The chunks downloaded so far, by index. */
  downloadedChunks(messageId: MessageId): Promise<SealedChunk[]>;
  /** Stores a verified message and drops its download, atomically. */
  complete(message: InboxMessage): Promise<void>;
  /** Records a message that failed verification (never retried) and drops its download. */
  reject(messageId: MessageId, sender: DeviceKey, code: string, reason: string): Promise<void>;
  /** One stored message, or null. */
  get(messageId: MessageId): Promise<InboxMessage | null>;
  /** Every stored message, oldest first. */
  list(): Promise<InboxMessage[]>;
  /** Marks a message played now (played receipt becomes pending); no-op if already played. */
  markPlayed(messageId: MessageId, atMs: number): Promise<InboxMessage | null>;
  /** Receipts still owed to senders (delivered or played, not yet acknowledged by the server). */
  pendingReceipts(): Promise<{ readonly messageId: MessageId; readonly kind: 'delivered' | 'played' }[]>;
  /** Records that the server acknowledged a receipt. */
  receiptSent(messageId: MessageId, kind: 'delivered' | 'played'): Promise<void>;
}

/** A binary message socket that the transport opened. */
export interface Socket {
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Closes the socket (idempotent). */
  close(code?: number, reason?: string): void;
}

/** What a socket reports. */
export interface SocketListener {
  /** One binary message arrived. */
  message(data: Uint8Array): void;
  /** The socket closed (by either side, or failed). */
  closed(code: number, reason: string): void;
}

/** Opens binary message sockets (WebSocket in both runtimes). */
export interface Transport {
  /** Opens a socket to a `ws:`/`wss:` URL; resolves once it is open, rejects if it cannot open. */
  open(url: string, listener: SocketListener): Promise<Socket>;
}

/** A scheduled callback that can be cancelled. */
export interface Timer {
  /** Cancels the callback if it has not run (idempotent). */
  cancel(): void;
}

/** Time: the wall clock and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimer(ms: number, callback: () => void): Timer;
}

/** Randomness for ids and jitter (message keys come from libsodium). */
export interface Random {
  /** `length` cryptographically random bytes. */
  bytes(length: number): Uint8Array;
  /** A uniform number in [0, 1) (backoff jitter). */
  unit(): number;
}

/** Everything the engine is built on. */
export interface Ports {
  readonly keyStore: KeyStore;
  readonly contacts: Contacts;
  readonly outbox: Outbox;
  readonly inbox: Inbox;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
}
