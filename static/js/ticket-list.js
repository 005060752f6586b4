/* The staff ticket list follows new tickets and status changes live (ws/tickets/). */
(function () {
  "use strict";
  let backoff = 1000;
  let timer = null;
  let wasOpen = false;

  function refresh() {
    const results = document.getElementById("ticket-results");
    if (!results || !window.htmx) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#ticket-results", swap: "outerHTML" });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/tickets/");
    socket.addEventListener("open", () => {
      backoff = 1000;
      if (wasOpen) refresh(); // back after a break (e.g. the server lost Redis): what changed meanwhile
      wasOpen = true;
    });
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "list.changed") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400); // several changes at once: one refresh
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) return;
      window.setTimeout(connect, backoff + Math.random() * 250);
      backoff = Math.min(backoff * 2, 15000);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.getElementById("ticket-results")) connect();
  });
})();
