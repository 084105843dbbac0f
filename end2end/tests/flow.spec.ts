// A citizen's whole way on a partner's page: browse → sign in through the popup → consent → fill
// the form (an invalid SNILS first) → attach a file → submit → the timeline reaches
// "Услуга оказана" by the sandbox's progression → feedback. axe finds no WCAG 2.2 AA violation
// on any step, the host page hears only ids and statuses, and a reload keeps the draft.
import AxeBuilder from '@axe-core/playwright';
import { expect, FrameLocator, Locator, Page, test } from '@playwright/test';
import { createPartner, expectHydrated, PARTNER_URL } from './okno';

const SERVICE = 'Назначение пенсии';
// One partner per test: a citizen is a different pseudonym with each partner, so tests running
// side by side never share a draft or an application.
const shop = (name: string) => createPartner(name, [PARTNER_URL]).publishable_key_test;
const keys = {
  flow: shop('E2E flow shop'),
  reload: shop('E2E reload shop'),
  phone: shop('E2E phone shop'),
  keyboard: shop('E2E keyboard shop'),
  english: shop('E2E English shop'),
};
const frameOf = (key: string) => `iframe[data-okno-frame="${key}"]`;

/** WCAG 2.2 A/AA rules on the widget's document (axe runs inside the iframe). */
async function expectAccessible(page: Page, key: string, step: string) {
  const results = await new AxeBuilder({ page })
    .include(frameOf(key))
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found, `axe on ${step}`).toEqual([]);
}

async function openService(page: Page, key: string): Promise<FrameLocator> {
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  const widget = page.frameLocator(frameOf(key));
  await expect(page.locator(frameOf(key))).toHaveAttribute('data-okno-ready', '');
  await expectAccessible(page, key, 'the catalog');
  await widget.getByRole('link', { name: SERVICE, exact: true }).click();
  await expect(widget.getByTestId('service-title')).toHaveText(SERVICE);
  await expectHydrated(widget);
  return widget;
}

async function signIn(page: Page, widget: FrameLocator) {
  const popupOpened = page.waitForEvent('popup');
  await widget.getByTestId('signin-button').click();
  const popup = await popupOpened;
  await popup.getByTestId('esia-citizen-1000299353').click();
  await popup.getByTestId('esia-allow').click();
  await expect(widget.getByTestId('signed-in')).toContainText('Мария Петровна И.');
}

async function consent(page: Page, key: string, widget: FrameLocator) {
  await expectAccessible(page, key, 'the consent screen');
  await widget.getByTestId('consent-give').click();
  await expect(widget.getByTestId('consent-given')).toContainText('№ cns_');
  await expect(widget.getByTestId('application-form')).toBeVisible();
}

test('a citizen files an application and follows it to "Услуга оказана"', async ({ page }) => {
  // The whole way, with six statuses a second apart and axe on every step: on a busy two-core
  // machine it takes 15–25 s, more than the default 30 s leaves room for.
  test.setTimeout(90_000);
  const key = keys.flow;
  const frameSelector = frameOf(key);
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  // What the host page hears about applications.
  await page.evaluate(() => {
    const heard: unknown[] = [];
    (window as unknown as { heard: unknown[] }).heard = heard;
    for (const type of ['okno:submitted', 'okno:status_changed'])
      document.addEventListener(type, (e) => heard.push((e as CustomEvent).detail));
  });
  const widget = page.frameLocator(frameSelector);
  await widget.getByRole('link', { name: SERVICE, exact: true }).click();
  await expect(widget.getByTestId('service-title')).toHaveText(SERVICE);
  await expectHydrated(widget);
  await expectAccessible(page, key, 'the service page');
  await signIn(page, widget);
  await consent(page, key, widget);

  // Prefilled from the Gosuslugi profile.
  await expect(widget.locator('#f-last_name')).toHaveValue('Иванова');
  await expect(widget.locator('#f-birth_date')).toHaveValue('1988-03-14');
  // One wrong digit in the SNILS: the message appears next to the field, in both languages.
  const snils = widget.locator('#f-snils');
  await snils.fill('526-018-159 62');
  await snils.press('Tab');
  await expect(snils).toHaveAttribute('aria-invalid', 'true');
  await expect(widget.locator('#e-snils')).toContainText('СНИЛС');
  await expect(widget.locator('#e-snils [lang="en"]')).toContainText('SNILS');
  await expectAccessible(page, key, 'the form with an error');
  await snils.fill('526-018-159 61');
  await snils.press('Tab');
  await expect(snils).toHaveAttribute('aria-invalid', 'false');
  await expect(widget.locator('#e-snils')).toBeEmpty();
  await widget.locator('#f-pension_type').selectOption('old_age');
  await widget.locator('#f-residence_address').fill('г. Москва, ул. Тверская, д. 1, кв. 2');
  await widget.locator('#f-mobile_phone').fill('+7 900 123-45-67');

  // A file too big is refused before upload; a good one uploads with a progress bar.
  const input = widget.getByTestId('attachment-input');
  await input.setInputFiles({ name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 0x25) });
  await expect(widget.getByTestId('attachments').getByTestId('error')).toHaveAttribute('data-code', 'attachment_too_large');
  const scan = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
  await input.setInputFiles({ name: 'трудовая.pdf', mimeType: 'application/pdf', buffer: scan });
  await expect(widget.getByTestId('attached')).toContainText('трудовая.pdf');
  await expect(widget.getByTestId('attachments').getByTestId('error')).toHaveCount(0);

  await widget.getByTestId('submit').click();
  const timeline = widget.getByTestId('timeline');
  await expect(timeline).toBeVisible();
  const applicationId = (await widget.getByTestId('application-id').textContent()) ?? '';
  expect(applicationId).toMatch(/^app_[0-9a-f]{24}$/);
  await expectAccessible(page, key, 'the timeline');
  // The sandbox moves the order a step a second; the stream brings each status.
  await expect(widget.getByTestId('statuses')).toContainText('Услуга оказана', { timeout: 30_000 });
  await expect(widget.locator('[data-status]')).toHaveText([
    /Заявление принято и передаётся на портал Госуслуг/,
    /Зарегистрировано на портале/,
    /Заявление отправлено в ведомство/,
    /Заявление получено ведомством/,
    /Принято ведомством/,
    /Услуга оказана/,
  ]);

  // Feedback after the final status.
  await widget.locator('label[for="rating-5"]').click();
  await widget.locator('#feedback-comment').fill('Всё понятно');
  await expectAccessible(page, key, 'the feedback form');
  await widget.getByTestId('feedback-send').click();
  await expect(widget.getByTestId('feedback-thanks')).toBeVisible();

  // The host page heard the id and statuses, nothing personal.
  const heard = await page.evaluate(() => (window as unknown as { heard: Record<string, unknown>[] }).heard);
  expect(heard[0]).toEqual({ v: 1, type: 'submitted', application_id: applicationId, status: 1000 });
  expect(heard.filter((e) => e.type === 'status_changed').map((e) => e.status)).toEqual([17, 21, 2, 6, 3]);
  expect(JSON.stringify(heard)).not.toMatch(/Иванова|526-018|Тверская/);
  expect(errors).toEqual([]);
});

test('a reload in the middle of the form keeps the sign-in and the draft', async ({ page }) => {
  const key = keys.reload;
  const widget = await openService(page, key);
  await signIn(page, widget);
  await consent(page, key, widget);
  const address = widget.locator('#f-residence_address');
  const saved = page.waitForResponse((r) => r.url().includes('/widget-api/draft/save') && r.ok());
  await address.fill('г. Москва, ул. Арбат, д. 5');
  await address.press('Tab');
  await saved;
  await page.reload();
  const again = page.frameLocator(frameOf(key));
  await again.getByRole('link', { name: SERVICE, exact: true }).click();
  await expect(again.getByTestId('signed-in')).toContainText('Мария Петровна И.');
  await expect(again.locator('#f-residence_address')).toHaveValue('г. Москва, ул. Арбат, д. 5');
});

test('with data-okno-lang="en" the widget speaks English and marks what stays Russian', async ({ page }) => {
  const key = keys.english;
  await page.goto(`${PARTNER_URL}/shop?key=${key}&service=10000000110&lang=en`);
  const widget = page.frameLocator(frameOf(key));
  await expect(page.locator(frameOf(key))).toHaveAttribute('title', 'Gosuslugi');
  await expect(widget.getByTestId('service-title')).toHaveText(SERVICE);
  await expectHydrated(widget);
  await expect(widget.locator('html')).toHaveAttribute('lang', 'en');
  await expect(widget.getByTestId('service-title')).toHaveAttribute('lang', 'ru');
  await expect(widget.getByTestId('service-facts')).toContainText('Confirmed account');
  await expect(widget.getByTestId('signin-button')).toHaveText('Sign in with Gosuslugi');
  await expectAccessible(page, key, 'the service page in English');
  await signIn(page, widget);
  await expect(widget.getByTestId('signed-in')).toContainText('Confirmed account');
  await expect(widget.getByTestId('consent-text')).toContainText('I consent to the processing of my personal data');
  await consent(page, key, widget);
  await expect(widget.getByTestId('consent-given')).toContainText('Consent given');
  await expect(widget.getByTestId('consent-given')).toContainText('(№ cns_');
  await expect(widget.locator('label[for="f-snils"]')).toHaveText('SNILS *');
  await expect(widget.getByTestId('submit')).toHaveText('Send the application');
  // A field's message: English first, the Russian beside it marked as such.
  const snils = widget.locator('#f-snils');
  await snils.fill('526-018-159 62');
  await snils.press('Tab');
  await expect(widget.locator('#e-snils span').first()).toContainText('SNILS');
  await expect(widget.locator('#e-snils [lang="ru"]')).toContainText('СНИЛС');
  await expectAccessible(page, key, 'the form in English with an error');
  // The language travels with the frame's own links.
  await widget.getByTestId('back').click();
  await expect(widget.getByTestId('catalog-count')).toContainText('Services found:');
  await expect(widget.locator('html')).toHaveAttribute('lang', 'en');
});

/** Presses Tab (in `page`, which may be the popup) until `target` has the focus. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 40; i += 1) {
    if (await target.evaluate((el) => el.ownerDocument.activeElement === el).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('never reached by Tab');
}

test('the whole way works with the keyboard alone', async ({ page }) => {
  const key = keys.keyboard;
  await page.goto(`${PARTNER_URL}/shop?key=${key}&service=10000000110`);
  const widget = page.frameLocator(frameOf(key));
  await expect(page.locator(frameOf(key))).toHaveAttribute('data-okno-ready', '');
  await tabTo(page, widget.getByTestId('signin-button'));
  const popupOpened = page.waitForEvent('popup');
  await page.keyboard.press('Enter');
  const popup = await popupOpened;
  await tabTo(popup, popup.getByTestId('esia-citizen-1000299353'));
  await popup.keyboard.press('Enter');
  await tabTo(popup, popup.getByTestId('esia-allow'));
  await popup.keyboard.press('Enter');
  await expect(widget.getByTestId('signed-in')).toBeVisible();
  await tabTo(page, widget.getByTestId('consent-give'));
  await page.keyboard.press('Enter');
  await expect(widget.getByTestId('application-form')).toBeVisible();
  await tabTo(page, widget.locator('#f-pension_type'));
  await page.keyboard.press('ArrowDown');
  await tabTo(page, widget.locator('#f-residence_address'));
  await page.keyboard.type('г. Москва, ул. Тверская, д. 1');
  await tabTo(page, widget.locator('#f-mobile_phone'));
  await page.keyboard.type('+79001234567');
  await tabTo(page, widget.getByTestId('submit'));
  await page.keyboard.press('Enter');
  // Focus moves to the timeline's heading, which screen readers then read.
  await expect(widget.locator('#timeline-title')).toBeFocused();
  await expect(widget.getByTestId('statuses')).toContainText('Услуга оказана', { timeout: 30_000 });
  // A radio group is one Tab stop; arrows move within it (and choose).
  await tabTo(page, widget.locator('#rating-1'));
  for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowRight');
  await expect(widget.locator('#rating-4')).toBeChecked();
  await tabTo(page, widget.getByTestId('feedback-send'));
  await page.keyboard.press('Enter');
  await expect(widget.getByTestId('feedback-thanks')).toBeVisible();
});

test.describe('on a phone (390×844)', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the form takes the whole screen, with 16 px inputs, and still passes axe', async ({ page }) => {
    const key = keys.phone;
    const widget = await openService(page, key);
    await signIn(page, widget);
    await consent(page, key, widget);
    const frame = page.locator(frameOf(key));
    await expect(frame).toHaveAttribute('data-okno-full', '');
    const box = await frame.boundingBox();
    expect(box?.width).toBe(390);
    expect(box?.height).toBeGreaterThan(700);
    const fontSize = await widget.locator('#f-snils').evaluate((el) => getComputedStyle(el).fontSize);
    expect(fontSize).toBe('16px');
    await expectAccessible(page, key, 'the form on a phone');
  });
});
