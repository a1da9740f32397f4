// Every page's script (base.html): deadlines keep ticking, and pages that show completions
// (`data-live`) follow them: when the server says one changed (paired, fallen back,
// completed) over /ws, reload to show it.
import { keepDeadlinesTicking } from "./deadlines.js";
import { openSocket } from "./ws.js";

// A change made before the socket opened sent its frame to nobody: ask once open.
async function changedMeanwhile() {
  const watched = document.querySelector("[data-watch-completion]");
  if (!watched) return false;
  try {
    const res = await fetch(`/api/completions/${watched.dataset.watchCompletion}`, { credentials: "same-origin" });
    const completion = res.ok ? await res.json() : null;
    return completion !== null && completion.state !== watched.dataset.state;
  } catch (err) {
    return false;
  }
}

function followCompletions() {
  let leaving = false;
  const socket = openSocket({
    onOpen: async () => { if (await changedMeanwhile()) reload(); },
    on: { completion: reload, matched: reload },
  });
  // A form being sent navigates anyway; a reload then would race it.
  function leave() { leaving = true; socket.stop(); }
  function reload() { if (!leaving) { leave(); location.reload(); } }
  document.addEventListener("submit", leave);
  window.addEventListener("pagehide", leave);
}

keepDeadlinesTicking();
if (document.body.hasAttribute("data-live")) followCompletions();
