// "Time left" to a deadline, kept up to date on every element with `data-deadline`.

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

export function timeLeft(deadline) {
  const ms = new Date(deadline).getTime() - Date.now();
  if (ms <= 0) return "the deadline has passed";
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
  const parts = [];
  if (days) parts.push(plural(days, "day"));
  if (hours) parts.push(plural(hours, "hour"));
  if (!days && (minutes % 60 || !parts.length)) parts.push(plural(minutes % 60, "minute"));
  return `${parts.join(" ")} left`;
}

function tick() {
  for (const el of document.querySelectorAll("[data-deadline]")) {
    if (el.dataset.deadline) el.textContent = timeLeft(el.dataset.deadline);
  }
}

export function keepDeadlinesTicking() {
  tick();
  setInterval(tick, 15000);
}
