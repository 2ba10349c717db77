// The import page. Two parts, each active only when its element is on the page:
//
// 1. #import-form: the chosen export files are kept as evidence first, one request per
//    file with the raw file as the body (the same endpoint as the Evidence page, so
//    nothing is ever written in plaintext); then a preview job is started with the
//    exhibit numbers and the options, and the browser goes to the job's page.
// 2. #import-job: while a job runs, its JSON is asked for every data-poll milliseconds
//    to move the progress bar; when it has finished, the page reloads and the server
//    shows the result.
//
// Words come from data-* attributes, so they are translated with the rest of SafeTrail.
// No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function count(n) {
    return String(n || 0).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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

  function csrfToken() { return document.body.dataset.csrf || ""; }

  // -- 1. choosing and keeping the files --------------------------------------------

  function setUpForm(form) {
    var words = form.dataset;
    var picker = document.getElementById("import-picker");
    var filesInput = document.getElementById("import-files");
    var typed = document.getElementById("import-evidence");
    var startButton = document.getElementById("import-start");
    var results = document.getElementById("import-results");
    var summary = document.getElementById("import-summary");
    var goOn = document.getElementById("import-go-on");
    var goOnButton = document.getElementById("import-go-on-button");
    if (!window.XMLHttpRequest || !window.fetch) { return; }
    picker.hidden = false;

    function sizeText(bytes) {
      if (bytes < 1000) { return fill(words.bytes, { n: bytes }); }
      var units = ["KB", "MB", "GB", "TB"];
      var value = bytes / 1000;
      var i = 0;
      while (value >= 1000 && i < units.length - 1) { value /= 1000; i += 1; }
      return value.toFixed(1) + " " + units[i];
    }

    function say(text, alarming) {
      summary.textContent = text;
      summary.className = alarming ? "alert" : "help";
      summary.setAttribute("role", alarming ? "alert" : "status");
    }

    function busy(on) {
      startButton.disabled = on;
      filesInput.disabled = on;
      if (goOnButton) { goOnButton.disabled = on; }
    }

    function row(file, index) {
      var item = element("li", "upload-item");
      var id = "import-file-" + index;
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

    function failure(xhr) {
      if (xhr.status === 403) { return { message: words.expired }; }
      if (xhr.status === 401) { return { message: words.locked }; }
      try {
        var answer = JSON.parse(xhr.responseText);
        if (answer && answer.error) { return { message: answer.error, hint: answer.hint }; }
      } catch (ignored) { /* not JSON */ }
      return { message: words.unknown };
    }

    function showFailed(view, file, why) {
      view.item.classList.add("upload-failed");
      view.status.textContent = "";
      view.status.setAttribute("role", "alert");
      view.status.appendChild(element("strong", "", fill(words.failed, { name: file.name }) + " "));
      view.status.appendChild(element("span", "", why.message + (why.hint ? " " + why.hint : "")));
    }

    function keep(file, view, done) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", words.upload);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.setRequestHeader("X-File-Modified", String(file.lastModified || ""));
      xhr.setRequestHeader("X-Description", encodeURIComponent(words.description));
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
        var saved = null;
        if (xhr.status === 200) {
          try { saved = JSON.parse(xhr.responseText); } catch (ignored) { saved = null; }
        }
        if (saved && saved.ref) {
          view.bar.value = view.bar.max;
          view.item.classList.add("upload-ok");
          view.status.textContent = fill(words.saved, { ref: saved.ref });
          done(saved.ref);
          return;
        }
        showFailed(view, file, failure(xhr));
        done(null);
      };
      xhr.onerror = function () {
        showFailed(view, file, { message: words.network });
        done(null);
      };
      xhr.send(file);
    }

    function options(refs) {
      var body = { mode: "preview", evidence: refs };
      new FormData(form).forEach(function (value, key) {
        if (key === "csrf" || key === "mode" || key === "evidence") { return; }
        if (typeof value === "string") { body[key] = value; }
      });
      return body;
    }

    function typedRefs() {
      return typed && typed.value.trim() ? [typed.value.trim()] : [];
    }

    function startPreview(refs) {
      busy(true);
      say(words.starting, false);
      fetch(words.jobs, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRF-Token": csrfToken()
        },
        body: JSON.stringify(options(refs))
      }).then(function (response) {
        if (response.status === 403) { throw { message: words.expired }; }
        if (response.status === 401) { throw { message: words.locked }; }
        return response.json().then(function (answer) {
          if (!response.ok || !answer.url) {
            throw { message: answer.error || words.unknown, hint: answer.hint };
          }
          window.location.assign(answer.url);
        });
      }).catch(function (why) {
        var message = why && why.message ? why.message : words.unknown;
        say(message + (why && why.hint ? " " + why.hint : ""), true);
        busy(false);
      });
    }

    var kept = [];
    if (goOnButton) {
      goOnButton.textContent = words.goOn;
      goOnButton.addEventListener("click", function () {
        goOn.hidden = true;
        startPreview(typedRefs().concat(kept));
      });
    }

    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(filesInput.files || []);
      if (!files.length) {
        if (typedRefs().length) { return; } // exhibits already kept: an ordinary form post
        event.preventDefault();
        say(words.none, true);
        filesInput.focus();
        return;
      }
      event.preventDefault();
      goOn.hidden = true;
      kept = [];
      var base = results.children.length;
      var views = files.map(function (file, i) { return row(file, base + i); });
      var failed = 0;
      busy(true);
      say("", false);
      var next = function (index) {
        if (index >= files.length) {
          filesInput.value = "";
          if (!failed) {
            startPreview(typedRefs().concat(kept));
            return;
          }
          busy(false);
          say(words.partial, true);
          goOn.hidden = kept.length === 0;
          return;
        }
        keep(files[index], views[index], function (ref) {
          if (ref) { kept.push(ref); } else { failed += 1; }
          next(index + 1);
        });
      };
      next(0);
    });
  }

  // -- 2. following a job -------------------------------------------------------------

  function setUpJob(section) {
    var words = section.dataset;
    var bar = document.getElementById("job-progress");
    var file = document.getElementById("job-file");
    var records = document.getElementById("job-records");
    var stopping = document.getElementById("job-stopping");
    var problem = document.getElementById("job-problem");
    var every = parseInt(words.poll || "500", 10);
    var misses = 0;
    if (!window.fetch) { return; }

    function stop(message) {
      problem.textContent = message;
      problem.hidden = false;
    }

    function show(job) {
      if (job.total_bytes) {
        bar.max = job.total_bytes;
        bar.value = Math.min(job.done_bytes, job.total_bytes);
      }
      if (job.source) { file.textContent = fill(words.file, { name: job.source }); }
      records.textContent = fill(words.records, { n: count(job.records) });
      stopping.hidden = !job.stopping;
    }

    function ask() {
      fetch(words.status, { headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 401) { stop(words.locked); return; }
          if (response.status === 404) { stop(words.gone); return; }
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json().then(function (job) {
            misses = 0;
            show(job);
            if (job.state !== "running") {
              window.location.reload();
              return;
            }
            stillHere();
            window.setTimeout(ask, every);
          });
        })
        .catch(function () {
          misses += 1;
          if (misses >= 6) { stop(words.lost); }
          window.setTimeout(ask, Math.min(every * (misses + 1), 5000));
        });
    }
    window.setTimeout(ask, every);
  }

  // A second click on "Import" must not look like nothing happened, nor send twice.
  function setUpCommit(commit) {
    commit.addEventListener("submit", function () {
      var button = document.getElementById("commit-button");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  }

  var form = document.getElementById("import-form");
  if (form) { setUpForm(form); }
  var job = document.getElementById("import-job");
  if (job) { setUpJob(job); }
  var commit = document.getElementById("commit-form");
  if (commit) { setUpCommit(commit); }
})();
