// The moderator's accounts page: correct a GOC number, disable or enable an account,
// through the JSON API (http.js); the row shows the answer.
import { post } from "./http.js";

const status = document.getElementById("accounts-status");
const base = "/api/moderation/registrants/";

document.querySelectorAll("form.correct-number").forEach(function (form) {
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const body = { goc_number: form.elements.goc_number.value, reason: form.elements.reason.value };
    const done = await post(base + form.dataset.registrant, body, form, "PATCH");
    if (!done.ok) { status.textContent = done.message; return; }
    const row = form.closest("tr");
    row.querySelector(".goc-number").textContent = done.data.goc_number;
    const badge = row.querySelector(".badge");
    if (badge && !done.data.goc_number_shared) { badge.remove(); }
    form.reset();
    status.textContent = `${done.data.name}: GOC number now ${done.data.goc_number}.`;
  });
});

document.querySelectorAll("form.account-access").forEach(function (form) {
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const action = form.dataset.disabled === "true" ? "enable" : "disable";
    const body = { reason: form.elements.reason.value };
    const done = await post(base + form.dataset.registrant + "/" + action, body, form);
    if (!done.ok) { status.textContent = done.message; return; }
    const disabled = done.data.disabled_at !== null;
    form.dataset.disabled = String(disabled);
    form.querySelector("button").textContent = disabled ? "Enable" : "Disable";
    form.closest("tr").querySelector(".account-state").textContent = disabled ? "disabled" : "active";
    form.reset();
    status.textContent = `${done.data.name} is now ${disabled ? "disabled" : "active"}.`;
  });
});
