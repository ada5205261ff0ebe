// Running the real `sotto` CLI as child processes, each with its own profile directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'src', 'node', 'cli', 'main.ts');

/** What a finished CLI run printed. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects if the process exits first). */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  /** Resolves when the process exits. */
  readonly done: Promise<CliResult>;
}

/** One CLI identity: a profile directory and the server it talks to. */
export class CliUser {
  readonly home: string;

  constructor(
    readonly name: string,
    public server: string,
  ) {
    this.home = mkdtempSync(path.join(os.tmpdir(), `sotto-cli-${name}-`));
  }

  /** Starts `sotto <args…> --server <url>` and returns the running process. */
  spawn(args: readonly string[]): CliProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args, '--server', this.server], {
      cwd: ROOT,
      env: { ...process.env, SOTTO_HOME: this.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const waiters: { pattern: RegExp; resolve(match: RegExpExecArray): void; reject(error: Error): void }[] =
      [];
    const check = (): void => {
      for (const waiter of [...waiters]) {
        const match = waiter.pattern.exec(stdout);
        if (match !== null) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    };
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      check();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const done = new Promise<CliResult>((resolve) => {
      child.once('close', (code) => {
        for (const waiter of waiters.splice(0)) {
          waiter.reject(
            new Error(
              `sotto ${args.join(' ')} exited (${String(code)}) before ${String(waiter.pattern)}:\n${stdout}${stderr}`,
            ),
          );
        }
        resolve({ code, stdout, stderr });
      });
    });
    return {
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      line: (pattern) =>
        new Promise((resolve, reject) => {
          waiters.push({ pattern, resolve, reject });
          check();
        }),
      done,
    };
  }

  /** Runs `sotto <args…>` to completion. */
  run(args: readonly string[]): Promise<CliResult> {
    return this.spawn(args).done;
  }

  /** Runs and throws with the output unless the exit code is 0. */
  async ok(args: readonly string[]): Promise<string> {
    const result = await this.run(args);
    if (result.code !== 0) {
      throw new Error(
        `sotto ${args.join(' ')} exited with ${String(result.code)}:\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Deletes the profile. */
  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Creates two identities that have added each other (init, invite, add — in parallel where possible). */
export async function befriendedPair(server: string, a = 'alice', b = 'bob'): Promise<[CliUser, CliUser]> {
  const first = new CliUser(a, server);
  const second = new CliUser(b, server);
  await Promise.all([first.ok(['init', '--name', a]), second.ok(['init', '--name', b])]);
  const [inviteA, inviteB] = await Promise.all([first.ok(['invite']), second.ok(['invite'])]);
  const link = (text: string): string => {
    const line = text.split('\n').find((candidate) => candidate.includes('/#/invite/'));
    if (line === undefined) throw new Error(`no invite link in: ${text}`);
    return line.trim();
  };
  await Promise.all([first.ok(['add', link(inviteB)]), second.ok(['add', link(inviteA)])]);
  return [first, second];
}
