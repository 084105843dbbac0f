// A partner's website for the browser tests, served on its own port (a second origin).
// Pages take the publishable key from the query string, as a partner would paste it.
import { createServer } from 'node:http';

const port = Number(process.env.PARTNER_PORT);
const okno = process.env.OKNO_URL;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const snippet = (key, service, accent, lang) =>
  `<script src="${okno}/embed.js" data-okno-key="${escape(key)}"${service ? ` data-okno-service="${escape(service)}"` : ''}` +
  `${accent ? ` data-okno-accent="${escape(accent)}" data-okno-radius="0"` : ''}` +
  `${lang ? ` data-okno-lang="${escape(lang)}"` : ''} async></script>`;

const pages = {
  // The snippet exactly as the sandbox page tells partners to paste it.
  '/shop': (q) => `<h1>Магазин</h1><p>Госуслуги у нас на сайте:</p>${snippet(q.get('key'), q.get('service'), q.get('accent'), q.get('lang'))}<footer>конец страницы</footer>`,
  // The snippet pasted twice by mistake.
  '/shop-twice': (q) => `${snippet(q.get('key'))}<p>…</p>${snippet(q.get('key'))}`,
  // A page that frames the widget by hand and claims another site's origin.
  '/forged': (q) =>
    `<iframe data-testid="forged" title="forged" src="${okno}/w/${escape(q.get('key'))}/services?origin=${encodeURIComponent(q.get('claim') ?? '')}"></iframe>`,
};

createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const page = pages[url.pathname];
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  if (!page) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Партнёр</title></head><body>${page(url.searchParams)}</body></html>`);
}).listen(port, '127.0.0.1');
