// Running the native audio tools (opus-tools, ffmpeg) from tests. Missing tools fail, never skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a finished tool run printed and returned. */
export interface ToolResult {
  /** Exit code (null if killed by a signal). */
  readonly status: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Debian package that provides each tool, for the install hint. */
const PACKAGE_OF: Readonly<Record<string, string>> = {
  opusinfo: 'opus-tools',
  opusenc: 'opus-tools',
  opusdec: 'opus-tools',
  ffmpeg: 'ffmpeg',
};

/** Runs a tool to completion; throws an install hint (`apt-get install …`) if it is not installed. */
export function runTool(command: string, args: readonly string[]): ToolResult {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing) {
      const pkg = PACKAGE_OF[command] ?? command;
      throw new Error(`${command} is not installed; this test needs it: apt-get install ${pkg}`);
    }
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a tool and throws with its output unless it exits with 0. */
export function runToolOk(command: string, args: readonly string[]): ToolResult {
  const result = runTool(command, args);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

/** Throws the install hint now if any of the tools is missing (call it in `beforeAll`). */
export function requireTools(...commands: readonly string[]): void {
  for (const command of commands) {
    const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(
        `${command} is not installed; this test needs it: apt-get install ${PACKAGE_OF[command] ?? command}`,
      );
    }
  }
}

/** Lines of opusinfo's output that report a problem ("WARNING" / "ERROR"). */
export function opusinfoProblems(result: ToolResult): string[] {
  return `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /WARNING|ERROR/.test(line));
}

/** A fresh temporary directory and a function that removes it. */
export function makeTempDir(prefix = 'sotto-audio-'): {
  readonly dir: string;
  readonly path: (name: string) => string;
  readonly remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
