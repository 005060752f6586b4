/*
 * A page's live WebSocket that comes back by itself: the messenger beside a ticket and the video
 * call use it (one way of reconnecting for every live page).
 *
 *   const live = new LiveSocket({
 *     url: () => "/ws/…/" + query,            // asked again on every (re)connect
 *     onOpen: () => …,                       // the socket is open (not yet welcomed by the server)
 *     onFrame: (frame) => …,                 // every JSON frame; text that is not JSON is dropped
 *     onClose: (event) => true | false,      // lost: true reconnects (after the backoff), false stays closed
 *     firstBackoff: 500, maxBackoff: 5000,   // ms
 *   });
 *   live.open(); live.send({type: …}); live.welcomed(); live.close();
 *
 * Reconnecting waits with jitter (half to all of the backoff), and the backoff doubles up to its
 * maximum until the page calls welcomed() (the server's hello): a whole shift of pages coming back
 * after an outage spreads out instead of arriving at once, and a server that accepts and closes at
 * once (Redis away) is not hammered. A close the page asked for never reconnects, and a replaced
 * socket's late close is ignored.
 */
(function () {
  "use strict";

  class LiveSocket {
    constructor({ url, onOpen = () => {}, onFrame, onClose = () => true, firstBackoff = 1000, maxBackoff = 10000 }) {
      this.url = url;
      this.onOpen = onOpen;
      this.onFrame = onFrame;
      this.onClose = onClose;
      this.firstBackoff = firstBackoff;
      this.maxBackoff = maxBackoff;
      this.backoff = firstBackoff;
      this.socket = null;
      this.closed = false;
      this.timer = null;
    }

    open() {
      if (this.closed) return;
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + location.host + this.url());
      this.socket = socket;
      socket.addEventListener("open", () => {
        if (this.socket === socket) this.onOpen();
      });
      socket.addEventListener("message", (event) => {
        if (this.socket !== socket) return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        this.onFrame(frame);
      });
      socket.addEventListener("close", (event) => {
        if (this.socket !== socket || this.closed) return;
        if (!this.onClose(event)) return;
        const wait = this.backoff * (0.5 + Math.random() * 0.5);
        this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
        this.timer = window.setTimeout(() => this.open(), wait);
      });
    }

    /* The server said hello: the next loss starts again with the shortest wait. */
    welcomed() {
      this.backoff = this.firstBackoff;
    }

    /* Sends a frame when the socket is open; false when it is not (the caller keeps it). */
    send(data) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify(data));
        return true;
      }
      return false;
    }

    /* Closed by the page (left, ended, going away): no reconnecting. */
    close() {
      this.closed = true;
      window.clearTimeout(this.timer);
      if (this.socket) this.socket.close(1000);
    }
  }

  window.LiveSocket = LiveSocket;
})();
