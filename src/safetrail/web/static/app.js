// SafeTrail's own small script: quick exit (button and Esc Esc), idle auto-lock,
// and a passphrase strength hint. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  var body = document.body;

  function leave() {
    // replace(): the page we leave does not stay in the history.
    window.location.replace("/exit");
  }

  var exitButton = document.getElementById("quick-exit");
  if (exitButton) {
    exitButton.addEventListener("click", function (event) {
      event.preventDefault();
      leave();
    });
  }

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 800) { leave(); }
    lastEscape = now;
  });

  var idleSeconds = parseInt(body.getAttribute("data-autolock") || "0", 10);
  if (idleSeconds > 0) {
    var timer = null;
    var restart = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () { window.location.replace("/lock"); },
                                idleSeconds * 1000);
    };
    ["keydown", "mousedown", "mousemove", "touchstart", "scroll", "input"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  var passphrase = document.getElementById("passphrase");
  var strength = document.getElementById("strength");
  if (passphrase && strength) {
    passphrase.addEventListener("input", function () {
      var value = passphrase.value;
      var words = value.trim().split(/\s+/).filter(Boolean).length;
      var kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9\s]/].filter(function (re) {
        return re.test(value);
      }).length;
      var text;
      if (value.length < 10) { text = strength.getAttribute("data-short") || "Too short: at least 10 characters."; }
      else if (value.length >= 20 || words >= 4 || (value.length >= 14 && kinds >= 3)) { text = strength.getAttribute("data-strong") || "Strong."; }
      else { text = strength.getAttribute("data-ok") || "Acceptable. Longer is stronger: try adding another word."; }
      strength.textContent = text;
    });
  }
})();
