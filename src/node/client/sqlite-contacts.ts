// The Contacts port on the profile database.
import type Database from 'better-sqlite3';
import type { Contact, Contacts, Conversation } from '../../client/ports';
import {
  DEVICE_KEY_BYTES,
  asConversationId,
  asDeviceKey,
  type ConversationId,
  type DeviceKey,
} from '../../shared/protocol';
import { attempt } from './attempt';
import { blob } from './sqlite-db';

interface ContactRow {
  device_key: Buffer;
  name: string;
  status: 'contact' | 'request';
  conversation_id: Buffer;
  added_ms: number;
}

interface ConversationRow {
  id: Buffer;
  kind: 'direct' | 'group';
  title: string;
  members: Buffer;
  on_server: number;
}

function contactFromRow(row: ContactRow): Contact {
  return {
    deviceKey: asDeviceKey(blob(row.device_key)),
    name: row.name,
    status: row.status,
    conversationId: asConversationId(blob(row.conversation_id)),
    addedAtMs: row.added_ms,
  };
}

function conversationFromRow(row: ConversationRow): Conversation {
  const bytes = blob(row.members);
  const members: DeviceKey[] = [];
  for (let offset = 0; offset < bytes.length; offset += DEVICE_KEY_BYTES) {
    members.push(asDeviceKey(bytes.slice(offset, offset + DEVICE_KEY_BYTES)));
  }
  return {
    id: asConversationId(blob(row.id)),
    kind: row.kind,
    title: row.title,
    members,
    onServer: row.on_server === 1,
  };
}

/** Contacts in SQLite. */
export class SqliteContacts implements Contacts {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  listContacts(): Promise<Contact[]> {
    return attempt(() =>
      (this.#db.prepare('SELECT * FROM contacts ORDER BY added_ms, rowid').all() as ContactRow[]).map(
        contactFromRow,
      ),
    );
  }

  getContact(deviceKey: DeviceKey): Promise<Contact | null> {
    return attempt(() => {
      const row = this.#db.prepare('SELECT * FROM contacts WHERE device_key = ?').get(deviceKey) as
        ContactRow | undefined;
      return row === undefined ? null : contactFromRow(row);
    });
  }

  putContact(contact: Contact): Promise<void> {
    return attempt(() => {
      this.#db
        .prepare(
          `INSERT INTO contacts (device_key, name, status, conversation_id, added_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (device_key) DO UPDATE SET name = excluded.name, status = excluded.status,
             conversation_id = excluded.conversation_id, added_ms = excluded.added_ms`,
        )
        .run(contact.deviceKey, contact.name, contact.status, contact.conversationId, contact.addedAtMs);
    });
  }

  listConversations(): Promise<Conversation[]> {
    return attempt(() =>
      (this.#db.prepare('SELECT * FROM conversations ORDER BY rowid').all() as ConversationRow[]).map(
        conversationFromRow,
      ),
    );
  }

  getConversation(id: ConversationId): Promise<Conversation | null> {
    return attempt(() => {
      const row = this.#db.prepare('SELECT * FROM conversations WHERE id = ?').get(id) as
        ConversationRow | undefined;
      return row === undefined ? null : conversationFromRow(row);
    });
  }

  putConversation(conversation: Conversation): Promise<void> {
    return attempt(() => {
      const members = Buffer.concat(conversation.members.map((member) => Buffer.from(member)));
      this.#db
        .prepare(
          `INSERT INTO conversations (id, kind, title, members, on_server) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
             members = excluded.members, on_server = excluded.on_server`,
        )
        .run(conversation.id, conversation.kind, conversation.title, members, conversation.onServer ? 1 : 0);
    });
  }
}
