import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Everything the client build reads; if any of it is newer than dist/index.html, rebuild. */
const CLIENT_INPUTS = [
  'index.html',
  'vite.config.ts',
  'package.json',
  'src/web',
  'src/client',
  'src/shared',
  'worklets',
  'public',
];

function newestMtimeMs(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtimeMs(path.join(entry, child)));
  return newest;
}

/** Runs `vite build` when the build in `root/dist` is missing or older than its inputs. */
export function buildIfStale(root: string): void {
  const built = path.join(root, 'dist', 'index.html');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const changedAt = Math.max(...CLIENT_INPUTS.map((entry) => newestMtimeMs(path.join(root, entry))));
  if (builtAt >= changedAt) return;
  process.stderr.write(
    builtAt === 0 ? 'No client build yet; building…\n' : 'Client build is stale; rebuilding…\n',
  );
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
