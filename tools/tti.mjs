// Time to interactive of the widget in headless Chromium on loopback: a fresh browser context
// per load (cold cache) opens a partner page with the snippet and waits until the widget in its
// iframe has hydrated and said "ready" (the loader then marks the iframe data-okno-ready). The
// moment is taken inside the page, when the mark appears, so the harness's own round trips
// are not counted.
// Prints every load and the median, and what the widget's first load weighs: every response
// from okno's origin but the loader (HTML, CSS, JS, WASM), brotli quality 11.
// Usage: node tools/tti.mjs <partner page URL> [loads]
import { createRequire } from 'node:module';
import { brotliCompressSync, constants } from 'node:zlib';

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
const partnerOrigin = new URL(url).origin;
const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const times = [];
const weighed = [];
for (let i = 0; i < loads; i += 1) {
  const context = await browser.newContext();
  // In the partner page: note the time the loader marks a frame ready.
  await context.addInitScript(() => {
    new MutationObserver((changes, observer) => {
      if (changes.some((c) => c.target.hasAttribute?.('data-okno-ready'))) {
        window.__oknoReadyAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, attributeFilter: ['data-okno-ready'], subtree: true });
  });
  const page = await context.newPage();
  if (i === 0) {
    page.on('response', (response) => {
      const at = new URL(response.url());
      if (at.origin !== partnerOrigin && at.pathname !== '/embed.js' && response.status() === 200) {
        weighed.push(response.body().then((body) => [at.pathname, brotli(body)], () => [at.pathname, 0]));
      }
    });
  }
  await page.goto(url);
  await page.waitForSelector('iframe[data-okno-ready]', { state: 'attached', timeout: 15_000 });
  // Milliseconds since the partner page's navigation started.
  times.push(await page.evaluate(() => window.__oknoReadyAt));
  await context.close();
}
await browser.close();
times.forEach((ms, i) => console.log(`load ${i + 1}: ${ms.toFixed(0)} ms`));
const sorted = [...times].sort((a, b) => a - b);
const middle = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
console.log(`median time to interactive over ${loads} loads: ${median.toFixed(0)} ms`);
const files = await Promise.all(weighed);
files.forEach(([path, bytes]) => console.log(`  ${path}: ${bytes} bytes brotli`));
console.log(`widget first load (HTML + CSS + JS + WASM, brotli): ${files.reduce((sum, [, b]) => sum + b, 0)} bytes`);
