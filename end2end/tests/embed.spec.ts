// The embed path end to end: snippet → iframe → server-rendered catalog → hydration → server function.
import { expect, test } from '@playwright/test';
import { createPartner, OKNO_URL, PARTNER_URL, revokeKey, STRANGER_URL } from './okno';

const partner = createPartner('E2E shop', [PARTNER_URL]);
const key = partner.publishable_key_test;

test('the partner page shows the catalog from the sandbox portal, resized and filterable', async ({ page }) => {
  // Under okno's strict CSP nothing may be refused: hydration, WASM and the calls all pass.
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  const frameElement = page.locator(`iframe[data-okno-frame="${key}"]`);
  await expect(frameElement).toHaveAttribute('title', 'Госуслуги');
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await expect(widget.getByTestId('service')).toHaveCount(15);
  await expect(widget.getByText('Выбор способа доставки пенсии')).toBeVisible();

  // The widget says "ready" once hydrated, then reports its height; the loader applies it.
  await expect(frameElement).toHaveAttribute('data-okno-ready', '');
  const contentHeight = await widget.locator('html').evaluate((el) => Math.ceil(el.getBoundingClientRect().height));
  await expect.poll(async () => (await frameElement.boundingBox())?.height).toBe(contentHeight);
  expect(contentHeight).not.toBe(480);

  // After hydration the filter asks the server and the list follows.
  await widget.getByTestId('catalog-filter').fill('пенс');
  await expect(widget.getByTestId('service')).toHaveCount(2);
  await expect(widget.getByTestId('catalog-count')).toHaveText('Найдено услуг: 2');
  // The frame shrinks with its content.
  await expect.poll(async () => (await frameElement.boundingBox())?.height).toBeLessThan(contentHeight);
  await widget.getByTestId('catalog-filter').fill('');
  await expect(widget.getByTestId('service')).toHaveCount(15);
  expect(errors).toEqual([]);
});

test('a page on an origin outside the list gets the widget refused', async ({ page }) => {
  await page.goto(`${STRANGER_URL}/shop?key=${key}`);
  const frame = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await expect(page.locator(`iframe[data-okno-frame="${key}"]`)).toBeAttached();
  // Whatever the frame shows, it is never the widget.
  await page.waitForLoadState('networkidle');
  await expect(frame.getByTestId('widget')).toHaveCount(0);
});

test('a page lying about its origin is stopped by the browser through frame-ancestors', async ({ page }) => {
  const widgetResponse = page.waitForResponse((r) => r.url().includes(`/w/${key}/services`));
  await page.goto(`${STRANGER_URL}/forged?key=${key}&claim=${encodeURIComponent(PARTNER_URL)}`);
  // The server answered 200 (the claim is an allowed origin)…
  const response = await widgetResponse;
  expect(response.status()).toBe(200);
  const policies = (await response.headersArray())
    .filter((header) => header.name.toLowerCase() === 'content-security-policy')
    .map((header) => header.value);
  expect(policies[0]).toBe(`frame-ancestors ${PARTNER_URL} ${OKNO_URL}`);
  // …but the browser refuses to show it inside a page on another origin.
  await page.waitForLoadState('networkidle');
  await expect(page.frameLocator('[data-testid=forged]').getByTestId('widget')).toHaveCount(0);
});

test('the loader included twice makes one widget', async ({ page }) => {
  await page.goto(`${PARTNER_URL}/shop-twice?key=${key}`);
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await expect(widget.getByTestId('service').first()).toBeVisible();
  await expect(page.locator('iframe')).toHaveCount(1);
});

test('the loader ignores messages that do not come from its widget', async ({ page }) => {
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  const frameElement = page.locator(`iframe[data-okno-frame="${key}"]`);
  await expect(frameElement).toHaveAttribute('data-okno-ready', '');
  const before = (await frameElement.boundingBox())?.height;
  // A message in the right shape, but from the host page itself (wrong origin and source).
  await page.evaluate(() => window.postMessage({ okno: 1, v: 1, type: 'resize', height: 7 }, '*'));
  await page.waitForTimeout(0);
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  expect((await frameElement.boundingBox())?.height).toBe(before);
});

test('without JavaScript the catalog is readable and the search form still works', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${OKNO_URL}/w/${key}/services`);
  await expect(page.getByTestId('service')).toHaveCount(15);
  await page.getByTestId('catalog-filter').fill('ЕГРН');
  await page.getByTestId('catalog-filter').press('Enter');
  await expect(page).toHaveURL(/q=%D0%95%D0%93%D0%A0%D0%9D/);
  await expect(page.getByTestId('service')).toHaveCount(1);
  await context.close();
});

test('unknown and revoked keys get a clear error page', async ({ page }) => {
  const unknown = await page.goto(`${OKNO_URL}/w/pk_test_doesnotexist/services`);
  expect(unknown?.status()).toBe(404);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'key_unknown');
  await expect(page.getByTestId('error')).toContainText('ключ в коде вставки неверен');

  const revoked = createPartner('Revoked shop', [PARTNER_URL]);
  revokeKey(revoked.publishable_key_test);
  const response = await page.goto(`${OKNO_URL}/w/${revoked.publishable_key_test}/services`);
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'key_revoked');
});

test('a service opens its page inside the frame, which resizes, and the back link returns', async ({ page }) => {
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  const frameElement = page.locator(`iframe[data-okno-frame="${key}"]`);
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await expect(frameElement).toHaveAttribute('data-okno-ready', '');
  const catalogHeight = (await frameElement.boundingBox())?.height;

  await widget.getByRole('link', { name: 'Регистрация транспортного средства' }).click();
  await expect(widget.getByTestId('service-title')).toHaveText('Регистрация транспортного средства');
  await expect(widget.getByTestId('service-facts')).toContainText('Подтверждённая учётная запись');
  // The page inside the frame is new: it reports its own, smaller height.
  await expect.poll(async () => (await frameElement.boundingBox())?.height).not.toBe(catalogHeight);

  await widget.getByTestId('back').click();
  await expect(widget.getByTestId('service')).toHaveCount(15);
});

test('the theme set in the snippet styles every page inside the frame', async ({ page }) => {
  await page.goto(`${PARTNER_URL}/shop?key=${key}&accent=%23006633`);
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await widget.getByRole('link', { name: 'Назначение пенсии', exact: true }).click();
  const button = widget.getByTestId('signin-button');
  await expect(button).toHaveCSS('background-color', 'rgb(0, 102, 51)');
  await expect(button).toHaveCSS('border-radius', '0px');
});
