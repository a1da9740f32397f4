// The one WebSocket client of the pages (API.md, "WebSocket"): plain JavaScript, no build step.
// One rule for every page: reconnect with exponential backoff and jitter; on every open, join
// again each followed discussion `after` the last seq seen on it, so a reconnect loses nothing;
// a ping while open (the server drops a silent socket); 4401 (the session ended) stops it and
// sends the browser to sign in, unless this browser holds a fresh session (its own password
// change), when it reconnects as after any other close.

const PING_EVERY = 25000;
const FIRST_WAIT = 1000;
const LONGEST_WAIT = 30000;
const SESSION_ENDED = 4401;

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws`;
}

// As the server sends a signed-out page there: `next` is this page's path, its "/" kept.
function signIn() {
  const next = encodeURIComponent(location.pathname).replaceAll("%2F", "/");
  location.assign(`/signin?next=${next}`);
}

// Still signed in (a fresh cookie) after a 4401? Unknown (the network is down) counts as yes:
// the next socket asks the server again.
async function stillSignedIn() {
  try {
    const res = await fetch("/api/me", { credentials: "same-origin" });
    return res.status !== 401;
  } catch (err) {
    return true;
  }
}

function parse(data) {
  try { return JSON.parse(data); } catch (err) { return null; }
}

// `on` maps a frame's type to what handles it (other frames are ignored); `onOpen()` runs
// after each (re)connect, once the joins are sent; `onStatus(status, wait)` hears "connecting",
// "open", "waiting" (`wait` ms before the next try) and "signed-out".
export function openSocket({ on = {}, onOpen = () => {}, onStatus = () => {} } = {}) {
  const seen = new Map();  // discussion -> the last seq received on it
  let ws = null, backoff = FIRST_WAIT, pinger = 0, retry = 0, stopped = false;

  const isOpen = () => ws !== null && ws.readyState === WebSocket.OPEN;

  function send(frame) {
    if (!isOpen()) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function joinAll() {
    for (const [discussion, after] of seen) send({ type: "join", discussion, after });
  }

  function received(event) {
    const frame = parse(event.data);
    if (frame === null || typeof frame !== "object") return;
    if (frame.type === "message" && seen.has(frame.discussion)) {
      seen.set(frame.discussion, Math.max(seen.get(frame.discussion), frame.seq));
    }
    if (Object.hasOwn(on, frame.type)) on[frame.type](frame);
  }

  function later() {
    const wait = backoff * (0.5 + Math.random());
    backoff = Math.min(backoff * 2, LONGEST_WAIT);
    onStatus("waiting", wait);
    retry = setTimeout(connect, wait);
  }

  async function closed(event) {
    clearInterval(pinger);
    if (stopped) return;
    if (event.code === SESSION_ENDED && !(await stillSignedIn())) {
      stop();
      onStatus("signed-out");
      signIn();
      return;
    }
    later();
  }

  function connect() {
    if (stopped) return;
    const socket = new WebSocket(socketUrl());
    ws = socket;
    onStatus("connecting");
    socket.addEventListener("open", () => {
      backoff = FIRST_WAIT;
      joinAll();
      clearInterval(pinger);
      pinger = setInterval(() => send({ type: "ping" }), PING_EVERY);
      onStatus("open");
      onOpen();
    });
    socket.addEventListener("message", received);
    socket.addEventListener("close", closed);
  }

  // Follow a discussion from `after` on: joined now if open, and again after every reconnect.
  function join(discussion, after = 0) {
    seen.set(discussion, Math.max(seen.get(discussion) || 0, after));
    send({ type: "join", discussion, after: seen.get(discussion) });
  }

  function stop() {
    stopped = true;
    clearTimeout(retry);
    clearInterval(pinger);
    if (ws !== null) ws.close();
  }

  connect();
  return { join, send, isOpen, stop };
}
