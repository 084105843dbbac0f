/* okno embed loader v1: each [data-okno-key] element becomes the okno widget's iframe. */
(function (w, d) {
  if (w.okno && w.okno.scan) return w.okno.scan(); // included twice: the first copy does the work
  var me = d.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin, frames = [], vv = w.visualViewport;
  function mount(el) {
    var key = el.getAttribute('data-okno-key') || '';
    if (!/^pk_(test|live)_[A-Za-z0-9]+$/.test(key) || el.hasAttribute('data-okno-mounted')) return;
    el.setAttribute('data-okno-mounted', key);
    // A pasted-twice snippet still gives one widget; explicit target elements always get theirs.
    if (el.tagName == 'SCRIPT' && d.querySelector('[data-okno-frame="' + key + '"]')) return;
    var f = d.createElement('iframe');
    // data-okno-service (a portal service code) opens that service's page directly.
    var svc = el.getAttribute('data-okno-service') || '';
    var q = '?origin=' + encodeURIComponent(location.origin);
    // Theme from the snippet (the widget keeps only well-formed colours and radii).
    ['accent', 'text', 'background', 'radius'].forEach(function (n) {
      var v = el.getAttribute('data-okno-' + n);
      if (v) q += '&' + n + '=' + encodeURIComponent(v);
    });
    // data-okno-lang="en": okno's own words in English (Russian otherwise).
    var en = el.getAttribute('data-okno-lang') == 'en';
    if (en) q += '&lang=en';
    f.src = base + '/w/' + key + '/services' + (/^[0-9]{1,20}$/.test(svc) ? '/' + svc : '') + q;
    f.title = el.getAttribute('data-okno-title') || (en ? 'Gosuslugi' : 'Госуслуги');
    f.setAttribute('data-okno-frame', key);
    f.style.cssText = 'display:block;width:100%;height:480px;border:0';
    if (el.tagName == 'SCRIPT') el.parentNode.insertBefore(f, el.nextSibling);
    else el.appendChild(f);
    frames.push(f);
    // Not ready in 8 s: a plain link opens the widget in a new tab instead.
    setTimeout(function () {
      if (f.hasAttribute('data-okno-ready')) return;
      var a = d.createElement('a');
      a.href = f.src; a.target = '_blank'; a.rel = 'noopener';
      a.setAttribute('data-okno-fallback', '');
      a.textContent = en ? 'Open Gosuslugi in a new tab' : 'Открыть Госуслуги в новой вкладке';
      f.parentNode.insertBefore(a, f.nextSibling);
    }, 8000);
  }
  function scan() {
    [].forEach.call(d.querySelectorAll('[data-okno-key]'), mount);
  }
  // Full screen keeps clear of the on-screen keyboard: the frame follows the visual viewport.
  function fit(f) {
    if (!f.hasAttribute('data-okno-full')) return;
    var s = f.style;
    s.top = (vv ? vv.offsetTop : 0) + 'px';
    s.height = (vv ? vv.height : w.innerHeight) + 'px';
  }
  if (vv) vv.addEventListener('resize', function () { frames.forEach(fit); });
  w.addEventListener('message', function (e) {
    var m = e.data;
    if (e.origin !== base || !m || m.okno !== 1 || m.v !== 1) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (f.contentWindow !== e.source) continue;
      if (m.type == 'resize' && m.height > 0 && !f.hasAttribute('data-okno-full'))
        f.style.height = Math.ceil(Math.min(m.height, 20000)) + 'px';
      if (m.type == 'ready') f.setAttribute('data-okno-ready', '');
      if (m.type == 'fullscreen') {
        if (m.on && w.innerWidth <= 480) { // narrow viewports only
          f.setAttribute('data-okno-full', '');
          f.style.position = 'fixed'; f.style.left = '0'; f.style.zIndex = '2147483647';
          fit(f);
        } else {
          f.removeAttribute('data-okno-full');
          f.style.position = f.style.left = f.style.top = f.style.zIndex = '';
        }
      }
      // Applications: the opaque id and status only, as `okno:submitted` / `okno:status_changed`.
      if (m.type == 'submitted' || m.type == 'status_changed')
        f.dispatchEvent(new CustomEvent('okno:' + m.type, { bubbles: true,
          detail: { v: 1, type: m.type, application_id: String(m.application_id), status: Number(m.status) } }));
      return;
    }
  });
  w.okno = { v: 1, scan: scan };
  if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', scan);
  scan();
})(window, document);
