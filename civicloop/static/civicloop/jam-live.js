// Progressive enhancement for a jam's page: without JavaScript the page shows a server-rendered
// countdown and everything posted so far on each reload. With it, the countdown ticks, and every
// 10 seconds new prompts, ideas and comments are fetched and added at the top of their lists
// (both aria-live="polite"); a button pauses the updates (WCAG 2.2.2).
(function () {
  "use strict";
  var POLL_MS = 10000;
  var countdown = document.getElementById("jam-countdown");
  var live = document.getElementById("jam-live");
  var lang = document.documentElement.lang || "en";

  function unitText(value, unit) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" }).format(value);
    } catch (error) {
      return value + " " + unit + (value === 1 ? "" : "s");
    }
  }

  // Two units at most, like the server's text ("2 days, 5 hours").
  function remainingText(milliseconds) {
    var seconds = Math.floor(milliseconds / 1000);
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    var days = Math.floor(hours / 24);
    var parts;
    if (days > 0) { parts = [unitText(days, "day"), hours % 24 ? unitText(hours % 24, "hour") : ""]; }
    else if (hours > 0) { parts = [unitText(hours, "hour"), minutes % 60 ? unitText(minutes % 60, "minute") : ""]; }
    else if (minutes > 0) { parts = [unitText(minutes, "minute")]; }
    else { parts = [unitText(seconds, "second")]; }
    return parts.filter(Boolean).join(", ");
  }

  var countdownTimer = null;
  function tick() {
    var time = countdown.querySelector("time");
    if (!time) { return; }
    // Without the microseconds Django writes, which not every browser's Date.parse accepts.
    var left = Date.parse(time.getAttribute("datetime").replace(/\.\d+/, "")) - Date.now();
    if (isNaN(left)) { return; }
    if (left <= 0) {
      countdown.textContent = countdown.dataset.closed;
      window.clearInterval(countdownTimer);
      return;
    }
    var text = remainingText(left);
    if (time.textContent !== text) { time.textContent = text; }
  }
  if (countdown && countdown.querySelector("time")) {
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  if (!live || live.dataset.open !== "true" || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var paused = false;
  var pollTimer = null;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = live.dataset.pause;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", function () {
    paused = !paused;
    button.textContent = paused ? live.dataset.resume : live.dataset.pause;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    if (!paused) { update(); }
  });
  live.insertBefore(button, live.firstChild);

  // Adds the fragment's items above the list's current ones, keeping their newest-first order.
  function prependAll(source, target) {
    if (!source || !target || !source.children.length) { return; }
    var placeholder = target.querySelector(".jam-empty");
    if (placeholder) { placeholder.remove(); }
    var items = Array.prototype.slice.call(source.children);
    for (var index = items.length - 1; index >= 0; index--) {
      target.insertBefore(document.importNode(items[index], true), target.firstChild);
    }
  }

  function schedule() {
    if (pollTimer === null && !paused) { pollTimer = window.setTimeout(update, POLL_MS); }
  }

  function update() {
    window.clearTimeout(pollTimer);
    pollTimer = null;
    if (paused) { return; }
    var query = new URLSearchParams({
      prompt: live.dataset.prompt, idea: live.dataset.idea, comment: live.dataset.comment
    });
    fetch(live.dataset.url + "?" + query.toString(), {
      credentials: "same-origin", headers: { "Accept": "text/html" }
    })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("jam-updates");
        if (!fresh) { schedule(); return; }
        prependAll(fresh.querySelector("[data-list=prompts]"), document.getElementById("jam-prompts"));
        prependAll(fresh.querySelector("[data-list=activity]"), document.getElementById("jam-activity"));
        live.dataset.prompt = fresh.dataset.prompt;
        live.dataset.idea = fresh.dataset.idea;
        live.dataset.comment = fresh.dataset.comment;
        if (fresh.dataset.open === "true") { schedule(); return; }
        button.remove();
        if (countdown) { countdown.textContent = countdown.dataset.closed; }
      })
      .catch(function () { schedule(); });
  }
  schedule();
})();
