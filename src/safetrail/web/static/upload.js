// Evidence upload: each chosen file goes as its own request with the raw file as the
// body (never multipart), one after another, with a progress bar and the result
// (exhibit number and SHA-256 fingerprint) per file. Words come from the page's data-*
// attributes, so they are translated with the rest of SafeTrail.
// No "are you sure you want to leave" prompt on purpose: it would hold up quick exit.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest) { return; }
  var filesInput = document.getElementById("upload-files");
  var startButton = document.getElementById("upload-start");
  var results = document.getElementById("upload-results");
  var summary = document.getElementById("upload-summary");
  var words = form.dataset;
  form.hidden = false;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function sizeText(bytes) {
    if (bytes < 1000) { return fill(words.bytes, { n: bytes }); }
    var units = ["KB", "MB", "GB", "TB"];
    var value = bytes / 1000;
    var i = 0;
    while (value >= 1000 && i < units.length - 1) { value /= 1000; i += 1; }
    return value.toFixed(1) + " " + units[i];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Progress counts as activity, so the idle auto-lock does not interrupt a long upload
  // (app.js restarts its idle timer on "input" events).
  var lastNudge = 0;
  function stillHere() {
    var now = Date.now();
    if (now - lastNudge > 10000) {
      lastNudge = now;
      document.dispatchEvent(new Event("input"));
    }
  }

  function row(file, index) {
    var item = element("li", "upload-item");
    var id = "upload-" + index;
    var name = element("span", "upload-name", file.name);
    name.id = id + "-name";
    var bar = element("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-labelledby", id + "-name");
    bar.setAttribute("aria-describedby", id + "-status");
    var status = element("span", "upload-status", words.waiting);
    status.id = id + "-status";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    results.appendChild(item);
    return { item: item, bar: bar, status: status };
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

  function showFailed(view, file, message, hint) {
    view.item.classList.add("upload-failed");
    view.status.textContent = "";
    view.status.setAttribute("role", "alert");
    view.status.appendChild(element("strong", "", fill(words.failed, { name: file.name }) + " "));
    view.status.appendChild(element("span", "", message + (hint ? " " + hint : "")));
  }

  function failure(xhr) {
    if (xhr.status === 403) { return { message: words.expired }; }
    if (xhr.status === 401) { return { message: words.locked }; }
    try {
      var answer = JSON.parse(xhr.responseText);
      if (answer && answer.error) { return { message: answer.error, hint: answer.hint }; }
    } catch (ignored) { /* not JSON: fall through */ }
    return { message: words.unknown };
  }

  function send(file, view, fields, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.endpoint);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", document.body.dataset.csrf || "");
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.setRequestHeader("X-File-Modified", String(file.lastModified || ""));
    Object.keys(fields).forEach(function (header) {
      if (fields[header]) { xhr.setRequestHeader(header, encodeURIComponent(fields[header])); }
    });
    xhr.upload.onprogress = function (event) {
      var total = event.lengthComputable ? event.total : file.size;
      view.bar.max = total || 1;
      view.bar.value = event.loaded;
      view.status.textContent = fill(words.sending, {
        done: sizeText(event.loaded), total: sizeText(total)
      });
      stillHere();
    };
    xhr.upload.onload = function () {
      view.bar.value = view.bar.max;
      view.status.textContent = words.checking;
    };
    xhr.onload = function () {
      if (xhr.status === 200) {
        var saved = null;
        try { saved = JSON.parse(xhr.responseText); } catch (ignored) { saved = null; }
        if (saved && saved.ref) {
          showSaved(view, saved);
          done(true, file.name + ": " + fill(words.saved, { ref: saved.ref }));
          return;
        }
      }
      var why = failure(xhr);
      showFailed(view, file, why.message, why.hint);
      done(false, fill(words.failed, { name: file.name }));
    };
    xhr.onerror = function () {
      showFailed(view, file, words.network);
      done(false, fill(words.failed, { name: file.name }));
    };
    xhr.send(file);
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
