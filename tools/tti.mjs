// Time to interactive of the widget in headless Chromium on loopback: a fresh browser context
// per load (cold cache) opens a partner page with the snippet and waits until the widget in its
// iframe has hydrated and said "ready" (the loader then marks the iframe data-okno-ready). The
// moment is taken inside the page, when the mark appears, so the harness's own round trips
// are not counted.
// Prints every load and the median, and what the widget's first load weighs: every response
// from okno's origin but the loader (HTML, CSS, JS, WASM), brotli quality 11.
// With `floor` it times instead the first iframe's load event on a page that frames a plain
// okno page (no script, no WASM): what this browser and machine take for any cross-origin frame,
// the floor under the widget's figure.
// Usage: node tools/tti.mjs <partner page URL> [loads] [floor]
import { createRequire } from 'node:module';
import { brotliCompressSync, constants } from 'node:zlib';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [url, loadsArg, mode] = process.argv.slice(2);
const floor = mode === 'floor';
if (!url) {
  console.error('usage: node tools/tti.mjs <partner page URL> [loads] [floor]');
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
  // In the partner page: note the time the loader marks a frame ready (or a frame loads).
  await context.addInitScript((floor) => {
    if (floor) {
      const loaded = (e) => e.target.tagName === 'IFRAME' && (window.__oknoReadyAt ??= performance.now());
      document.addEventListener('load', loaded, true);
      return;
    }
    new MutationObserver((changes, observer) => {
      if (changes.some((c) => c.target.hasAttribute?.('data-okno-ready'))) {
        window.__oknoReadyAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, attributeFilter: ['data-okno-ready'], subtree: true });
  }, floor);
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
  await page.waitForFunction(() => window.__oknoReadyAt !== undefined, null, { timeout: 15_000 });
  // Milliseconds since the partner page's navigation started.
  times.push(await page.evaluate(() => window.__oknoReadyAt));
  await context.close();
}
await browser.close();
times.forEach((ms, i) => console.log(`load ${i + 1}: ${ms.toFixed(0)} ms`));
const sorted = [...times].sort((a, b) => a - b);
const middle = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
const what = floor ? 'a plain cross-origin frame loaded' : 'time to interactive';
console.log(`median ${what} over ${loads} loads: ${median.toFixed(0)} ms`);
if (floor) process.exit(0);
const files = await Promise.all(weighed);
files.forEach(([path, bytes]) => console.log(`  ${path}: ${bytes} bytes brotli`));
console.log(`widget first load (HTML + CSS + JS + WASM, brotli): ${files.reduce((sum, [, b]) => sum + b, 0)} bytes`);
