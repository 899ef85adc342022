// Progressive enhancement for the new-idea form: while someone types the title or description,
// similar ideas already posted on the question are shown (aria-live="polite"), so they can support
// one instead of posting a copy. Without JavaScript, the "Check for similar ideas first" button
// does the same with a round trip.
(function () {
  "use strict";
  var WAIT_MS = 700;
  var MIN_LENGTH = 8;
  var MAX_LENGTH = 1000;
  var region = document.getElementById("similar-ideas");
  var title = document.getElementById("id_title");
  var body = document.getElementById("id_body");
  if (!region || !title || !body || !window.fetch || !window.URLSearchParams) { return; }
  var checkButton = document.getElementById("check-similar");
  if (checkButton) { checkButton.hidden = true; }
  var timer = null;
  var lastText = null;
  var request = null;

  function draft() { return (title.value.trim() + "\n\n" + body.value.trim()).trim().slice(0, MAX_LENGTH); }

  function show(html) {
    // Only a real change is written, so screen readers do not hear the same list again.
    if (region.innerHTML.trim() !== html.trim()) { region.innerHTML = html; }
  }

  function lookUp() {
    timer = null;
    var text = draft();
    if (text === lastText) { return; }
    lastText = text;
    if (text.length < MIN_LENGTH) { show(""); return; }
    if (request) { request.abort(); }
    request = window.AbortController ? new AbortController() : null;
    fetch(region.dataset.url + "?" + new URLSearchParams({ text: text }).toString(), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      signal: request ? request.signal : undefined
    })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(show)
      .catch(function () { /* a failed lookup only means no suggestions; posting still works */ });
  }

  function schedule() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(lookUp, WAIT_MS);
  }
  title.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
  if (draft()) { schedule(); }
})();
