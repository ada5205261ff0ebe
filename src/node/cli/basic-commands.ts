// The small commands: init, invite, add, contacts, mark-played (play), forget-server.
import { writeFileSync } from 'node:fs';
import { createIdentity } from '../../client/identity';
import { serverOrigin } from '../../client/connection';
import { safetyNumber } from '../../shared/crypto/identity';
import { sodiumReady } from '../../shared/crypto/sodium';
import { toHex } from '../../shared/protocol';
import { nodeClock } from '../client/node-runtime';
import {
  CONNECT_TIMEOUT_MS,
  connectionFailure,
  findContact,
  delay,
  findReceived,
  openCliProfile,
  seconds,
  withEngine,
  type GlobalOptions,
  type Output,
} from './context';
import { CliError } from './errors';

/** `sotto init --name <name>`: creates this device's identity. */
export async function init(name: string, global: GlobalOptions, output: Output): Promise<void> {
  const profile = openCliProfile();
  try {
    const identity = await createIdentity(profile.ports.keyStore, name, nodeClock);
    output.out(`Created identity "${identity.name}" in ${profile.dir}`);
    output.out(`Device key: ${toHex(identity.keyPair.publicKey)}`);
    output.out(
      `Share your invite (sotto invite --server ${serverOrigin(global.server)}) with the people you talk to.`,
    );
  } finally {
    profile.close();
  }
}

/** `sotto invite`: prints the invite link alone on its line. */
export async function invite(global: GlobalOptions, output: Output): Promise<void> {
  await withEngine(global, (engine) => {
    output.out(engine.inviteLink());
    return Promise.resolve();
  });
}

/** `sotto add <invite>`: adds a contact (their 1:1 conversation is created on the server at the next connect). */
export async function add(
  code: string,
  name: string | undefined,
  global: GlobalOptions,
  output: Output,
): Promise<void> {
  await withEngine(global, async (engine) => {
    const contact = await engine.addContact(code, name);
    output.out(`Added ${contact.name} (${toHex(contact.deviceKey).slice(0, 16)}…)`);
    output.out(`Safety number: ${safetyNumber(engine.deviceKey, contact.deviceKey)}`);
    output.out('Compare it with theirs (in person or on a call) to be sure nobody is in between.');
  });
}

/** `sotto group <name> <contact>…`: creates a group conversation (on the server at the next connect). */
export async function group(
  name: string,
  members: readonly string[],
  global: GlobalOptions,
  output: Output,
): Promise<void> {
  await withEngine(global, async (engine) => {
    const contactsFound = await Promise.all(members.map((member) => findContact(engine, member)));
    const created = await engine.createGroup(
      name,
      contactsFound.map((contact) => contact.deviceKey),
    );
    output.out(`Created group "${name}" with ${contactsFound.map((contact) => contact.name).join(', ')}`);
    output.out(`Send to it with: sotto send --to "${name}" <file>  (${toHex(created.id)})`);
  });
}

/** `sotto contacts`: contacts and message requests with safety numbers. */
export async function contacts(global: GlobalOptions, output: Output): Promise<void> {
  await withEngine(global, async (engine) => {
    const list = await engine.contacts();
    if (list.length === 0) output.out('No contacts yet. Add one: sotto add <invite>');
    for (const contact of list) {
      const tag = contact.status === 'request' ? ' [request: sotto add their invite to accept]' : '';
      output.out(`${contact.name}  ${toHex(contact.deviceKey)}${tag}`);
      output.out(`  safety number: ${safetyNumber(engine.deviceKey, contact.deviceKey)}`);
    }
  });
}

/** `sotto play <id>` / `sotto mark-played <id>`: marks a received message played and sends the receipt. */
export async function markPlayed(
  query: string,
  out: string | undefined,
  global: GlobalOptions,
  output: Output,
): Promise<void> {
  await withEngine(global, async (engine) => {
    const message = await findReceived(engine, query);
    if (out !== undefined) writeFileSync(out, message.audio);
    engine.start();
    await engine.markPlayed(message.messageId);
    const failure = connectionFailure(engine);
    const settled = await Promise.race([
      engine.idle().then(() => true),
      delay(CONNECT_TIMEOUT_MS, false),
      global.interrupted.then(() => false),
      failure.promise,
    ]).finally(failure.stop);
    const id = toHex(message.messageId);
    output.out(
      `played ${id} (${seconds(message.metadata.durationMs)})${out === undefined ? '' : ` → ${out}`}`,
    );
    if (!settled) {
      output.err('The server is unreachable; the played receipt will be sent next time Sotto connects.');
    }
  });
}

/** `sotto forget-server`: removes the pinned key of --server (after checking its new key with the operator). */
export async function forgetServer(global: GlobalOptions, output: Output): Promise<void> {
  await sodiumReady();
  const profile = openCliProfile();
  try {
    const origin = serverOrigin(global.server);
    if (!profile.keyStore.forgetServer(origin)) {
      throw new CliError('NOT_PINNED', `No key is pinned for ${origin}; nothing changed.`);
    }
    output.out(`Forgot the key of ${origin}; the next connection pins the key it presents.`);
  } finally {
    profile.close();
  }
}
