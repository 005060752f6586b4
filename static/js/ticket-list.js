/* The staff ticket list follows new tickets and status changes live (ws/tickets/). */
(function () {
  "use strict";
  let timer = null;
  let wasOpen = false;

  function refresh() {
    const results = document.getElementById("ticket-results");
    if (!results || !window.htmx) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#ticket-results", swap: "outerHTML" });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("ticket-results")) return;
    const live = new LiveSocket({
      url: () => "/ws/tickets/",
      onOpen: () => {
        live.welcomed(); // this socket only listens: open is as welcome as it gets
        if (wasOpen) refresh(); // back after a break (e.g. the server lost Redis): what changed meanwhile
        wasOpen = true;
      },
      onFrame: (frame) => {
        if (frame.type !== "list.changed") return;
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 400); // several changes at once: one refresh
      },
      onClose: (event) => event.code !== 4403,
      firstBackoff: 1000,
      maxBackoff: 15000,
    });
    live.open();
  });
})();
