// Finds the Chromium the end-to-end tests drive, installing one when the machine has none.
// Browsers are never downloaded by Playwright here (no internet); Debian's package is used instead.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Chromium binaries in Playwright's own cache (`npx playwright install chromium`), newest first. */
function playwrightCacheBrowsers(): string[] {
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH ?? path.join(os.homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return [];
  return readdirSync(cache)
    .filter((name) => name.startsWith('chromium-'))
    .sort()
    .reverse()
    .flatMap((name) =>
      ['chrome-linux64/chrome', 'chrome-linux/chrome'].map((bin) => path.join(cache, name, bin)),
    )
    .filter((bin) => existsSync(bin));
}

function locate(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  return playwrightCacheBrowsers()[0];
}

function install(): void {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    process.stderr.write('No Chromium found: installing Debian chromium with apt-get (root)…\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  } else {
    process.stderr.write('No Chromium found: running `npx playwright install chromium`…\n');
    execFileSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
  }
}

/**
 * `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, else Playwright's cache; when none exists,
 * installs one and says so.
 */
export function chromiumPath(): string {
  const found = locate();
  if (found !== undefined) return found;
  install();
  const installed = locate();
  if (installed === undefined) throw new Error('Chromium installation finished but no browser was found');
  return installed;
}

/** Launch flags of DESIGN.md §10; the fake microphone plays `wavPath` (absolute, 16-bit). */
export function chromiumArgs(wavPath?: string, { grantMicrophone = true } = {}): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-device-for-media-stream',
    ...(grantMicrophone ? ['--use-fake-ui-for-media-stream'] : []),
    ...(wavPath === undefined ? [] : [`--use-file-for-fake-audio-capture=${wavPath}`]),
  ];
}
