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

  var kit = window.SafeTrailFiles;
  if (!kit) { return; }
  var fill = kit.fill;
  var element = kit.element;
  var stillHere = kit.stillHere;

  function count(n) {
    return String(n || 0).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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
      return kit.fileRow(results, file, "import-file-" + index, words);
    }

    function keep(file, view, done) {
      var fields = { "X-Description": words.description };
      kit.sendFile(file, view, words.upload, fields, words, function (saved) {
        view.status.textContent = fill(words.saved, { ref: saved.ref });
        done(saved.ref);
      }, function () {
        done(null);
      });
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
