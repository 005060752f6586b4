/* The API token page (templates/api/tokens.html): the copy button beside a new token.
 *
 * Without JavaScript the button stays hidden and the read-only field can be selected and copied
 * by hand. The button copies through the Clipboard API; where that is refused (no permission, an
 * insecure origin) the field is selected so that Ctrl+C copies it. The status line under the field
 * says which happened (its texts come from the page, already translated).
 */
(function () {
  "use strict";

  function say(status, text) {
    if (status) status.textContent = text || "";
  }

  function setUp(button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const status = field.closest(".field").querySelector("[data-copy-status]");
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", () => {
      field.focus();
      field.select();
      if (!navigator.clipboard || !window.isSecureContext) {
        say(status, button.dataset.manual);
        return;
      }
      navigator.clipboard.writeText(field.value).then(
        () => say(status, button.dataset.copied),
        () => say(status, button.dataset.manual),
      );
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("button[data-copy]").forEach(setUp);
  });
})();
