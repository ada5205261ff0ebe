// The command table: each command's usage, help text, options and what it runs.
import type { ParseArgsConfig } from 'node:util';
import { add, contacts, forgetServer, group, init, invite, markPlayed } from './basic-commands';
import type { GlobalOptions, Output } from './context';
import { UsageError } from './errors';
import { listen } from './listen';
import { deleteMessage, retry } from './outbox-commands';
import { send } from './send';
import { status } from './status';

/** Parsed options of one command line. */
export type Values = Record<string, string | boolean | undefined>;

/** What a command needs to run. */
export interface Invocation {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly global: GlobalOptions;
  readonly output: Output;
  /** Resolves on Ctrl-C / SIGTERM. */
  readonly interrupted: Promise<void>;
}

/** One command. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Extra lines for `--help`. */
  readonly details: readonly string[];
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Allowed number of positional arguments. */
  readonly positionals: readonly [min: number, max: number];
  run(invocation: Invocation): Promise<number>;
}

const text = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

const required = (values: Values, name: string, command: string): string => {
  const value = text(values, name);
  if (value === undefined || value === '') throw new UsageError(`${command} needs --${name}`, command);
  return value;
};

const first = (invocation: Invocation): string => invocation.positionals[0] ?? '';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'init',
    usage: 'sotto init --name <name>',
    summary: "create this device's identity (key pair and display name)",
    details: ['The profile lives in $SOTTO_HOME (default ~/.sotto); the key file is readable by you only.'],
    options: { name: { type: 'string' } },
    positionals: [0, 0],
    async run(i) {
      await init(required(i.values, 'name', 'init'), i.global, i.output);
      return 0;
    },
  },
  {
    name: 'invite',
    usage: 'sotto invite',
    summary: 'print your invite link (give it to people so they can add you)',
    details: ['The link is printed alone on its line: <server>/#/invite/<code>.'],
    options: {},
    positionals: [0, 0],
    async run(i) {
      await invite(i.global, i.output);
      return 0;
    },
  },
  {
    name: 'add',
    usage: 'sotto add <invite link or code> [--name <name>]',
    summary: 'add a contact from their invite (also accepts a message request)',
    details: ['--name overrides the name the invite carries. Prints the safety number to compare.'],
    options: { name: { type: 'string' } },
    positionals: [1, 1],
    async run(i) {
      await add(first(i), text(i.values, 'name'), i.global, i.output);
      return 0;
    },
  },
  {
    name: 'group',
    usage: 'sotto group <name> <contact> [<contact>…]',
    summary: 'create a group with some of your contacts (send to it with --to <name>)',
    details: ['The group name stays on this device; the server only sees the member keys.'],
    options: {},
    positionals: [2, 256],
    async run(i) {
      const [name = '', ...members] = i.positionals;
      await group(name, members, i.global, i.output);
      return 0;
    },
  },
  {
    name: 'contacts',
    usage: 'sotto contacts',
    summary: 'list contacts and message requests with their safety numbers',
    details: [],
    options: {},
    positionals: [0, 0],
    async run(i) {
      await contacts(i.global, i.output);
      return 0;
    },
  },
  {
    name: 'send',
    usage: 'sotto send --to <contact> <file.wav|file.opus> [--save <copy.opus>] [--progress]',
    summary: 'send a voice message from a WAV or Ogg Opus file',
    details: [
      'A WAV file (PCM or float, any rate and channel count) is encoded like the web app records:',
      'Opus, 48 kHz mono, 24 kbit/s, VOIP, 20 ms frames, in ~1 s chunks uploaded while encoding.',
      'An .opus file is sent as it is. --to takes a contact name or the start of their key.',
      '--save also writes the encoded stream; --progress prints a line per acknowledged chunk.',
      'If the server goes away, send waits and resumes from the last acknowledged chunk; if send',
      'itself is stopped after encoding, the next sotto send, listen or status finishes the upload.',
    ],
    options: { to: { type: 'string' }, save: { type: 'string' }, progress: { type: 'boolean' } },
    positionals: [1, 1],
    run(i) {
      const save = text(i.values, 'save');
      return send(
        {
          to: required(i.values, 'to', 'send'),
          file: first(i),
          progress: i.values.progress === true,
          ...(save === undefined ? {} : { save }),
        },
        i.global,
        i.output,
      );
    },
  },
  {
    name: 'listen',
    usage: 'sotto listen --out <dir> [--once | --count <n>]',
    summary: 'receive messages into <dir> as <id>.opus plus an <id>.json sidecar',
    details: [
      'Runs until Ctrl-C, or until --count messages (--once: one) have been written.',
      'The .opus file is exactly what the sender encoded; the .json file holds the sender,',
      'duration, waveform and times. Messages from people you have not added are marked as requests.',
    ],
    options: { out: { type: 'string' }, once: { type: 'boolean' }, count: { type: 'string' } },
    positionals: [0, 0],
    run(i) {
      const raw = text(i.values, 'count');
      let count: number | null = i.values.once === true ? 1 : null;
      if (raw !== undefined) {
        count = Number(raw);
        if (!Number.isInteger(count) || count < 1) {
          throw new UsageError('--count must be a positive integer', 'listen');
        }
      }
      return listen(
        { out: required(i.values, 'out', 'listen'), count, interrupted: i.interrupted },
        i.global,
        i.output,
      );
    },
  },
  {
    name: 'status',
    usage: 'sotto status [--offline]',
    summary: 'list outgoing messages and their state (uploading, sent, delivered, played, failed)',
    details: ['Syncs with the server first so receipts are current; --offline shows local state only.'],
    options: { offline: { type: 'boolean' } },
    positionals: [0, 0],
    run(i) {
      return status(i.values.offline === true, i.global, i.output);
    },
  },
  {
    name: 'play',
    usage: 'sotto play <message id> [--out <file.opus>]',
    summary: 'mark a received message played (the sender sees "played"); --out writes its audio',
    details: ['The id is the one listen printed (or a unique start of it).'],
    options: { out: { type: 'string' } },
    positionals: [1, 1],
    async run(i) {
      await markPlayed(first(i), text(i.values, 'out'), i.global, i.output);
      return 0;
    },
  },
  {
    name: 'mark-played',
    usage: 'sotto mark-played <message id>',
    summary: 'the same as play, without writing the audio',
    details: [],
    options: {},
    positionals: [1, 1],
    async run(i) {
      await markPlayed(first(i), undefined, i.global, i.output);
      return 0;
    },
  },
  {
    name: 'retry',
    usage: 'sotto retry <message id>',
    summary: 'try a failed outgoing message again',
    details: ['It resumes from the last chunk the server acknowledged; nothing is encrypted again.'],
    options: {},
    positionals: [1, 1],
    run(i) {
      return retry(first(i), i.global, i.output);
    },
  },
  {
    name: 'delete',
    usage: 'sotto delete <message id>',
    summary: 'delete an outgoing message (a failed or interrupted one is cancelled on the server)',
    details: [],
    options: {},
    positionals: [1, 1],
    async run(i) {
      await deleteMessage(first(i), i.global, i.output);
      return 0;
    },
  },
  {
    name: 'forget-server',
    usage: 'sotto forget-server --server <url>',
    summary: "forget a server's pinned key (only after its operator confirmed a new key)",
    details: [],
    options: {},
    positionals: [0, 0],
    async run(i) {
      await forgetServer(i.global, i.output);
      return 0;
    },
  },
];
