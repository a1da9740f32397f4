// The discussion page's transcript: one <li> per message, stored ones in `seq` order.

// A client_msg_id is one author's: an element is found by author and id together,
// so a peer who sends a message with your id never replaces or hides yours.
function messageKey(m) {
  return m.client_msg_id ? `${m.author}:${m.client_msg_id}` : null;
}

function messageElement(list, key) {
  return key ? list.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
}

// Stored messages stand in seq order, before those still being sent: a message
// written offline is acknowledged after the peer's ones that were stored first.
function place(list, li, seq) {
  const before = [...list.children].find((other) => other !== li &&
    (!other.dataset.seq || Number(other.dataset.seq) > seq)) || null;
  if (li.parentNode !== list || li.nextElementSibling !== before) list.insertBefore(li, before);
}

function retryButton(retry) {
  const button = document.createElement("button");
  button.className = "retry";
  button.type = "button";
  button.textContent = "Retry";
  button.addEventListener("click", retry);
  return button;
}

// Message `m` shown in `list`, or shown again where it stands: `how` says whether it is
// `mine`, its `author`'s name, its `prompt`'s number (0: general), its `state` ("sending",
// "failed"; sent if absent) and what `retry` does.
export function showMessage(list, m, how) {
  const key = messageKey(m);
  const li = messageElement(list, key) || document.createElement("li");
  li.className = `${m.kind} ${how.mine ? "mine" : ""} state-${how.state || "sent"}`;
  if (key) { li.dataset.key = key; li.dataset.cmid = m.client_msg_id; }
  if (m.seq) li.dataset.seq = String(m.seq);
  const meta = document.createElement("div");
  meta.className = "meta";
  const when = m.sent_at ? new Date(m.sent_at).toLocaleTimeString() : "";
  const who = m.kind === "notice" ? "Moderator notice" : m.kind === "system" ? "Peercet" : how.author;
  meta.textContent = `${who} ${when}${how.prompt ? ` · on prompt ${how.prompt}` : ""}`;
  const body = document.createElement("div");
  body.className = "body";
  body.textContent = m.body;
  li.replaceChildren(meta, body);
  if (how.state === "failed") meta.append(retryButton(how.retry));
  if (m.seq) place(list, li, m.seq); else if (!li.parentNode) list.append(li);
  li.scrollIntoView({ block: "end" });
}
