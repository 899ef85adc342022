// Progressive enhancement for the delivery progress page: without JavaScript the page has a
// Refresh link; with it, the counts update every 3 seconds until the send finishes, and a button
// pauses the updates (WCAG 2.2.2). Only the end of the send is announced to screen readers.
(function () {
  "use strict";
  var live = document.getElementById("delivery-live");
  if (!live || live.dataset.running !== "true" || !window.fetch || !window.DOMParser) { return; }
  var paused = false;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = live.dataset.pause;
  button.addEventListener("click", function () {
    paused = !paused;
    button.textContent = paused ? live.dataset.resume : live.dataset.pause;
    if (!paused) { schedule(); }
  });
  live.parentNode.insertBefore(button, live);
  var timer = null;
  function schedule() { if (timer === null) { timer = window.setTimeout(update, 3000); } }
  function update() {
    timer = null;
    if (paused) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("delivery-live");
        if (!fresh) { return; }
        live.innerHTML = fresh.innerHTML;
        live.dataset.running = fresh.dataset.running;
        if (fresh.dataset.running === "true") { schedule(); return; }
        button.remove();
        var announcer = document.getElementById("delivery-announcer");
        var freshAnnouncer = page.getElementById("delivery-announcer");
        if (announcer && freshAnnouncer) { announcer.textContent = freshAnnouncer.textContent; }
      })
      .catch(function () { schedule(); });
  }
  schedule();
})();
