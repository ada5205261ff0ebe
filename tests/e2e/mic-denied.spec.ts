import { TONE_440 } from '../fixtures/signals';
import { expect, microphone, test } from './test';

// No fake-UI flag and no permission granted: headless Chromium refuses the microphone.
test.use(microphone(TONE_440.file, { grantMicrophone: false }));

test('a denied microphone explains what to do', async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Check microphone' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Microphone blocked');
  await expect(alert).toContainText('allow it in the site settings');
  await expect(page.getByRole('meter', { name: 'Input level' })).toHaveAttribute('data-active', 'false');
});
