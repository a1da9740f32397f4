// One way for the pages' scripts to send JSON to the API: {ok: true, data} or {ok: false,
// message} to show, whether the API refused, the answer was not JSON or the network was
// down. The form's buttons are disabled meanwhile, so a double click sends it once.
export async function post(path, body, form, method = "POST") {
  const buttons = form ? Array.from(form.querySelectorAll("button")) : [];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const res = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (res.ok) return { ok: true, data };
    const message = data && data.error ? data.error.message : `The server answered ${res.status}.`;
    return { ok: false, message };
  } catch (err) {
    return { ok: false, message: "This did not reach the server. Check the connection and try again." };
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
