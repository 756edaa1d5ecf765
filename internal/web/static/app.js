// graphsec's only script. Everything works without it; it adds copy
// buttons and keyboard-free conveniences. It never writes HTML: text goes
// in with textContent, so data shown on a page can never become markup.
"use strict";
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("button.copy");
  if (!btn) return;
  var src = document.getElementById(btn.getAttribute("data-copy"));
  if (!src) return;
  var text = src.textContent;
  var done = function () {
    var old = btn.textContent;
    btn.textContent = "Copied";
    setTimeout(function () { btn.textContent = old; }, 1500);
  };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(done, function () {});
  }
});
// Expand or collapse every <details> in a group.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("button[data-toggle-all]");
  if (!btn) return;
  var group = document.getElementById(btn.getAttribute("data-toggle-all"));
  if (!group) return;
  var all = group.querySelectorAll("details");
  var open = !Array.prototype.every.call(all, function (d) { return d.open; });
  Array.prototype.forEach.call(all, function (d) { d.open = open; });
});
// Copy buttons are useless without script: show them only when it runs.
document.documentElement.classList.add("js");
// A page the browser restores from its back/forward cache would show what
// an earlier session saw (after signing out, Back): ask the server again,
// which shows the page, or the sign-in page, as things are now.
window.addEventListener("pageshow", function (ev) {
  if (ev.persisted) location.reload();
});
