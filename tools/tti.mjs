// Time to interactive of the widget in headless Chromium on loopback: a fresh browser context
// per load (cold cache) opens a partner page with the snippet and waits until the widget in its
// iframe has hydrated and said "ready" (the loader then marks the iframe data-okno-ready).
// Prints every load and the median. Usage: node tools/tti.mjs <partner page URL> [loads]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [url, loadsArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node tools/tti.mjs <partner page URL> [loads]');
  process.exit(2);
}
const loads = Number(loadsArg ?? 10);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
const times = [];
for (let i = 0; i < loads; i += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('iframe[data-okno-ready]', { state: 'attached', timeout: 15_000 });
  // Milliseconds since the partner page's navigation started.
  times.push(await page.evaluate(() => performance.now()));
  await context.close();
}
await browser.close();
times.forEach((ms, i) => console.log(`load ${i + 1}: ${ms.toFixed(0)} ms`));
const sorted = [...times].sort((a, b) => a - b);
const middle = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
console.log(`median time to interactive over ${loads} loads: ${median.toFixed(0)} ms`);
