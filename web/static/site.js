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
      el.textContent = left(el.getAttribute("data-deadline"));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setInterval(tick, 60000); });
})();
