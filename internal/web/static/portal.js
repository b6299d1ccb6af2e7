// pubdata portal: small progressive enhancements. Every page works without
// this file; it is loaded from the node itself (CSP script-src 'self').
(function () {
  'use strict';
  // Ask before destructive form posts (disable an account, revoke a token).
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    var msg = f && f.getAttribute && f.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });
  // Select the whole token secret on click, so it can be copied at once.
  document.addEventListener('click', function (ev) {
    var el = ev.target;
    if (el && el.classList && el.classList.contains('secret')) {
      var r = document.createRange();
      r.selectNodeContents(el);
      var s = window.getSelection();
      s.removeAllRanges();
      s.addRange(r);
    }
  });
})();
