// Progressive enhancement for an inbox conversation: single-key shortcuts, listed in the page's help text
// (r: reply box, n: note box, a: assignment, e: resolve). Without JavaScript every control is still there.
(function () {
  "use strict";
  function focus(id) {
    var element = document.getElementById(id);
    if (!element) { return false; }
    element.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) { return; }
    var done = false;
    if (event.key === "r") { done = focus("id_body"); }
    else if (event.key === "n") { done = focus("id_note-body") || focus("notes-title"); }
    else if (event.key === "a") { done = focus("desk-assignee"); }
    else if (event.key === "e") {
      var button = document.getElementById("resolve-button");
      if (button) { button.click(); done = true; }
    }
    if (done) { event.preventDefault(); }
  });
})();
