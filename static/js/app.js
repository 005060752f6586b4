/* Small keyboard and layout helpers for every page (loaded by templates/base.html).
 *
 * - On narrow screens the staff side menu folds behind its "Menu" button (aria-expanded);
 *   Escape closes it again and returns the focus to the button. Without JavaScript the menu
 *   simply stays open (a wrapping bar).
 * - The status bar's edit mode (?edit=1): the focus starts on the chosen state, and Escape
 *   leaves edit mode through the "Cancel editing" link.
 */
(function () {
  "use strict";

  function setUpMenu() {
    const sidebar = document.querySelector("nav.sidebar");
    const toggle = sidebar && sidebar.querySelector(".menu-toggle");
    if (!toggle) return;
    sidebar.classList.add("is-foldable");
    toggle.hidden = false;

    function setOpen(open) {
      sidebar.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }

    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    sidebar.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && sidebar.classList.contains("is-open") && getComputedStyle(toggle).display !== "none") {
        event.preventDefault();
        setOpen(false);
        toggle.focus();
      }
    });
  }

  function editingBar() {
    return document.querySelector(".status-bar.is-editing");
  }

  function focusEditMode() {
    const bar = editingBar();
    if (!bar) return;
    const radio = bar.querySelector('input[type="radio"][name="target_status"]:checked')
      || bar.querySelector('input[type="radio"]:not([disabled])');
    if (radio) radio.focus();
  }

  function cancelOnEscape(event) {
    if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
    const bar = editingBar();
    const cancel = bar && bar.querySelector("a.status-cancel");
    if (!cancel) return;
    event.preventDefault();
    window.location.assign(cancel.href);
  }

  document.addEventListener("keydown", cancelOnEscape);
  document.addEventListener("DOMContentLoaded", () => {
    setUpMenu();
    focusEditMode();
  });
})();
