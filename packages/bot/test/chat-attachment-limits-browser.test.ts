// Files dropped on the chat or pasted into the message box are checked before anything is uploaded:
// what is too big or of the wrong kind is refused with the reason, the rest waits, removable, with
// the limits in view.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { suiteBrowser } from './helpers/browser.ts';
import { signedInBot } from './helpers/signed-in-bot.ts';
import { PHONE, snap } from './helpers/screenshots.ts';

describe('attachments dropped or pasted into the chat', () => {
  // A provider is set (its key is never used): the chat shows a conversation, not "not configured".
  const bot = signedInBot({ setup: ['--provider', 'anthropic', '--api-key', 'sk-ant-unused'] });
  const chromium = suiteBrowser();

  test('too big or not a picture/PDF is refused with the reason before upload; the rest waits', async () => {
    const page = await chromium.signedInPage(bot, { viewport: PHONE });
    const sent: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await page.goto(`${bot.url}/fluxy/`);
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });

    // A drop of a 21 MB picture and a small PDF on the conversation.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(21 * 1024 * 1024)], 'huge.png', { type: 'image/png' }));
      dt.items.add(new File(['%PDF-1.4 small'], 'plan.pdf', { type: 'application/pdf' }));
      document.querySelector('.messages').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    const files = page.getByRole('list', { name: 'Files to send' });
    await files.getByText('plan.pdf').waitFor();
    await page.getByRole('alert').filter({ hasText: 'huge.png is 21.0 MB; files can be up to 20 MB.' }).waitFor();
    assert.equal(await files.getByText('huge.png').count(), 0);
    await page.locator('.tray').getByText('Pictures and PDFs, up to 20 MB each.').waitFor();

    // A paste of a text file into the message box.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['notes'], 'notes.txt', { type: 'text/plain' }));
      document.querySelector('textarea').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    })()`);
    await page.getByRole('alert').filter({ hasText: 'notes.txt is not a picture or a PDF.' }).waitFor();
    await snap(page, 'chat-attachment-refused-phone');

    await page.getByRole('button', { name: 'Remove plan.pdf' }).click();
    await files.waitFor({ state: 'detached' });
    assert.ok(!sent.some((f) => f.includes('user:message')), 'nothing was uploaded');
    await page.context().close();
  });
});
