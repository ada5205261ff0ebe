// Contacts and conversations: invites in, conversations created on the server (idempotently).
import { decodeInvite } from '../shared/crypto/identity';
import {
  CONVERSATION_ID_BYTES,
  ProtocolError,
  asConversationId,
  sameBytes,
  type ConversationId,
  type ConversationsFrame,
  type DeviceKey,
} from '../shared/protocol';
import type { Session } from './connection';
import { directConversationId, othersIn, withMe } from './contacts';
import { ClientError } from './errors';
import type { Clock, Contact, Contacts, Conversation, Identity, Random } from './ports';

/** The address book's logic over the Contacts port. */
export class Directory {
  readonly #contacts: Contacts;
  readonly #identity: Identity;
  readonly #clock: Clock;
  readonly #random: Random;

  constructor(contacts: Contacts, identity: Identity, clock: Clock, random: Random) {
    this.#contacts = contacts;
    this.#identity = identity;
    this.#clock = clock;
    this.#random = random;
  }

  get #me(): Uint8Array {
    return this.#identity.keyPair.publicKey;
  }

  /** Adds a contact from an invite (accepting a pending request) and records its 1:1 conversation. */
  async addContact(invite: string, name?: string): Promise<Contact> {
    const decoded = decodeInvite(invite);
    if (sameBytes(decoded.publicKey, this.#me)) {
      throw new ClientError('INVALID_STATE', 'this is your own invite');
    }
    const conversationId = directConversationId(this.#identity.keyPair, decoded.publicKey);
    const existing = await this.#contacts.getContact(decoded.publicKey);
    const contact: Contact = {
      deviceKey: decoded.publicKey,
      name: name ?? decoded.name,
      status: 'contact',
      conversationId,
      addedAtMs: existing?.addedAtMs ?? this.#clock.now(),
    };
    await this.#contacts.putContact(contact);
    const conversation = await this.#contacts.getConversation(conversationId);
    await this.#contacts.putConversation({
      id: conversationId,
      kind: 'direct',
      title: contact.name,
      members: withMe([decoded.publicKey], this.#me),
      onServer: conversation?.onServer ?? false,
    });
    return contact;
  }

  /** Records a new group with these contacts (this device added); the server learns of it at `ensure`. */
  async createGroup(title: string, members: readonly DeviceKey[]): Promise<Conversation> {
    for (const member of members) {
      const contact = await this.#contacts.getContact(member);
      if (contact?.status !== 'contact') {
        throw new ClientError(
          'UNKNOWN_CONTACT',
          'a group can only hold your contacts: add them from their invite first',
        );
      }
    }
    const conversation: Conversation = {
      id: asConversationId(this.#random.bytes(CONVERSATION_ID_BYTES)),
      kind: 'group',
      title,
      members: withMe(members, this.#me),
      onServer: false,
    };
    await this.#contacts.putConversation(conversation);
    return conversation;
  }

  /** Creates every conversation the server does not know yet. */
  async ensureAll(session: Session): Promise<void> {
    for (const conversation of await this.#contacts.listConversations()) {
      if (!conversation.onServer) await this.ensure(session, conversation.id);
    }
  }

  /** Creates the conversation on the server unless it is known there (idempotent). */
  async ensure(session: Session, conversationId: ConversationId): Promise<void> {
    const conversation = await this.#contacts.getConversation(conversationId);
    if (conversation === null) throw new ClientError('UNKNOWN_CONTACT', 'no such conversation');
    if (conversation.onServer) return;
    let members = conversation.members;
    try {
      await session.rpc.request({
        type: 'createConversation',
        conversationId,
        members: othersIn(conversation.members, this.#me),
      });
    } catch (error) {
      // The other side may have created our 1:1 conversation first: fine if we are a member.
      if (!(error instanceof ProtocolError) || error.code !== 'ID_CONFLICT') throw error;
      const found = await this.#findOnServer(session, conversationId);
      if (found === null || !found.some((member) => sameBytes(member, this.#me))) throw error;
      members = found;
    }
    await this.#contacts.putConversation({ ...conversation, members, onServer: true });
  }

  async #findOnServer(
    session: Session,
    conversationId: ConversationId,
  ): Promise<readonly DeviceKey[] | null> {
    let after: ConversationId | null = null;
    for (;;) {
      const page: ConversationsFrame = await session.rpc.request({ type: 'listConversations', after });
      const found = page.conversations.find((c) => sameBytes(c.conversationId, conversationId));
      if (found !== undefined) return found.members;
      const last = page.conversations.at(-1);
      if (!page.hasMore || last === undefined) return null;
      after = last.conversationId;
    }
  }
}
