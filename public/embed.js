/* okno embed loader v1: each [data-okno-key] element becomes the okno widget's iframe. */
(function (w, d) {
  if (w.okno && w.okno.scan) return w.okno.scan(); // included twice: the first copy does the work
  var me = d.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin, frames = [];
  function mount(el) {
    var key = el.getAttribute('data-okno-key') || '';
    if (!/^pk_(test|live)_[A-Za-z0-9]+$/.test(key) || el.hasAttribute('data-okno-mounted')) return;
    el.setAttribute('data-okno-mounted', key);
    // A pasted-twice snippet still gives one widget; explicit target elements always get theirs.
    if (el.tagName == 'SCRIPT' && d.querySelector('[data-okno-frame="' + key + '"]')) return;
    var f = d.createElement('iframe');
    f.src = base + '/w/' + key + '/services?origin=' + encodeURIComponent(location.origin);
    f.title = el.getAttribute('data-okno-title') || 'Госуслуги';
    f.setAttribute('data-okno-frame', key);
    f.style.cssText = 'display:block;width:100%;height:480px;border:0';
    if (el.tagName == 'SCRIPT') el.parentNode.insertBefore(f, el.nextSibling);
    else el.appendChild(f);
    frames.push(f);
  }
  function scan() {
    [].forEach.call(d.querySelectorAll('[data-okno-key]'), mount);
  }
  w.addEventListener('message', function (e) {
    var m = e.data;
    if (e.origin !== base || !m || m.okno !== 1 || m.v !== 1) return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) {
        if (m.type == 'resize' && m.height > 0) frames[i].style.height = Math.ceil(Math.min(m.height, 20000)) + 'px';
        if (m.type == 'ready') frames[i].setAttribute('data-okno-ready', '');
        return;
      }
    }
  });
  w.okno = { v: 1, scan: scan };
  if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', scan);
  scan();
})(window, document);
