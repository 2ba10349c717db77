// Phone check page: while the phone is being read, say so and prevent a second check.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  var button = document.getElementById("run-check");
  var status = document.getElementById("check-status");
  if (!form || !button || !status) { return; }
  form.addEventListener("submit", function () {
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy") || button.textContent;
    status.textContent = status.getAttribute("data-busy") || "";
  });
})();
