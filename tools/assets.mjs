// Build-time helpers for the widget's static files: brotli copies served as-is, and a size report.
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [command, site] = process.argv.slice(2);
const brotli = (bytes) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

if (command === 'compress') {
  for (const path of files(site).filter((p) => /\.(js|wasm|css|html)$/.test(p))) {
    writeFileSync(`${path}.br`, brotli(readFileSync(path)));
  }
} else if (command === 'sizes') {
  const files = ['pkg/okno.wasm', 'pkg/okno.js', 'pkg/okno-service.wasm', 'pkg/okno-service.js', 'pkg/okno.css', 'embed.js'];
  const rows = files.map((name) => {
    const bytes = readFileSync(join(site, name));
    return { file: name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli(bytes).length };
  });
  console.table(rows);
  const brotliOf = (name) => rows.find((r) => r.file === name).brotli;
  // What each kind of page loads besides its HTML: its bundle's WASM and JS, and the CSS.
  for (const [page, bundle] of [['catalog', 'okno'], ['service page (form)', 'okno-service']]) {
    const total = brotliOf(`pkg/${bundle}.wasm`) + brotliOf(`pkg/${bundle}.js`) + brotliOf('pkg/okno.css');
    console.log(`${page}: WASM + JS + CSS, brotli: ${total} bytes`);
  }
} else {
  console.error('usage: node tools/assets.mjs compress|sizes <site dir>');
  process.exit(2);
}
