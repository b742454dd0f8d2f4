// The essay and calibration pages: poll the status until it is final, then reload to show feedback;
// a comment's sentence link moves keyboard focus to that sentence.
(function () {
  "use strict";
  var progress = document.getElementById("progress");
  if (progress) {
    var url = progress.getAttribute("data-status-url");
    var text = document.getElementById("progress-text");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok || !(response.headers.get("Content-Type") || "").includes("json")) {
            throw new Error("signed out");  // e.g. the session ended: reload to sign in again
          }
          return response.json();
        })
        .then(function (body) {
          if (body.status !== "queued" && body.status !== "running") {
            window.location.reload();
            return;
          }
          text.textContent = (body.status === "running" ? "Grading" : "Waiting for a grader") +
            " — this page updates by itself.";
          window.setTimeout(poll, 1000);
        })
        .catch(function (error) {
          if (error.message === "signed out") { window.location.reload(); return; }
          window.setTimeout(poll, 3000);
        });
    };
    window.setTimeout(poll, 700);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.sentence-link");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) {
      document.querySelectorAll(".sentence.focused").forEach(function (s) { s.classList.remove("focused"); });
      target.classList.add("focused");
      target.focus({ preventScroll: false });
    }
  });
})();
