// Shared helpers: partners are created with the real operator CLI against okno's database.
import { execFileSync } from 'node:child_process';
import { expect, FrameLocator } from '@playwright/test';
import { OKNO_PORT, PARTNER_PORT } from '../playwright.config';

export const OKNO_URL = `http://127.0.0.1:${OKNO_PORT}`;
/** The partner's site: allowed in its list. */
export const PARTNER_URL = `http://127.0.0.1:${PARTNER_PORT}`;
/** The same server under another name: a different origin, never in the list. */
export const STRANGER_URL = `http://localhost:${PARTNER_PORT}`;

function okno(...args: string[]): string {
  return execFileSync('../target/debug/okno', args, {
    env: { ...process.env, OKNO_DATA_DIR: process.env.E2E_OKNO_DATA_DIR, OKNO_LOG: 'warn' },
    encoding: 'utf8',
  });
}

export interface Partner {
  id: string;
  publishable_key_test: string;
  publishable_key_live: string;
  origins: string[];
}

export function createPartner(name: string, origins: string[]): Partner {
  return JSON.parse(okno('partner', 'create', '--name', name, ...origins.flatMap((o) => ['--origin', o]), '--json'));
}

export function revokeKey(key: string): void {
  okno('partner', 'revoke-key', key);
}

/**
 * Waits until the page now in the widget's frame has its islands live. Wait first for something
 * only that page shows: until a navigation inside the frame commits, the old page answers (and
 * the loader's `data-okno-ready` on the iframe still stands from it).
 */
export async function expectHydrated(widget: FrameLocator): Promise<void> {
  await expect(widget.locator('html[data-okno-hydrated]')).toHaveCount(1);
}
