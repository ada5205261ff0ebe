// What the CLI tells people when something fails: one sentence and what to do, never a stack trace.
import { ClientError } from '../../client/errors';
import { IdentityError } from '../../shared/crypto/identity';
import { MediaFormatError } from '../../shared/media';
import { ProtocolError } from '../../shared/protocol';
import { KeyStoreError } from '../client/file-key-store';
import { WavError } from '../audio/wav';

/** Exit code for a failed command. */
export const EXIT_FAILURE = 1;
/** Exit code for a command line that cannot be understood. */
export const EXIT_USAGE = 2;

/** A command line the CLI cannot act on; `command` names the help to point at. */
export class UsageError extends Error {
  /** Stable code. */
  readonly code = 'USAGE';
  /** The command whose --help explains the fix (null for the top level). */
  readonly command: string | null;

  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** A failure the CLI itself detects and words for people (file missing, nothing to do). */
export class CliError extends Error {
  /** Stable code. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** The sentence to print for an error, and the exit code. */
export function describeError(error: unknown, profile: string): { message: string; exitCode: number } {
  if (error instanceof UsageError) {
    const help = error.command === null ? 'sotto --help' : `sotto ${error.command} --help`;
    return { message: `${error.message}\nSee: ${help}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof ClientError) {
    switch (error.code) {
      case 'NOT_INITIALIZED':
        return {
          message: `No identity in ${profile} yet. Create one: sotto init --name <your name>`,
          exitCode: 1,
        };
      case 'ALREADY_INITIALIZED':
        return { message: `${profile} already has an identity; nothing changed.`, exitCode: 1 };
      case 'SERVER_KEY_CHANGED':
        return {
          message: `${error.message}\nIf you trust the new key (ask the operator), run: sotto forget-server --server <url>`,
          exitCode: 1,
        };
      default:
        return { message: `${error.message}.`, exitCode: 1 };
    }
  }
  if (error instanceof CliError || error instanceof KeyStoreError || error instanceof IdentityError) {
    return { message: error.message, exitCode: 1 };
  }
  if (error instanceof WavError || error instanceof MediaFormatError) {
    return { message: `Cannot read the audio file: ${error.message}.`, exitCode: 1 };
  }
  if (error instanceof ProtocolError) {
    return { message: `The server refused: ${error.message} (${error.code}).`, exitCode: 1 };
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    const file = (error as NodeJS.ErrnoException).path ?? 'a file';
    return { message: `Cannot open ${file} (${code}).`, exitCode: 1 };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { message: `Unexpected error: ${detail}`, exitCode: 1 };
}
