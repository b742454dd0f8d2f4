// A batch's page: follow its progress, and show the finished table when every essay is done.
(function () {
  "use strict";
  var card = document.getElementById("batch-progress");
  if (!card || card.getAttribute("data-complete") === "yes") { return; }
  var bar = document.getElementById("batch-bar");
  var text = document.getElementById("batch-text");
  var poll = function () {
    fetch(card.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { window.location.reload(); throw new Error("reloading"); }
        return response.json();
      })
      .then(function (body) {
        bar.max = body.total || 1;
        bar.value = body.finished;
        text.textContent = body.finished + " of " + body.total + " essays graded" +
          (body.counts.failed ? " (" + body.counts.failed + " could not be)" : "") +
          (body.complete ? "." : " — this page updates by itself.");
        if (body.complete) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  };
  window.setTimeout(poll, 1000);
})();
