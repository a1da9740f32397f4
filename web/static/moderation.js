// The moderator's view of one discussion: plain JavaScript, no build step.
// It joins the room read-only over /ws (ws.js; after the last seq the page already shows),
// appends messages as they arrive, and sends the moderator's actions to the JSON API.
import { post as send } from "./http.js";
import { openSocket } from "./ws.js";

const root = document.getElementById("moderation");
const id = Number(root.dataset.discussion);
const $ = (sel) => document.getElementById(sel);
const state = { lastSeq: Number(root.dataset.lastSeq), names: new Map() };
for (const li of document.querySelectorAll("#participants li")) {
  state.names.set(Number(li.dataset.id), li.textContent.split(" (")[0].trim());
}

function say(text) { $("console-status").textContent = text; }

function author(m) {
  if (m.author === null) return "System";
  return state.names.get(m.author) || "Moderator";
}

function append(m) {
  if (m.discussion !== id || m.seq <= state.lastSeq) return;
  state.lastSeq = m.seq;
  const li = document.createElement("li");
  li.className = m.kind;
  li.dataset.seq = String(m.seq);
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `#${m.seq} ${author(m)}${m.kind === "notice" ? " (notice)" : ""}`;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = m.body;
  li.append(meta, body);
  $("transcript").append(li);
  li.scrollIntoView({ block: "nearest" });
}

function presence(online) {
  for (const li of document.querySelectorAll("#participants li")) {
    const on = online.includes(Number(li.dataset.id));
    li.querySelector(".presence").textContent = on ? "online" : "offline";
  }
}

function closed(reason) {
  $("state").textContent = `closed${reason ? " (" + reason + ")" : ""}`;
}

const handlers = {
  joined(f) { if (f.discussion === id) presence(f.online); },
  presence(f) { if (f.discussion === id) presence(f.online); },
  message: append,
  closed(f) { if (f.discussion === id) closed(f.reason); },
  validation(f) {
    if (f.discussion === id) $("state").textContent = f.state + (f.closed_reason ? ` (${f.closed_reason})` : "");
  },
};

const CONNECTION = { open: "Watching live", waiting: "Reconnecting…" };

function connect() {
  const socket = openSocket({
    on: handlers,
    onStatus(status) { if (status in CONNECTION) $("connection").textContent = CONNECTION[status]; },
  });
  socket.join(id, state.lastSeq);
}

async function post(path, body, form) {
  const answer = await send(path, body, form);
  if (!answer.ok) { say(answer.message); return null; }
  return answer.data;
}

$("notice").addEventListener("submit", async (event) => {
  event.preventDefault();
  const done = await post(`/api/moderation/discussions/${id}/notices`, { body: $("notice-body").value }, event.target);
  if (!done) return;
  $("notice-body").value = "";
  // Shown now only if nothing is missing before it; else the socket brings it in order.
  if (done.seq === state.lastSeq + 1) append(done);
  say("Notice posted.");
});

$("close").addEventListener("submit", async (event) => {
  event.preventDefault();
  const outcome = event.target.querySelector('input[name="outcome"]:checked').value;
  const done = await post(`/api/moderation/discussions/${id}/close`,
    { outcome, reason: $("close-reason").value }, event.target);
  if (done) { closed(done.closed_reason); say(`Discussion closed (${outcome}).`); }
});

const decision = $("decision");
if (decision) {
  decision.addEventListener("submit", async (event) => {
    event.preventDefault();
    const award = decision.querySelector('input[name="award"]:checked').value === "true";
    const done = await post(`/api/moderation/discussions/${id}/decision`,
      { award, reason: $("decision-reason").value }, decision);
    if (!done) return;
    closed(done.closed_reason);
    const p = document.createElement("p");
    p.className = "done";
    p.textContent = `Decided: ${award ? "interactive point awarded" : "no interactive point"}.`;
    decision.replaceWith(p);
    say("Decision recorded; both participants are told.");
  });
}

for (const form of document.querySelectorAll("form.resolve")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const outcome = form.querySelector('input[name="outcome"]').value;
    const done = await post(`/api/moderation/reports/${form.dataset.report}/resolve`, { outcome }, form);
    if (!done) return;
    const p = document.createElement("p");
    p.className = "done";
    p.textContent = `Resolved: ${done.outcome}`;
    form.replaceWith(p);
    say("Report resolved.");
  });
}

connect();
