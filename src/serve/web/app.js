// The service's one script: a submission's page follows its status live
// (GET /api/v1/submissions/ID with the session cookie) and reloads when
// the verdict is in.
(function () {
  var live = document.getElementById("live");
  if (!live) return;
  var id = live.getAttribute("data-id");
  function poll() {
    fetch("/api/v1/submissions/" + id, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var state = document.getElementById("state");
        if (state.textContent !== s.state) {
          state.textContent = s.state;
          state.className = s.state;
        }
        if (s.state === "done") location.reload();
        else setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 700);
})();
