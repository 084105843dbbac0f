// The sandbox page: a test partner sees its widget through the real snippet, and the snippet to copy.
import { expect, test } from '@playwright/test';
import { createPartner, OKNO_URL, PARTNER_URL } from './okno';

test('the sandbox page embeds the widget through the snippet it shows', async ({ page }) => {
  const partner = createPartner('Sandbox shop', [PARTNER_URL]);
  const key = partner.publishable_key_test;
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

  await page.goto(`${OKNO_URL}/sandbox/${key}`);
  await expect(page.getByTestId('snippet')).toHaveText(
    `<script src="${OKNO_URL}/embed.js" data-okno-key="${key}" async></script>`,
  );
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await expect(widget.getByTestId('service')).toHaveCount(15);
  await expect(page.locator(`iframe[data-okno-frame="${key}"]`)).toHaveAttribute('data-okno-ready', '');
  expect(errors).toEqual([]);
});

test('the sandbox refuses live keys', async ({ page }) => {
  const partner = createPartner('Live shop', [PARTNER_URL]);
  const response = await page.goto(`${OKNO_URL}/sandbox/${partner.publishable_key_live}`);
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'sandbox_needs_test_key');
});

test('the sandbox page lists the test citizens and sets faults through its form', async ({ page }) => {
  const partner = createPartner('Faults shop', [PARTNER_URL]);
  await page.goto(`${OKNO_URL}/sandbox/${partner.publishable_key_test}`);
  await expect(page.getByTestId('test-citizen')).toHaveCount(4);
  await expect(page.getByTestId('triggers')).toContainText('Отказов');
  await expect(page.getByTestId('fault-status')).toHaveText('Сбоев нет.');

  // A harmless fault (other tests share this sandbox): 1 ms of latency, then back to none.
  await page.getByLabel('Задержка ответа, мс').fill('1');
  await page.getByTestId('set-faults').click();
  await expect(page.getByTestId('fault-status')).toHaveText('Задержка 1 мс, доля ошибок 0%.');
  await page.getByLabel('Задержка ответа, мс').fill('0');
  await page.getByTestId('set-faults').click();
  await expect(page.getByTestId('fault-status')).toHaveText('Сбоев нет.');
});
