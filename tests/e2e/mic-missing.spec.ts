// Without a fake device, Chromium on this headless machine finds no audio input: the app must say so.
import { chromiumArgs, chromiumPath } from './chromium';
import { expect, test } from './test';

// Permission granted, but no fake device: this machine has no microphone at all.
test.use({
  launchOptions: {
    executablePath: chromiumPath(),
    args: chromiumArgs().filter((arg) => arg !== '--use-fake-device-for-media-stream'),
  },
});

test('a missing microphone says to connect one', async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Check microphone' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('No microphone found');
  await expect(alert).toContainText('connect one');
});
