// Sending files into the vault, shared by the Evidence page (upload.js) and the Import
// page (imports.js): each file is its own request with the raw file as the body (never
// multipart), with a progress bar and a status line per file. Words come from the
// page's data-* attributes (passed in as `words`), so they are translated with the rest
// of SafeTrail. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function sizeText(bytes, words) {
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

  // Progress counts as activity, so the idle auto-lock (app.js restarts its timer on
  // "input" events) does not stop a long upload or import half-way.
  var lastNudge = 0;
  function stillHere() {
    var now = Date.now();
    if (now - lastNudge > 10000) {
      lastNudge = now;
      document.dispatchEvent(new Event("input"));
    }
  }

  // One line per file: name, progress bar, status.
  function fileRow(results, file, id, words) {
    var item = element("li", "upload-item");
    var name = element("span", "upload-name", file.name);
    name.id = id + "-name";
    var bar = element("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-labelledby", id + "-name");
    var status = element("span", "upload-status", words.waiting);
    status.id = id + "-status";
    bar.setAttribute("aria-describedby", status.id);
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    results.appendChild(item);
    return { item: item, bar: bar, status: status };
  }

  function failure(xhr, words) {
    if (xhr.status === 403) { return { message: words.expired }; }
    if (xhr.status === 401) { return { message: words.locked }; }
    try {
      var answer = JSON.parse(xhr.responseText);
      if (answer && answer.error) { return { message: answer.error, hint: answer.hint }; }
    } catch (ignored) { /* not JSON */ }
    return { message: words.unknown };
  }

  function showFailed(view, file, why, words) {
    view.item.classList.add("upload-failed");
    view.status.textContent = "";
    view.status.setAttribute("role", "alert");
    view.status.appendChild(element("strong", "", fill(words.failed, { name: file.name }) + " "));
    view.status.appendChild(element("span", "", why.message + (why.hint ? " " + why.hint : "")));
  }

  // Send `file` to `endpoint`; `fields` are extra X-* headers (empty ones left out).
  // Calls onSaved(answer) with the server's JSON, or shows the failure and calls
  // onFailed(why).
  function sendFile(file, view, endpoint, fields, words, onSaved, onFailed) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", endpoint);
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
        done: sizeText(event.loaded, words), total: sizeText(total, words)
      });
      stillHere();
    };
    xhr.upload.onload = function () {
      view.bar.value = view.bar.max;
      view.status.textContent = words.checking;
    };
    xhr.onload = function () {
      var saved = null;
      if (xhr.status === 200) {
        try { saved = JSON.parse(xhr.responseText); } catch (ignored) { saved = null; }
      }
      if (saved && saved.ref) {
        view.bar.value = view.bar.max;
        view.item.classList.add("upload-ok");
        onSaved(saved);
        return;
      }
      var why = failure(xhr, words);
      showFailed(view, file, why, words);
      onFailed(why);
    };
    xhr.onerror = function () {
      var why = { message: words.network };
      showFailed(view, file, why, words);
      onFailed(why);
    };
    xhr.send(file);
  }

  window.SafeTrailFiles = {
    fill: fill,
    sizeText: sizeText,
    element: element,
    stillHere: stillHere,
    fileRow: fileRow,
    sendFile: sendFile
  };
})();
