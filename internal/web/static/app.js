// graphsec's only script. Every page works without it; it adds copy
// buttons, keyboard navigation, filters that apply as they are toggled, and
// forms that cannot be sent twice. It never writes HTML: text goes in with
// textContent, so data shown on a page can never become markup.
"use strict";
(function () {
  var root = document.documentElement;
  root.classList.add("js"); // copy buttons and the like show only now

  // Copy: data-copy names an element whose text is copied, data-copy-text
  // holds the text itself.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.copy");
    if (!btn) return;
    var text = btn.getAttribute("data-copy-text");
    if (text === null) {
      var src = document.getElementById(btn.getAttribute("data-copy"));
      if (!src) return;
      text = src.textContent;
    }
    var done = function () {
      btn.classList.add("copied");
      var labelled = btn.classList.contains("labelled");
      var old = labelled ? btn.textContent : btn.getAttribute("title");
      var msg = document.body.getAttribute("data-copied") || "✓";
      if (labelled) btn.textContent = msg; else btn.setAttribute("title", msg);
      setTimeout(function () {
        btn.classList.remove("copied");
        if (labelled) btn.textContent = old; else if (old !== null) btn.setAttribute("title", old);
      }, 1500);
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

  // The queue's severity and status toggles apply at once.
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches("form.filters .toggles input[type=checkbox]")) return;
    var form = input.form;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // A form that changes something is sent once: a second submit while the
  // first is on its way is dropped, and its buttons are disabled (after the
  // browser has read the pressed button's name and value).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    if (form.getAttribute("aria-busy") === "true") { ev.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) { b.disabled = true; });
    }, 0);
  });
  // A page the browser restores from its back/forward cache would show what
  // an earlier session saw (after signing out, Back), with its forms marked
  // busy: ask the server again, which shows the page, or the sign-in page,
  // as things are now.
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) location.reload();
  });

  // Keyboard. In the queue: j / k move the selection, Enter opens the
  // selected alert (its link has the focus), / goes to the search. On an
  // alert: j / k open the next / previous alert, u goes back to the list.
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rowLinks() { return Array.prototype.slice.call(document.querySelectorAll("#alerts tbody a.title")); }
  function select(links, i) {
    var old = document.querySelector("#alerts tbody tr.selected");
    if (old) old.classList.remove("selected");
    var a = links[i];
    var tr = a.closest("tr");
    tr.classList.add("selected");
    a.focus();
    tr.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    var links = rowLinks();
    if (links.length) {
      if (ev.key === "j" || ev.key === "k") {
        var i = links.indexOf(document.activeElement);
        if (i < 0) {
          var sel = document.querySelector("#alerts tbody tr.selected a.title");
          i = sel ? links.indexOf(sel) : -1;
        }
        if (ev.key === "j") i = i < 0 ? 0 : Math.min(i + 1, links.length - 1);
        else i = i < 0 ? 0 : Math.max(i - 1, 0);
        select(links, i);
        ev.preventDefault();
        return;
      }
      if (ev.key === "/") {
        var q = document.getElementById("f-q");
        if (q) {
          var bar = document.getElementById("filterbar");
          if (bar && !bar.open) bar.open = true;
          q.focus();
          q.select();
          ev.preventDefault();
        }
        return;
      }
    }
    var go = { j: "next-alert", k: "prev-alert", u: "back-to-queue" }[ev.key];
    if (go) {
      var link = document.getElementById(go);
      if (link && link.href) { ev.preventDefault(); window.location.assign(link.href); }
    }
  });
  document.addEventListener("focusin", function (ev) {
    var a = ev.target.closest && ev.target.closest("#alerts tbody a.title");
    if (!a) return;
    var old = document.querySelector("#alerts tbody tr.selected");
    if (old && old !== a.closest("tr")) old.classList.remove("selected");
    a.closest("tr").classList.add("selected");
  });
})();
