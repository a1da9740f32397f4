// The account page's password change: POST /api/me/password; the answer sets this
// session's fresh cookie, and every other session of the account ends.
import { post } from "./http.js";

async function change(form, event) {
  event.preventDefault();
  // No navigation, so not a page being left (site.js): its live socket is closed with 4401
  // and, this browser holding the fresh cookie, reconnects (ws.js).
  event.stopPropagation();
  const status = document.getElementById("password-status");
  const body = {
    current_password: form.elements.current_password.value,
    new_password: form.elements.new_password.value,
  };
  const done = await post("/api/me/password", body, form);
  if (!done.ok) { status.textContent = done.message; return; }
  form.reset();
  status.textContent = "Password changed. Every other device has been signed out.";
}

const form = document.getElementById("password-change");
if (form) form.addEventListener("submit", (event) => change(form, event));
