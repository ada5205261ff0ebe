// `npm run bench`: runs every benchmark in bench/ one after another and prints one JSON object
// holding each one's figures under its name. A benchmark is a bench/*.ts script that reports
// through lib.ts's `report()` (helpers such as lib.ts or a baseline server are not run).
// `npm run bench -- encoder` runs only the named ones.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './lib';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `report(` called, not defined: what marks a script as a benchmark. */
const REPORTS = /^(?!.*\bfunction\s+report\b).*\breport\(/m;

const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .filter((file) => only.length === 0 || only.includes(path.basename(file, '.ts')))
  .filter((file) => REPORTS.test(readFileSync(path.join(here, file), 'utf8')))
  .sort();

const results: Record<string, unknown> = {};
let failed = false;
for (const file of benches) {
  const name = path.basename(file, '.ts');
  process.stderr.write(`bench: running ${name}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  try {
    if (run.status !== 0) throw new Error(`exited with ${String(run.status ?? run.signal)}`);
    results[name] = JSON.parse(run.stdout) as unknown;
  } catch (error) {
    failed = true;
    results[name] = { error: error instanceof Error ? error.message : String(error) };
  }
}
report(results);
if (failed) process.exitCode = 1;
