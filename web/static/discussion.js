// The discussion page: plain JavaScript, no build step.
// One socket (ws.js: it resumes after the last seq seen); messages are kept in `seq` order;
// unacknowledged messages are sent again with the same client_msg_id after a reconnect.
import { timeLeft } from "./deadlines.js";
import { post } from "./http.js";
import { disputeText } from "./disputes.js";
import { showMessage } from "./transcript.js";
import { openSocket } from "./ws.js";

const root = document.getElementById("discussion");
const id = Number(root.dataset.discussion);
const me = Number(root.dataset.me);
const readOnly = root.dataset.role !== "participant";
const $ = (sel) => document.getElementById(sel);
const ACK_TIMEOUT = 10000;
const state = {
  view: null, lastSeq: 0, socket: null, pending: new Map(),
  written: new Map(), online: [], moderators: [], typingTimer: null, lastTyping: 0,
};

function announce(text) {
  const el = $("announcer");
  el.textContent = "";
  setTimeout(() => { el.textContent = text; }, 50);
}

function peer() {
  return state.view ? state.view.participants.find((p) => p.id !== me) : null;
}

function nameOf(authorId) {
  if (authorId === me) return "You";
  const p = state.view && state.view.participants.find((x) => x.id === authorId);
  return p ? p.name : "Moderator";
}

async function loadView() {
  const res = await fetch(`/api/discussions/${id}`, { credentials: "same-origin" });
  if (!res.ok) { $("connection").textContent = "This discussion cannot be shown."; return; }
  state.view = await res.json();
  renderView();
}

function renderView() {
  const v = state.view;
  $("title").textContent = `Discussion: ${v.course_title || v.course_ref}`;
  $("course").textContent = v.course_ref;
  const p = peer();
  if (p) {
    $("peer-name").textContent = p.name;
    $("peer-profession").textContent = `(${p.profession.replaceAll("_", " ")})`;
  }
  const list = $("prompts");
  const choice = $("prompt-choice");
  list.replaceChildren();
  choice.replaceChildren(new Option("(general)", ""));
  for (const prompt of v.prompts) {
    const li = document.createElement("li");
    li.id = `prompt-${prompt.id}`;
    li.textContent = prompt.text;
    if (!readOnly) li.append(" ", writeOn(prompt, list.children.length + 1));
    list.append(li);
    choice.append(new Option(prompt.text.slice(0, 60), String(prompt.id)));
  }
  renderStanding();
  renderPresence();
}

// A button beside each prompt: choose it in the composer and go to the message box.
function writeOn(prompt, number) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "write-on";
  button.textContent = `Write on prompt ${number}`;
  button.addEventListener("click", () => { $("prompt-choice").value = String(prompt.id); $("body").focus(); });
  return button;
}

function wroteOn(author) {
  if (!state.written.has(author)) state.written.set(author, new Set());
  return state.written.get(author);
}

function tookPart(author) {
  const mine = wroteOn(author);
  if (!state.view || mine.size === 0) return false;
  return state.view.prompts.every((p) => mine.has(p.id));
}

function renderStanding() {
  const v = state.view;
  if (!v) return;
  const p = peer();
  for (const prompt of v.prompts) {
    const li = $(`prompt-${prompt.id}`);
    if (!li) continue;
    li.classList.toggle("done", wroteOn(me).has(prompt.id));
    li.classList.toggle("peer-done", p ? wroteOn(p.id).has(prompt.id) : false);
  }
  const left = v.prompts.filter((x) => !wroteOn(me).has(x.id)).length;
  const mineDone = tookPart(me);
  const peerDone = p ? tookPart(p.id) : false;
  $("standing").textContent = readOnly ? "You are reading as a moderator." :
    mineDone ? (peerDone ? "You have both taken part: you can validate."
      : "You have taken part; waiting for your partner.")
      : `${left} prompt(s) left for you to write on.`;
  renderValidation(mineDone && peerDone);
}

function renderValidation(bothTookPart) {
  const v = state.view;
  const section = $("validation");
  const mineDone = v.validations.some((x) => x.registrant_id === me);
  const canValidate = v.state === "open" || v.state === "disputed";  // disputed: the other still may
  section.hidden = readOnly || !canValidate && !mineDone && !v.dispute;
  $("validate").hidden = !canValidate || mineDone;
  $("validate").querySelector("button").disabled = !bothTookPart;
  $("validation-state").textContent = disputeText(v, me, mineDone) ||
    (v.state === "completed" ? "Both of you validated: your interactive CET is complete." :
    v.state === "closed" ? "This discussion is closed." :
    mineDone ? "You validated; waiting for your partner." :
    bothTookPart ? "Confirm your partner took part and add a short reflection." :
    "You can validate once you have both written on every prompt.");
  const closed = v.state !== "open" || readOnly;
  $("body").disabled = closed;
  $("composer").querySelector("button").disabled = closed;
  renderCloses();
}

// When the discussion falls back (the earlier of the two deadlines), with a countdown
// (site.js keeps it ticking); gone once the discussion is over.
function renderCloses() {
  const v = state.view, line = $("closes");
  const over = v.state === "closed" || v.state === "completed";
  line.hidden = !v.closes_at || over;
  if (line.hidden) return;
  const at = new Date(v.closes_at);
  $("closes-at").dateTime = v.closes_at;
  $("closes-at").textContent = at.toLocaleString("en-GB", {
    timeZone: line.dataset.tz || undefined, weekday: "short", day: "numeric", month: "long",
    year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  $("closes-left").dataset.deadline = v.closes_at;
  $("closes-left").textContent = timeLeft(v.closes_at);
}

// After a dispute or a decision: the view again, for who disputed and what was decided.
async function refreshView() {
  const res = await fetch(`/api/discussions/${id}`, { credentials: "same-origin" });
  if (res.ok) { state.view = await res.json(); renderStanding(); }
}

function renderPresence() {
  $("moderator-present").hidden = state.moderators.length === 0;
  const p = peer();
  const online = p ? state.online.includes(p.id) : false;
  $("peer-dot").classList.toggle("online", online);
  $("peer-status").textContent = online ? "online" : "offline";
}

function renderMessage(m, pendingState) {
  const number = m.prompt && state.view ? state.view.prompts.findIndex((x) => x.id === m.prompt) + 1 : 0;
  showMessage($("messages"), m, {
    mine: m.author === me, author: nameOf(m.author), prompt: number, state: pendingState,
    retry: () => sendPending(m.client_msg_id),
  });
}

function onMessage(m) {
  if (m.discussion !== id) return;
  if (m.seq <= state.lastSeq) { acknowledge(m); return; }
  state.lastSeq = m.seq;
  if (m.author !== null && m.kind === "peer") wroteOn(m.author).add(m.prompt);
  acknowledge(m);
  renderMessage(m);
  if (m.author !== me) { announce(`${nameOf(m.author)}: ${m.body.slice(0, 140)}`); $("typing").textContent = ""; }
  renderStanding();
}

// Only your own message acknowledges your pending one (the map holds your ids only).
function acknowledge(m) {
  const p = m.author === me && m.client_msg_id && state.pending.get(m.client_msg_id);
  if (!p) return;
  clearTimeout(p.timer);
  state.pending.delete(m.client_msg_id);
  renderMessage(m);
}

function sendPending(cmid) {
  const p = state.pending.get(cmid);
  if (!p) return;
  p.state = "sending";
  renderMessage({ ...p.frame, author: me, kind: "peer", body: p.frame.body }, "sending");
  clearTimeout(p.timer);
  p.timer = setTimeout(() => fail(cmid), ACK_TIMEOUT);
  if (state.socket) state.socket.send(p.frame);
}

function fail(cmid, reason) {
  const p = state.pending.get(cmid);
  if (!p) return;
  p.state = "failed";
  renderMessage({ ...p.frame, author: me, kind: "peer" }, "failed");
  announce(`A message was not sent${reason ? ` (${reason})` : ""}. You can retry it.`);
}

function onError(frame) {
  const mine = frame.client_msg_id && state.pending.has(frame.client_msg_id);
  if (mine) fail(frame.client_msg_id, frame.message || frame.code);
  if (frame.code === "discussion_closed") { state.view.state = "closed"; renderStanding(); }
  if (!mine) announce(frame.message || frame.code);
}

const handlers = {
  joined(f) {
    if (f.discussion !== id) return;
    state.online = f.online; state.moderators = f.moderators || [];
    if (state.view) {  // what changed while the socket was away (closed, validated, disputed)
      const changed = f.state !== state.view.state;
      Object.assign(state.view, { participants: f.participants, state: f.state, validations: f.validations });
      if ("closes_at" in f) state.view.closes_at = f.closes_at;
      renderStanding();
      if (changed) refreshView();
    }
    renderPresence();
  },
  message: onMessage,
  typing(f) {
    if (f.author === me || f.discussion !== id) return;
    $("typing").textContent = `${nameOf(f.author)} is typing…`;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => { $("typing").textContent = ""; }, 4000);
  },
  presence(f) { if (f.discussion === id) { state.online = f.online; state.moderators = f.moderators || []; renderPresence(); } },
  validation(f) {
    if (f.discussion !== id) return;
    const changed = f.state !== state.view.state;
    state.view.validations = f.validations; state.view.state = f.state; renderStanding();
    if (changed) refreshView();
    announce(f.state === "completed" ? "The discussion is validated." :
      f.state === "disputed" ? "The discussion is disputed: a moderator will decide." :
      f.state === "closed" ? "This discussion is closed." : "A validation was recorded.");
  },
  closed(f) {
    if (f.discussion !== id) return;
    state.view.state = "closed"; state.view.closed_reason = f.reason; renderStanding(); refreshView();
    announce("This discussion was closed.");
  },
  completion(f) { if (f.completion.discussion_id === id) announce("Your CET completion changed: " + f.completion.state.replaceAll("_", " ")); },
  error: onError,
  pong() {},
};

const CONNECTION = {
  connecting: () => "Connecting…",
  open: () => "Connected",
  waiting: (wait) => `Reconnecting in ${Math.round(wait / 1000)} s…`,
  "signed-out": () => "Signed out: sign in again to take part.",
};

function connect() {
  state.socket = openSocket({
    on: handlers,
    onOpen() { for (const cmid of state.pending.keys()) sendPending(cmid); },
    onStatus(status, wait) { $("connection").textContent = CONNECTION[status](wait); },
  });
  state.socket.join(id, state.lastSeq);
}

function say(event) {
  event.preventDefault();
  const body = $("body").value.trim();
  if (!body) return;
  const cmid = crypto.randomUUID();
  const prompt = $("prompt-choice").value;
  const frame = { type: "say", discussion: id, client_msg_id: cmid, body };
  if (prompt) frame.prompt = Number(prompt);
  state.pending.set(cmid, { frame, state: "sending", timer: null });
  $("body").value = "";
  sendPending(cmid);
}

function typing() {
  const now = Date.now();
  if (now - state.lastTyping < 3000 || !state.socket || !state.socket.isOpen()) return;
  state.lastTyping = now;
  state.socket.send({ type: "typing", discussion: id });
}

async function validate(event) {
  event.preventDefault();
  const peerTookPart = event.target.querySelector('input[name="peer"]:checked').value === "yes";
  const body = { peer_took_part: peerTookPart, reflection: $("reflection").value };
  if (!peerTookPart) body.reason = $("dispute-reason").value;
  const answer = await post(`/api/discussions/${id}/validation`, body, event.target);
  if (!answer.ok) { announce(answer.message); $("validation-state").textContent = answer.message; return; }
  state.view = answer.data;
  renderStanding();
  announce("Your validation was recorded.");
}

$("composer").addEventListener("submit", say);
$("body").addEventListener("input", typing);
$("body").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { say(e); } });
$("validate").addEventListener("submit", validate);
// "No, they did not" asks why (required), and then the reflection is optional.
for (const radio of document.querySelectorAll('input[name="peer"]')) {
  radio.addEventListener("change", () => {
    const disputing = document.querySelector('input[name="peer"]:checked').value === "no";
    $("dispute-why").hidden = !disputing;
    $("dispute-reason").required = disputing;
    $("reflection").required = !disputing;
  });
}
loadView().then(connect, () => { $("connection").textContent = "The discussion could not be loaded: reload the page."; });
