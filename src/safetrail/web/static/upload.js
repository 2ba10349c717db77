// Evidence upload: each chosen file goes as its own request with the raw file as the
// body (never multipart), one after another, with a progress bar and the result
// (exhibit number and SHA-256 fingerprint) per file. Words come from the page's data-*
// attributes, so they are translated with the rest of SafeTrail.
// No "are you sure you want to leave" prompt on purpose: it would hold up quick exit.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.SafeTrailFiles) { return; }
  var filesInput = document.getElementById("upload-files");
  var startButton = document.getElementById("upload-start");
  var results = document.getElementById("upload-results");
  var summary = document.getElementById("upload-summary");
  var words = form.dataset;
  form.hidden = false;

  var kit = window.SafeTrailFiles;
  var fill = kit.fill;
  var element = kit.element;

  function row(file, index) {
    return kit.fileRow(results, file, "upload-" + index, words);
  }

  function addToTable(saved) {
    var list = document.getElementById("evidence-list");
    var table = document.getElementById("evidence-table");
    var empty = document.getElementById("evidence-empty");
    if (!list || !table) { return; }
    list.hidden = false;
    if (empty) { empty.hidden = true; }
    var tr = document.createElement("tr");
    var link = element("a", "", saved.ref);
    link.href = saved.url;
    var cells = [link, saved.name, saved.media_type, saved.size_text, saved.added];
    cells.forEach(function (value) {
      var td = element("td");
      if (typeof value === "string") { td.textContent = value; } else { td.appendChild(value); }
      tr.appendChild(td);
    });
    var hash = element("td");
    var code = element("code", "", saved.sha256.slice(0, 12) + "…");
    code.title = saved.sha256;
    hash.appendChild(code);
    tr.appendChild(hash);
    var incident = element("td");
    if (saved.incident) {
      var incidentLink = element("a", "", saved.incident);
      incidentLink.href = "/incidents/" + encodeURIComponent(saved.incident);
      incident.appendChild(incidentLink);
    } else {
      incident.textContent = "—";
    }
    tr.appendChild(incident);
    table.tBodies[0].appendChild(tr);
  }

  function showSaved(view, saved) {
    view.bar.value = view.bar.max;
    view.item.classList.add("upload-ok");
    view.status.textContent = "";
    var line = element("span", "", fill(words.saved, { ref: saved.ref }) + " ");
    var link = element("a", "", fill(words.open, { ref: saved.ref }));
    link.href = saved.url;
    view.status.appendChild(line);
    view.status.appendChild(link);
    var hash = element("span", "upload-hash", words.fingerprint + " ");
    hash.appendChild(element("code", "", saved.sha256));
    view.status.appendChild(hash);
    if (saved.already_stored) { view.status.appendChild(element("span", "help", words.duplicate)); }
    addToTable(saved);
  }

  function send(file, view, fields, done) {
    kit.sendFile(file, view, form.dataset.endpoint, fields, words, function (saved) {
      showSaved(view, saved);
      done(true, file.name + ": " + fill(words.saved, { ref: saved.ref }));
    }, function () {
      done(false, fill(words.failed, { name: file.name }));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(filesInput.files || []);
    if (!files.length) {
      summary.textContent = words.none;
      filesInput.focus();
      return;
    }
    var fields = {
      "X-Incident": document.getElementById("upload-incident").value.trim(),
      "X-Description": document.getElementById("upload-description").value.trim(),
      "X-Source-Device": document.getElementById("upload-device").value.trim()
    };
    var base = results.children.length;
    var views = files.map(function (file, i) { return row(file, base + i); });
    var saved = 0;
    startButton.disabled = true;
    filesInput.disabled = true;
    var next = function (index) {
      if (index >= files.length) {
        startButton.disabled = false;
        filesInput.disabled = false;
        filesInput.value = "";
        summary.textContent = fill(words.done, { saved: saved, total: files.length });
        return;
      }
      send(files[index], views[index], fields, function (ok, message) {
        if (ok) { saved += 1; }
        summary.textContent = message;
        next(index + 1);
      });
    };
    next(0);
  });
})();
