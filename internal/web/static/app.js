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

  // Keyboard. In a queue: j / k move the selection, Enter opens the
  // selected item (its link has the focus), / goes to the search. On an
  // alert or an incident: j / k open the next / previous one, u goes back
  // to the list.
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // A queue's table (alerts, incidents) is marked data-queue.
  function rowLinks() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tbody a.title")); }
  function select(links, i) {
    var old = document.querySelector("[data-queue] tbody tr.selected");
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
          var sel = document.querySelector("[data-queue] tbody tr.selected a.title");
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
    if (ev.key === "j" || ev.key === "k" || ev.key === "u") {
      // An item's page: its next, previous and way back declare the key.
      var link = document.querySelector('a[aria-keyshortcuts="' + ev.key + '"]');
      if (link && link.href) { ev.preventDefault(); window.location.assign(link.href); }
    }
  });
  document.addEventListener("focusin", function (ev) {
    var a = ev.target.closest && ev.target.closest("[data-queue] tbody a.title");
    if (!a) return;
    var old = document.querySelector("[data-queue] tbody tr.selected");
    if (old && old !== a.closest("tr")) old.classList.remove("selected");
    a.closest("tr").classList.add("selected");
  });
  // The live page follows /notifications/stream (server-sent events) and
  // adds each item its filters select at the top of the list, built from
  // text nodes only. The page gives the texts (data-labels) and where to
  // start (data-stream: after the newest item it could show); the
  // browser's EventSource reconnects by itself with Last-Event-ID, so
  // nothing is skipped or shown twice. The indicator says how it stands.
  // A legacy alert's webhook item arrives with the alert's id alone; an
  // "enriched" event (no id: it is not an item) later brings its title
  // and changes, which replace the item's text in place.
  (function () {
    var list = document.getElementById("live-list");
    if (!list || !list.getAttribute("data-stream") || !window.EventSource) return;
    var state = document.getElementById("live-state");
    var L = {}, feeds = {};
    try {
      L = JSON.parse(list.getAttribute("data-labels") || "{}");
      feeds = JSON.parse(list.getAttribute("data-feeds") || "{}");
    } catch (e) { /* labels missing: raw values are shown */ }
    var props = L.props || {};
    var order = ["title", "displayName", "severity", "status", "classification", "determination", "feedback", "assignedTo", "incidentId", "redirectIncidentId", "category", "provider"];
    var q = (list.getAttribute("data-q") || "").toLowerCase();
    var source = list.getAttribute("data-source") || "";
    var feed = list.getAttribute("data-feed") || "";
    function setState(s) {
      if (!state) return;
      state.setAttribute("data-state", s);
      state.textContent = state.getAttribute("data-l-" + s) || s;
    }
    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined && text !== null) e.textContent = text;
      return e;
    }
    // The console's page of a resource (as the server's live.Href).
    function link(resource, id) {
      var parts = (resource || "").replace(/^\//, "").split("/");
      if (parts.length < 2 || parts[0].toLowerCase() !== "security") return null;
      id = id || parts[2] || "";
      if (!id) return null;
      var col = parts[1].toLowerCase();
      var base = col === "alerts" ? "/legacy/alerts/" : col === "alerts_v2" ? "/alerts/" : col === "incidents" ? "/incidents/" : null;
      if (!base) return null;
      var short = col === "alerts" ? "legacyAlert" : col === "alerts_v2" ? "alert" : "incident";
      return { href: base + encodeURIComponent(id), short: short, kind: L["kind." + short] || "" };
    }
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    // A time as the server writes it (i18n's TimeLong, UTC).
    function when(iso) {
      var d = new Date(iso);
      if (isNaN(d.getTime())) return "";
      var hms = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC";
      if (root.lang === "ja") return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + hms;
      return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + hms;
    }
    // A changed value, labelled as the server labels it (enumOf in
    // internal/web/live).
    var enumOf = {
      "alert.severity": "enum.AlertSeverity", "incident.severity": "enum.AlertSeverity",
      "alert.status": "enum.AlertStatus", "incident.status": "enum.IncidentStatus",
      "alert.classification": "enum.AlertClassification", "incident.classification": "enum.AlertClassification",
      "alert.determination": "enum.AlertDetermination", "incident.determination": "enum.AlertDetermination",
      "legacyAlert.severity": "enum.LegacyAlertSeverity", "legacyAlert.status": "enum.LegacyAlertStatus",
      "legacyAlert.feedback": "enum.LegacyAlertFeedback"
    };
    function value(kind, prop, v) {
      if (v === null || v === undefined || v === "") return L.noValue || "—";
      if (typeof v !== "string") return JSON.stringify(v);
      var ns = (L.enums || {})[enumOf[kind + "." + prop]];
      return ns && Object.prototype.hasOwnProperty.call(ns, v) ? ns[v] : v;
    }
    function matches(ev) {
      if (source && ev.source !== source) return false;
      if (feed && ev.feed !== feed) return false;
      if (q && [ev.id, ev.resourceId, ev.title].join("\n").toLowerCase().indexOf(q) < 0) return false;
      return true;
    }
    // The list of an item's changes ({"property": {"from", "to"}}), or
    // null when there are none.
    function changeList(kind, changes) {
      if (!changes || typeof changes !== "object") return null;
      var names = Object.keys(changes).sort(function (x, y) {
        var i = order.indexOf(x), j = order.indexOf(y);
        if (i < 0) i = order.length;
        if (j < 0) j = order.length;
        return i !== j ? i - j : x < y ? -1 : x > y ? 1 : 0;
      });
      if (!names.length) return null;
      var ul = el("ul", "li-changes");
      names.forEach(function (name) {
        var c = changes[name] || {};
        var row = el("li");
        row.setAttribute("data-prop", name);
        row.appendChild(el("span", "prop", props[name] || name));
        row.appendChild(document.createTextNode(": "));
        row.appendChild(el("span", "from", value(kind, name, c.from)));
        row.appendChild(document.createTextNode(" → "));
        row.appendChild(el("span", "to", value(kind, name, c.to)));
        ul.appendChild(row);
      });
      return ul;
    }
    // enrich puts an enrichment's title (the id moving beside it, as the
    // server writes a titled item) and changes on the item shown.
    function enrich(ev) {
      var li = document.getElementById("n-" + ev.seq);
      if (!li) return;
      var t = li.querySelector(".li-title");
      if (t && ev.title) {
        var a = t.querySelector("a");
        var had = t.querySelector(".li-id");
        var id = had ? had.textContent : (a || t).textContent;
        if (a) a.textContent = ev.title; else t.textContent = ev.title;
        if (!had && id) {
          t.appendChild(document.createTextNode(" "));
          t.appendChild(el("code", "li-id small muted", id));
        }
      }
      var ul = changeList(li.getAttribute("data-kind") || "", ev.changes);
      if (ul) {
        var old = li.querySelector(".li-changes");
        if (old) old.remove();
        li.appendChild(ul);
      }
      li.classList.add("enriched");
    }
    function item(ev) {
      var li = el("li", "live-item fresh src-" + ev.source);
      li.id = "n-" + ev.seq;
      li.setAttribute("data-seq", String(ev.seq));
      li.setAttribute("data-change", (ev.changeType || "") + (ev.lifecycleEvent || ""));
      var to = link(ev.resource, ev.resourceId);
      li.setAttribute("data-kind", to ? to.short : "");
      var head = el("div", "li-head");
      var t = el("time", null, when(ev.receivedAt));
      t.setAttribute("datetime", ev.receivedAt);
      head.appendChild(t);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "badge st src", L["source." + ev.source] || ev.source));
      var what = ev.lifecycleEvent ? L["event." + ev.lifecycleEvent] || ev.lifecycleEvent : ev.changeType ? L["change." + ev.changeType] || ev.changeType : "";
      if (what) { head.appendChild(document.createTextNode(" ")); head.appendChild(el("span", "li-event", what)); }
      if (to && to.kind) { head.appendChild(document.createTextNode(" ")); head.appendChild(el("span", "li-kind muted", to.kind)); }
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "badge st st-new", L["new"] || "New"));
      if (feeds[ev.feed]) head.appendChild(el("span", "li-feed", feeds[ev.feed]));
      li.appendChild(head);
      var title = el("div", "li-title");
      var text = ev.title || ev.resourceId || L.untitled || "";
      if (to) {
        var a = el("a", null, text);
        a.setAttribute("href", to.href);
        title.appendChild(a);
      } else {
        title.appendChild(document.createTextNode(text));
      }
      if (ev.title && ev.resourceId) {
        title.appendChild(document.createTextNode(" "));
        title.appendChild(el("code", "li-id small muted", ev.resourceId));
      }
      li.appendChild(title);
      var ul = changeList(to ? to.short : "", ev.changes);
      if (ul) li.appendChild(ul);
      return li;
    }
    setState("connecting");
    var es = new EventSource(list.getAttribute("data-stream"));
    es.onopen = function () { setState("connected"); };
    es.onerror = function () { setState(es.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting"); };
    // The stream names its events "notification".
    es.addEventListener("notification", function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (!ev || typeof ev.seq !== "number" || document.getElementById("n-" + ev.seq) || !matches(ev)) return;
      var empty = document.getElementById("no-notes");
      if (empty) empty.remove();
      list.insertBefore(item(ev), list.firstChild);
    });
    es.addEventListener("enriched", function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (ev && typeof ev.seq === "number") enrich(ev);
    });
    window.addEventListener("pagehide", function () { es.close(); });
  })();
})();
