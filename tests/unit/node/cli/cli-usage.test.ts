// The command line itself: help for every command, clear errors without stack traces, bin/sotto.js,
// and a loud refusal when the server's key changes.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../../src/node/cli/commands';
import { main } from '../../../../src/node/cli/main';
import { CliUser } from '../../../helpers/cli';
import { startServer, type TestServer } from '../../../helpers/server';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bin/sotto.js');

function runBin(
  args: readonly string[],
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SOTTO_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const noStackTrace = (text: string): void => {
  expect(text).not.toMatch(/^\s+at /m);
};

describe('sotto command line', () => {
  let server: TestServer;
  let user: CliUser;

  beforeAll(async () => {
    server = await startServer();
    user = new CliUser('carol', server.url);
  });
  afterAll(async () => {
    await server.dispose();
    user.dispose();
  });

  it('documents every command (bin/sotto.js for the top level)', async () => {
    const top = await runBin(['--help'], user.home);
    expect(top.code).toBe(0);
    for (const command of COMMANDS) expect(top.stdout).toContain(`  ${command.name} `);
    for (const command of COMMANDS) {
      const lines: string[] = [];
      const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
      expect(await main([command.name, '--help'], output, new Promise(() => undefined))).toBe(0);
      expect(lines.join('\n')).toContain(`Usage: sotto ${command.name}`);
      expect(lines.join('\n')).toContain('--server <url>');
    }
  }, 60_000);

  it('explains mistakes in a sentence, with exit code 2 for usage and 1 for failures', async () => {
    const [unknown, missing, noIdentity, badOption] = await Promise.all([
      user.run(['frobnicate']),
      user.run(['send', 'file.wav']),
      user.run(['invite']),
      user.run(['status', '--bogus']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('send needs --to');
    expect(noIdentity.code).toBe(1);
    expect(noIdentity.stderr).toContain('No identity in');
    expect(noIdentity.stderr).toContain('sotto init --name');
    expect(badOption.code).toBe(2);
    for (const result of [unknown, missing, noIdentity, badOption]) noStackTrace(result.stderr);
  }, 60_000);

  it('refuses a server whose key changed since first contact, loudly', async () => {
    await user.ok(['init', '--name', 'carol']);
    await user.ok(['status']);
    const pins = path.join(user.home, 'servers.json');
    const pinned = JSON.parse(readFileSync(pins, 'utf8')) as Record<string, string>;
    for (const origin of Object.keys(pinned)) pinned[origin] = 'ab'.repeat(32);
    writeFileSync(pins, JSON.stringify(pinned), { mode: 0o600 });
    const refused = await user.run(['status']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('different identity key');
    expect(refused.stderr).toContain('sotto forget-server');
    noStackTrace(refused.stderr);
    await user.ok(['forget-server']);
    await user.ok(['status']);
  }, 60_000);
});
