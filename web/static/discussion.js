// The discussion page: plain JavaScript, no build step.
// One socket; messages are kept in `seq` order; a reconnect resumes after the last
// seq seen; unacknowledged messages are sent again with the same client_msg_id.
(function () {
  "use strict";
  const root = document.getElementById("discussion");
  const id = Number(root.dataset.discussion);
  const me = Number(root.dataset.me);
  const readOnly = root.dataset.role !== "participant";
  const $ = (sel) => document.getElementById(sel);
  const ACK_TIMEOUT = 10000;
  const state = {
    view: null, lastSeq: 0, ws: null, backoff: 1000, pending: new Map(),
    written: new Map(), online: [], moderators: [], typingTimer: null, lastTyping: 0, pingTimer: null,
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
    $("validation-state").textContent = disputeText(v, mineDone) ||
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
    if (window.peercetTimeLeft) $("closes-left").textContent = window.peercetTimeLeft(v.closes_at);
  }

  // A dispute (DOMAIN.md rule 3) as each side reads it: waiting for a moderator, then the outcome.
  function disputeText(v, mineDone) {
    const d = v.dispute;
    if (!d) return "";
    const mine = d.by === me;
    if (v.state === "disputed") {
      return mine ? "You said your partner did not take part. You are back in the queue for a new " +
          "partner, keeping your deadline; a moderator will read this discussion and decide."
        : "Your partner said you did not take part. A moderator will read the discussion and decide " +
          "whether you still earn the interactive point" + (mineDone ? "." : "; you can still validate it.");
    }
    const decision = d.decision;
    const why = decision && decision.reason ? ` The moderator's reason: ${decision.reason}` : "";
    if (decision && decision.award) {
      return (mine ? "A moderator decided your partner took part: they earn the interactive point. " +
        "You stay in the queue for a new partner." : "A moderator decided you took part: your " +
        "interactive CET is complete.") + why;
    }
    if (decision) {
      return (mine ? "A moderator decided this discussion earns no interactive point; you stay in " +
        "the queue for a new partner." : "A moderator decided this discussion earns no interactive " +
        "point: you are back in the queue for a new partner while your deadline allows.") + why;
    }
    if (v.closed_reason === "dispute_expired") return "The deadline passed before a moderator decided.";
    if (v.closed_reason === "disputed_by_both") return "You each said the other did not take part: " +
      "you are both back in the queue for a new partner.";
    return "";
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

  // A client_msg_id is one author's: an element is found by author and id together,
  // so a peer who sends a message with your id never replaces or hides yours.
  function messageKey(m) {
    return m.client_msg_id ? `${m.author}:${m.client_msg_id}` : null;
  }

  function messageElement(key) {
    return key ? document.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
  }

  function renderMessage(m, pendingState) {
    const key = messageKey(m);
    const li = messageElement(key) || document.createElement("li");
    li.className = `${m.kind} ${m.author === me ? "mine" : ""} state-${pendingState || "sent"}`;
    if (key) { li.dataset.key = key; li.dataset.cmid = m.client_msg_id; }
    if (m.seq) li.dataset.seq = String(m.seq);
    const number = m.prompt && state.view ? state.view.prompts.findIndex((x) => x.id === m.prompt) + 1 : 0;
    const meta = document.createElement("div");
    meta.className = "meta";
    const when = m.sent_at ? new Date(m.sent_at).toLocaleTimeString() : "";
    const who = m.kind === "notice" ? "Moderator notice" : m.kind === "system" ? "Peercet" : nameOf(m.author);
    meta.textContent = `${who} ${when}${number ? ` · on prompt ${number}` : ""}`;
    const body = document.createElement("div");
    body.className = "body";
    body.textContent = m.body;
    li.replaceChildren(meta, body);
    if (pendingState === "failed") {
      const retry = document.createElement("button");
      retry.className = "retry";
      retry.type = "button";
      retry.textContent = "Retry";
      retry.addEventListener("click", () => sendPending(m.client_msg_id));
      meta.append(retry);
    }
    if (m.seq) place(li, m.seq); else if (!li.parentNode) $("messages").append(li);
    li.scrollIntoView({ block: "end" });
  }

  // Stored messages stand in seq order, before those still being sent: a message
  // written offline is acknowledged after the peer's ones that were stored first.
  function place(li, seq) {
    const list = $("messages");
    const before = [...list.children].find((other) => other !== li &&
      (!other.dataset.seq || Number(other.dataset.seq) > seq)) || null;
    if (li.parentNode !== list || li.nextElementSibling !== before) list.insertBefore(li, before);
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
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(p.frame));
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

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    state.ws = ws;
    $("connection").textContent = "Connecting…";
    ws.addEventListener("open", () => {
      state.backoff = 1000;
      $("connection").textContent = "Connected";
      ws.send(JSON.stringify({ type: "join", discussion: id, after: state.lastSeq }));
      for (const cmid of state.pending.keys()) sendPending(cmid);
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(() => ws.send('{"type":"ping"}'), 25000);
    });
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      const handle = handlers[frame.type];
      if (handle) handle(frame);
    });
    ws.addEventListener("close", () => {
      clearInterval(state.pingTimer);
      const wait = state.backoff * (0.5 + Math.random());
      state.backoff = Math.min(state.backoff * 2, 30000);
      $("connection").textContent = `Reconnecting in ${Math.round(wait / 1000)} s…`;
      setTimeout(connect, wait);
    });
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
    if (now - state.lastTyping < 3000 || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
    state.lastTyping = now;
    state.ws.send(JSON.stringify({ type: "typing", discussion: id }));
  }

  async function validate(event) {
    event.preventDefault();
    const peerTookPart = event.target.querySelector('input[name="peer"]:checked').value === "yes";
    const body = { peer_took_part: peerTookPart, reflection: $("reflection").value };
    if (!peerTookPart) body.reason = $("dispute-reason").value;
    const answer = await window.peercetPost(`/api/discussions/${id}/validation`, body, event.target);
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
})();
