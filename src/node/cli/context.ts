// What the commands share: the profile, the engine, recipients and message ids by prefix, formatting.
import os from 'node:os';
import { Engine } from '../../client/engine';
import type { Contact, Conversation, InboxMessage } from '../../client/ports';
import { sameBytes, toHex, type DeviceKey } from '../../shared/protocol';
import { openProfile, profileDir, type Profile } from '../client/profile';
import { VERSION } from '../server/version';
import { CliError } from './errors';

/** How long a command waits for the server before settling for local state. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** The server when --server is not given. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** Options every command has. */
export interface GlobalOptions {
  /** Server URL. */
  readonly server: string;
  /** Resolves on the first Ctrl-C / SIGTERM: commands stop waiting and leave the work stored. */
  readonly interrupted: Promise<void>;
}

/** Where a command writes: stdout for results, stderr for progress and notes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Opens the profile (creating its directory) from SOTTO_HOME or ~/.sotto. */
export function openCliProfile(): Profile {
  return openProfile(profileDir());
}

/** Opens the engine for the profile and server (not started). */
export function openEngine(profile: Profile, options: GlobalOptions): Promise<Engine> {
  return Engine.open(profile.ports, {
    server: options.server,
    deviceName: `sotto CLI on ${os.hostname()}`,
    clientVersion: `cli/${VERSION}`,
  });
}

/** Runs `work` with an open profile and engine; stops and closes both afterwards. */
export async function withEngine<T>(
  options: GlobalOptions,
  work: (engine: Engine, profile: Profile) => Promise<T>,
): Promise<T> {
  const profile = openCliProfile();
  try {
    const engine = await openEngine(profile, options);
    try {
      return await work(engine, profile);
    } finally {
      await engine.stop();
    }
  } finally {
    profile.close();
  }
}

/** Resolves after `ms`, with `value`. */
export function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) =>
    setTimeout(() => {
      resolve(value);
    }, ms).unref(),
  );
}

/** Finds a contact by name (case-insensitive) or by a hex prefix of its key (at least 4 digits). */
export async function findContact(engine: Engine, query: string): Promise<Contact> {
  const contacts = await engine.contacts();
  const lower = query.toLowerCase();
  const byName = contacts.filter((contact) => contact.name.toLowerCase() === lower);
  const byKey = /^[0-9a-f]{4,64}$/i.test(query)
    ? contacts.filter((contact) => toHex(contact.deviceKey).startsWith(lower))
    : [];
  const matches = byName.length > 0 ? byName : byKey;
  const [match, second] = matches;
  if (match === undefined) {
    const known = contacts.map((contact) => contact.name).join(', ');
    throw new CliError(
      'UNKNOWN_CONTACT',
      `No contact "${query}". ${known === '' ? 'Add one first: sotto add <invite>' : `Known: ${known}`}`,
    );
  }
  if (second !== undefined) {
    throw new CliError('AMBIGUOUS_CONTACT', `"${query}" matches several contacts; use more of the key.`);
  }
  return match;
}

/** Where `send --to` goes: a contact's 1:1 conversation, or a group by its name. */
export async function findRecipient(
  engine: Engine,
  query: string,
): Promise<{ name: string; conversationId: Conversation['id'] }> {
  const group = (await engine.conversations()).filter(
    (conversation) =>
      conversation.kind === 'group' && conversation.title.toLowerCase() === query.toLowerCase(),
  );
  const [match, second] = group;
  if (match !== undefined) {
    if (second !== undefined) {
      throw new CliError('AMBIGUOUS_CONTACT', `Several groups are called "${query}".`);
    }
    return { name: `group "${match.title}"`, conversationId: match.id };
  }
  const contact = await findContact(engine, query);
  return { name: contact.name, conversationId: contact.conversationId };
}

/** A received message by its hex id or a unique prefix of it. */
export async function findReceived(engine: Engine, query: string): Promise<InboxMessage> {
  const lower = query.toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(lower)) {
    throw new CliError('BAD_MESSAGE_ID', `"${query}" is not a message id (hex, as printed by sotto listen).`);
  }
  const matches = (await engine.inbox()).filter((message) => toHex(message.messageId).startsWith(lower));
  const [match, second] = matches;
  if (match === undefined) throw new CliError('UNKNOWN_MESSAGE', `No received message ${query}.`);
  if (second !== undefined) throw new CliError('AMBIGUOUS_MESSAGE', `"${query}" matches several messages.`);
  return match;
}

/** A person-readable name for a device key: the contact's name, else a key prefix. */
export function nameOf(contacts: readonly Contact[], key: DeviceKey): string {
  return (
    contacts.find((contact) => sameBytes(contact.deviceKey, key))?.name ?? `unknown ${toHex(key).slice(0, 8)}`
  );
}

/** Who a conversation is with, for lists. */
export function describeConversation(
  conversation: Conversation | undefined,
  contacts: readonly Contact[],
  me: DeviceKey,
): string {
  if (conversation === undefined) return 'unknown conversation';
  if (conversation.kind === 'group') return `group "${conversation.title}"`;
  const other = conversation.members.find((member) => !sameBytes(member, me));
  return other === undefined ? conversation.title : nameOf(contacts, other);
}

/** Seconds with one decimal: `3.0 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Rejects with the engine's error if the connection fails for good (e.g. SERVER_KEY_CHANGED). */
export function connectionFailure(engine: Engine): {
  readonly promise: Promise<never>;
  readonly stop: () => void;
} {
  let stop = (): void => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    const status = engine.status;
    if (status.type === 'failed') {
      reject(status.error);
      return;
    }
    stop = engine.on('connection', (next) => {
      if (next.type === 'failed') reject(next.error);
    });
  });
  // Callers race it; an unobserved rejection must not crash the process.
  promise.catch(() => undefined);
  return {
    promise,
    stop: () => {
      stop();
    },
  };
}
