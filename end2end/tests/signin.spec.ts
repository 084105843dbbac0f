// Signing in with Gosuslugi from inside the partner's iframe: a popup on okno's origin runs the
// sandbox ESIA sign-in, then hands a one-time code back to the frame over postMessage.
import { expect, Page, test } from '@playwright/test';
import { createPartner, expectHydrated, PARTNER_URL } from './okno';

const partner = createPartner('E2E sign-in shop', [PARTNER_URL]);
const key = partner.publishable_key_test;

async function openService(page: Page, title: string) {
  await page.goto(`${PARTNER_URL}/shop?key=${key}`);
  const widget = page.frameLocator(`iframe[data-okno-frame="${key}"]`);
  await widget.getByRole('link', { name: title }).click();
  await expect(widget.getByTestId('service-title')).toHaveText(title);
  await expectHydrated(widget);
  return widget;
}

async function signInAt(popup: Page, oid: string) {
  await popup.getByTestId(`esia-citizen-${oid}`).click();
  await popup.getByTestId('esia-allow').click();
}

test('a confirmed citizen signs in through the popup and the frame shows who is signed in', async ({ page }) => {
  const widget = await openService(page, 'Выбор способа доставки пенсии');
  const popupOpened = page.waitForEvent('popup');
  await widget.getByTestId('signin-button').click();
  const popup = await popupOpened;
  await signInAt(popup, '1000299353');
  await expect(widget.getByTestId('signed-in')).toContainText('Мария Петровна И.');
  await expect(widget.getByTestId('level-too-low')).toBeHidden();
  // Consent: which data, to whom, why, how long — recorded, then shown again on request.
  await expect(widget.getByTestId('consent-text')).toContainText('E2E sign-in shop');
  await widget.getByTestId('consent-give').click();
  await expect(widget.getByTestId('consent-given')).toContainText('№ cns_');
  // The popup closes itself once it has handed the code over.
  await expect.poll(() => popup.isClosed()).toBe(true);
});

test('a standard account on a confirmed-only service is told what to do instead', async ({ page }) => {
  const widget = await openService(page, 'Выбор способа доставки пенсии');
  const popupOpened = page.waitForEvent('popup');
  await widget.getByTestId('signin-button').click();
  // ESIA gives the orders scope to confirmed accounts only; the popup tells the frame so.
  await (await popupOpened).getByTestId('esia-citizen-1000299354').click();
  await expect(widget.getByTestId('level-too-low')).toContainText('подтверждённая учётная запись');
  await expect(widget.getByTestId('signed-in')).toBeHidden();
});

test('a blocked popup falls back to a new tab with a clear message', async ({ page }) => {
  const widget = await openService(page, 'Выбор способа доставки пенсии');
  const frame = page.frames().find((f) => f.url().includes(`/w/${key}/services/`));
  expect(frame).toBeDefined();
  // As a popup blocker would: window.open gives nothing.
  await frame!.evaluate(() => {
    window.open = () => null;
  });
  await widget.getByTestId('signin-button').click();
  await expect(widget.getByTestId('signin-blocked')).toBeVisible();
  const fallback = widget.getByTestId('signin-fallback');
  await expect(fallback).toHaveAttribute('rel', 'opener');
  const tabOpened = page.context().waitForEvent('page');
  await fallback.click();
  await signInAt(await tabOpened, '1000299353');
  await expect(widget.getByTestId('signed-in')).toContainText('Мария Петровна И.');
});
