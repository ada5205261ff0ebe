// The e2e `test`: a fresh server per worker (each spec file gets its own worker when options differ)
// and a helper to choose the fake microphone's WAV for a file.
import { test as base } from '@playwright/test';
import { fixturePath } from '../fixtures/generate';
import { startServer, type TestServer } from '../helpers/server';
import { chromiumArgs, chromiumPath } from './chromium';

export const test = base.extend<object, { server: TestServer }>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form.
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],
});

/** Launch options that make the fake microphone play the given fixture file. */
export function microphone(file: string, options: { grantMicrophone?: boolean } = {}) {
  return {
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs(fixturePath(file), options) },
  };
}

export { expect } from '@playwright/test';
