// Reporting from the discussion page: a message (chosen in the list, or by its "Report"
// button) or the whole discussion, with a reason; the registrant sees it was received.
// Kept apart from discussion.js: it only watches the transcript that script renders.
import { post } from "./http.js";

const root = document.getElementById("discussion");
const id = Number(root.dataset.discussion);
const $ = (sel) => document.getElementById(sel);
const known = new Set();

function choose(seq) {
  $("report-what").value = String(seq);
  $("report-reason").focus();
}

function offer(li) {
  const seq = Number(li.dataset.seq);
  if (!seq || known.has(seq) || li.classList.contains("mine") || !li.classList.contains("peer")) return;
  known.add(seq);
  const text = li.querySelector(".body") ? li.querySelector(".body").textContent : "";
  $("report-what").append(new Option(`Message ${seq}: ${text.slice(0, 50)}`, String(seq)));
  const button = document.createElement("button");
  button.type = "button";
  button.className = "report-message";
  button.textContent = "Report";
  button.setAttribute("aria-label", `Report message ${seq}`);
  button.addEventListener("click", () => choose(seq));
  const meta = li.querySelector(".meta");
  if (meta) meta.append(button);
}

new MutationObserver(() => {
  for (const li of $("messages").children) offer(li);
}).observe($("messages"), { childList: true, subtree: true });

$("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { reason: $("report-reason").value };
  const seq = $("report-what").value;
  if (seq) body.seq = Number(seq);
  const answer = await post(`/api/discussions/${id}/reports`, body, event.target);
  if (!answer.ok) { $("report-state").textContent = answer.message; return; }
  $("report-reason").value = "";
  $("report-state").textContent =
    `Report received (reference ${answer.data.id}): a moderator will look at it. Thank you.`;
});
