// The account page's password change: POST /api/me/password; the answer sets this
// session's fresh cookie, and every other session of the account ends.
(function () {
  "use strict";
  const form = document.getElementById("password-change");
  if (!form) { return; }
  const status = document.getElementById("password-status");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    event.stopPropagation();  // no navigation: the page's live socket (site.js) reconnects
    const body = {
      current_password: form.elements.current_password.value,
      new_password: form.elements.new_password.value,
    };
    const done = await window.peercetPost("/api/me/password", body, form);
    if (!done.ok) { status.textContent = done.message; return; }
    form.reset();
    status.textContent = "Password changed. Every other device has been signed out.";
  });
})();
