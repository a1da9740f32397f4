// One way for the pages' scripts to send JSON to the API: {ok: true, data} or {ok: false,
// message} to show, whether the API refused, the answer was not JSON or the network was
// down. The form's buttons are disabled meanwhile, so a double click sends it once.
window.peercetPost = async function (path, body, form, method) {  // method: POST unless said
  "use strict";
  var buttons = form ? Array.from(form.querySelectorAll("button")) : [];
  buttons.forEach(function (b) { b.disabled = true; });
  try {
    var res = await fetch(path, {
      method: method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    var data = await res.json().catch(function () { return null; });
    if (res.ok) { return { ok: true, data: data }; }
    var message = data && data.error ? data.error.message : "The server answered " + res.status + ".";
    return { ok: false, message: message };
  } catch (err) {
    return { ok: false, message: "This did not reach the server. Check the connection and try again." };
  } finally {
    buttons.forEach(function (b) { b.disabled = false; });
  }
};

// Plain JavaScript where it helps: keep "time left" to a deadline up to date.
(function () {
  "use strict";
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function left(deadline) {
    var ms = new Date(deadline).getTime() - Date.now();
    if (ms <= 0) { return "the deadline has passed"; }
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) { parts.push(plural(days, "day")); }
    if (hours) { parts.push(plural(hours, "hour")); }
    if (!days && (minutes % 60 || !parts.length)) { parts.push(plural(minutes % 60, "minute")); }
    return parts.join(" ") + " left";
  }
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      if (el.getAttribute("data-deadline")) { el.textContent = left(el.getAttribute("data-deadline")); }
    });
  }
  window.peercetTimeLeft = left;  // for pages that set a deadline themselves (discussion.js)
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 15000); });
})();

// Pages that show completions follow them live: when the server says one changed
// (paired, fallen back, completed) over /ws, reload to show it. Without /ws, nothing.
(function () {
  "use strict";
  if (!document.body || !document.body.hasAttribute("data-live") || !window.WebSocket) { return; }
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var tries = 0, leaving = false;
  // A form being sent navigates anyway; a reload then would race it.
  document.addEventListener("submit", function () { leaving = true; });
  window.addEventListener("pagehide", function () { leaving = true; });
  function reload() {
    if (!leaving) { leaving = true; location.reload(); }
  }
  // A change made before the socket opened sent its frame to nobody: ask once open.
  function recheck() {
    var watched = document.querySelector("[data-watch-completion]");
    if (!watched || !window.fetch) { return; }
    fetch("/api/completions/" + watched.getAttribute("data-watch-completion"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { if (c && c.state !== watched.getAttribute("data-state")) { reload(); } })
      .catch(function () {});
  }
  function connect() {
    var socket = new WebSocket(scheme + location.host + "/ws");
    socket.onopen = function () { tries = 0; recheck(); };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "completion" || frame.type === "matched") { reload(); }
    };
    socket.onclose = function () {
      tries += 1;
      if (!leaving && tries < 6) { setTimeout(connect, 2000 * tries); }
    };
  }
  connect();
})();
