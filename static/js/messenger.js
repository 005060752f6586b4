/* Leitstand messenger: the conversation beside a ticket and the live ticket page.
 *
 * One WebSocket per open ticket page (ws/tickets/<number>/). Every message gets a client id and
 * stays in an outbox until the server acknowledges it with the stored id; what the server cannot
 * take now ("busy") is sent again with backoff. Every message carries its number in the ticket's
 * conversation (seq): a gap still there after a moment is fetched, and after a reconnect the client asks for
 * everything after the last number it holds and resends the outbox, so nothing is lost and
 * nothing is doubled. Text is always inserted as text (never as HTML).
 */
(function () {
  "use strict";

  const MAX_BACKOFF = 5000; // ms: the longest wait before reconnecting or sending again
  const GAP_GRACE = 300; // ms a missing number may be late before the gap is fetched
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Times as the page shows them: the pattern (Django's DATETIME_FORMAT, e.g. "d.m.Y H:i") and the
   * time zone (the reader's setting) come from <body data-datetime-format data-time-zone>, so a
   * message reads "02.12.2026 00:43" like every other time on the page, whatever the browser's zone. */
  const TIME_PARTS = (function () {
    const root = document.body;
    try {
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: root.dataset.timeZone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
      });
    } catch (error) {
      return new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    }
  })();
  const TIME_PATTERN = document.body.dataset.datetimeFormat || "d.m.Y H:i";

  function formatTime(iso) {
    const parts = {};
    for (const part of TIME_PARTS.formatToParts(new Date(iso))) parts[part.type] = part.value;
    const codes = { d: parts.day, m: parts.month, Y: parts.year, y: parts.year.slice(-2), H: parts.hour, i: parts.minute, s: parts.second };
    let out = "";
    for (let i = 0; i < TIME_PATTERN.length; i += 1) {
      const ch = TIME_PATTERN[i];
      if (ch === "\\" && i + 1 < TIME_PATTERN.length) { out += TIME_PATTERN[i + 1]; i += 1; continue; }
      out += Object.prototype.hasOwnProperty.call(codes, ch) ? codes[ch] : ch;
    }
    return out;
  }

  /* Text with line breaks kept (CSS pre-wrap) and http(s) links made clickable, safely. */
  function renderText(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", null, match[0]);
      link.href = match[0];
      link.rel = "noopener noreferrer nofollow";
      link.target = "_blank";
      fragment.append(link);
      last = match.index + match[0].length;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  class Messenger {
    constructor(root) {
      this.root = root;
      this.t = JSON.parse(document.getElementById(root.dataset.i18nId).textContent);
      this.path = root.dataset.wsPath;
      this.list = root.querySelector(".messages");
      // Follow the newest message while the reader is at the bottom; leave them where they are
      // once they scroll up to read older ones.
      this.stuck = true;
      this.list.addEventListener("scroll", () => {
        this.stuck = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
      });
      this.stateLine = root.querySelector(".connection-state");
      this.presenceLine = root.querySelector(".presence");
      this.typingLine = root.querySelector(".typing");
      this.form = root.querySelector(".composer");
      this.input = root.querySelector(".composer textarea");
      this.errorLine = root.querySelector(".composer-error");
      this.olderButton = root.querySelector(".load-older");
      this.storageKey = "leitstand-outbox:" + this.path;
      this.nodes = new Map(); // message id -> element
      this.pending = new Map(); // client id -> {text, node}
      this.present = new Map(); // presence key -> name
      this.lastId = 0;
      // Sequence numbers (per ticket, without gaps): everything up to lastSeq is here; a higher
      // number arriving first means a delivery was lost, and exactly the missing range is fetched.
      this.lastSeq = 0;
      this.seqs = new Set();
      this.catchingUp = false;
      this.oldestId = null;
      this.readByOthers = 0;
      this.me = null;
      this.live = null; // the ticket's socket (LiveSocket), made by connect()
      this.connectedOnce = false;
      this.restoreOutbox();
      this.bind();
      this.connect();
    }

    bind() {
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      // At most one typing notice every 2 s: keystrokes must not eat the rate limit of messages.
      this.input.addEventListener("input", () => {
        const now = Date.now();
        if (now - (this.typingSent || 0) > 2000 && this.frame({ type: "typing" })) this.typingSent = now;
      });
      this.olderButton.addEventListener("click", () =>
        this.frame({ type: "history", before_id: this.oldestId, limit: 50 })
      );
      document.addEventListener("visibilitychange", () => this.markRead());
    }

    /* --- connection ------------------------------------------------------------------------ */
    connect() {
      this.live = new LiveSocket({
        // The first connect asks for the newest 50 messages with the handshake (they come in the
        // "hello"); later ones catch up by number.
        url: () => this.path + (this.connectedOnce ? "" : "?history=50"),
        onOpen: () => {
          if (this.connectedOnce) this.catchUp(true);
          for (const [clientId, item] of this.pending) this.frame({ type: "message.send", text: item.text, client_id: clientId });
        },
        onFrame: (frame) => this.receive(frame),
        onClose: (event) => {
          this.root.dataset.state = "closed";
          if (event.code === 4403) {
            this.showState(this.t.forbidden);
            return false;
          }
          this.present.clear();
          this.renderPresence();
          this.showState(this.t.reconnecting);
          return true;
        },
        firstBackoff: 500,
        maxBackoff: MAX_BACKOFF,
      });
      this.live.open();
    }

    frame(data) {
      return this.live.send(data);
    }

    showState(text) {
      this.stateLine.hidden = !text;
      this.stateLine.textContent = text || "";
      this.root.classList.toggle("is-offline", Boolean(text));
    }

    /* --- sending ------------------------------------------------------------------------------ */
    submit() {
      const text = this.input.value.trim();
      if (!text) return;
      if (text.length > Number(this.root.dataset.maxLength)) {
        this.errorLine.textContent = this.t.tooLong;
        return;
      }
      const clientId = uid();
      const node = this.renderMessage({
        id: null, kind: "text", text, client_id: clientId, created_at: new Date().toISOString(),
        author: { kind: this.me ? this.me.kind : "staff", name: this.me ? this.me.name : "", role: "" },
      }, { pending: true });
      this.pending.set(clientId, { text, node });
      this.saveOutbox();
      this.input.value = "";
      this.errorLine.textContent = "";
      this.frame({ type: "message.send", text, client_id: clientId });
    }

    saveOutbox() {
      const items = [...this.pending].map(([clientId, item]) => ({ clientId, text: item.text }));
      try { sessionStorage.setItem(this.storageKey, JSON.stringify(items)); } catch (error) { /* private mode */ }
    }

    restoreOutbox() {
      let items = [];
      try { items = JSON.parse(sessionStorage.getItem(this.storageKey) || "[]"); } catch (error) { items = []; }
      for (const item of items) this.pending.set(item.clientId, { text: item.text, node: null });
    }

    /* --- receiving ----------------------------------------------------------------------------- */
    receive(frame) {
      switch (frame.type) {
        case "hello":
          // Connected for real (the server joined us to the ticket): only now the state line goes
          // away, so that a socket the server closes at once (Redis away) does not make it blink.
          this.live.welcomed();
          this.showState(null);
          this.root.dataset.state = "live";  // for whoever waits for the conversation to be live
          this.me = frame.me;
          this.readByOthers = this.me.kind === "staff" ? frame.read.code_user : frame.read.staff;
          this.form.hidden = !frame.can_write;
          this.root.querySelector(".read-only").hidden = frame.can_write;
          if (frame.history && !this.connectedOnce) {
            this.receive({ type: "message.batch", messages: frame.history, older: true });
          }
          this.connectedOnce = true;
          for (const [clientId, item] of this.pending) {
            if (!item.node) item.node = this.renderMessage({
              id: null, kind: "text", text: item.text, client_id: clientId, created_at: new Date().toISOString(),
              author: { kind: this.me.kind, name: this.me.name, role: "" },
            }, { pending: true });
          }
          break;
        case "message.ack": {
          const item = this.pending.get(frame.client_id);
          this.pending.delete(frame.client_id);
          this.saveOutbox();
          if (item && item.node && !this.nodes.has(frame.id)) {
            this.settle(item.node, frame.id, frame.created_at);
          } else if (item && item.node) {
            item.node.remove();
          }
          this.noteSeq(frame.seq);
          this.markRead();
          break;
        }
        case "chat.message":
          this.place(frame.message);
          this.noteSeq(frame.message.seq);
          this.markRead();
          break;
        case "message.batch": {
          for (const message of frame.messages) this.place(message, { older: frame.older });
          if (frame.older) {
            this.olderButton.hidden = frame.messages.length < 50;
            // The first page of history: everything before it counts as known (loaded on request).
            for (const message of frame.messages) this.lastSeq = Math.max(this.lastSeq, message.seq || 0);
          } else {
            this.catchingUp = false;
            for (const message of frame.messages) this.noteSeq(message.seq);
            // Catching up comes in pages: ask for the next one until the server says there is no more.
            if (frame.more) this.catchUp(true);
          }
          this.markRead();
          break;
        }
        case "message.read":
          if (this.me && frame.reader.kind !== this.me.kind) {
            this.readByOthers = Math.max(this.readByOthers, frame.up_to_id);
            this.renderReceipts();
          }
          break;
        case "typing":
          this.typingLine.textContent = this.t.typing.replace("%s", frame.who.name);
          window.clearTimeout(this.typingTimer);
          this.typingTimer = window.setTimeout(() => { this.typingLine.textContent = ""; }, 3000);
          break;
        case "presence":
          if (frame.change === "join") this.present.set(frame.who.key, frame.who);
          else this.present.delete(frame.who.key);
          this.renderPresence();
          break;
        case "ticket.event":
          document.dispatchEvent(new CustomEvent("leitstand:ticket-event", { detail: frame.event }));
          break;
        case "error":
          this.onError(frame);
          break;
        default:
          break;
      }
      // Any frame may change the list's height (messages, receipts, the composer going away).
      if (this.stuck) this.list.scrollTop = this.list.scrollHeight;
    }

    onError(frame) {
      const item = frame.client_id ? this.pending.get(frame.client_id) : null;
      if (frame.code === "busy" || frame.code === "rate_limited") {
        this.retryLater(frame, item);
        return;
      }
      if (item) {
        this.pending.delete(frame.client_id);
        this.saveOutbox();
        if (item.node) item.node.classList.add("is-failed");
      }
      this.errorLine.textContent = frame.message;
    }

    /* The server could not take a frame now ("busy": it is not keeping up; "rate_limited": too
     * many at once): the message stays in the outbox, says so, and is sent again with backoff; a
     * refused catch-up or history request is asked again. */
    retryLater(frame, item) {
      if (frame.frame_type === "resume") {
        window.setTimeout(() => this.catchUp(true), 1000 + Math.random() * 1000);
        return;
      }
      if (frame.frame_type === "history") {
        window.setTimeout(() => this.frame({ type: "history", before_id: this.oldestId, limit: 50 }), 1000 + Math.random() * 1000);
        return;
      }
      if (!item) return;
      item.delay = Math.min((item.delay || 500) * 2, MAX_BACKOFF);
      if (item.node) item.node.querySelector(".message-state").textContent = this.t.retrying;
      const clientId = frame.client_id;
      window.setTimeout(() => {
        if (this.pending.has(clientId)) this.frame({ type: "message.send", text: item.text, client_id: clientId });
      }, item.delay * (0.5 + Math.random() * 0.5));
    }

    /* --- sequence: nothing lost, nothing twice -------------------------------------------------- */
    noteSeq(seq) {
      if (typeof seq !== "number") return;
      if (seq > this.lastSeq) this.seqs.add(seq);
      while (this.seqs.has(this.lastSeq + 1)) {
        this.lastSeq += 1;
        this.seqs.delete(this.lastSeq);
      }
      // A number beyond the next one: the one between is late (two servers may push out of order)
      // or was lost on the way. Give it a moment, then fetch the gap if it is still there.
      if (this.seqs.size && !this.gapTimer) {
        this.gapTimer = window.setTimeout(() => {
          this.gapTimer = null;
          if (this.seqs.size) this.catchUp(false);
        }, GAP_GRACE);
      }
    }

    catchUp(force) {
      if (this.catchingUp && !force) return;
      this.catchingUp = true;
      this.frame({ type: "resume", after_seq: this.lastSeq });
    }

    /* --- rendering ----------------------------------------------------------------------------- */
    place(message, options = {}) {
      if (this.nodes.has(message.id)) return;
      const waiting = message.client_id ? this.pending.get(message.client_id) : null;
      if (waiting && waiting.node) {
        this.pending.delete(message.client_id);
        this.saveOutbox();
        this.settle(waiting.node, message.id, message.created_at);
        return;
      }
      this.renderMessage(message, options);
    }

    settle(node, id, createdAt) {
      node.dataset.id = id;
      if (createdAt) {
        const time = node.querySelector("time");
        time.dateTime = createdAt;
        time.textContent = formatTime(createdAt);
      }
      node.classList.remove("is-pending");
      node.querySelector(".message-state").textContent = "";
      this.nodes.set(id, node);
      this.lastId = Math.max(this.lastId, id);
      this.oldestId = this.oldestId === null ? id : Math.min(this.oldestId, id);
      this.renderReceipts();
    }

    renderMessage(message, options = {}) {
      const mine = this.me && message.author.kind === this.me.kind && (message.author.id === this.me.id || options.pending);
      const node = el("li", "message message-" + message.author.kind + (mine ? " is-mine" : "") + (options.pending ? " is-pending" : ""));
      if (message.client_id) node.dataset.clientId = message.client_id;
      const meta = el("div", "message-meta");
      const roleLabel = message.kind === "system" ? this.t.system : (message.author.role || (message.author.kind === "code_user" ? this.t.codeUser : this.t.staff));
      if (message.kind !== "system") meta.append(el("strong", "message-author", message.author.name));
      meta.append(el("span", "message-role", roleLabel));
      const time = el("time", null, formatTime(message.created_at));
      time.dateTime = message.created_at;
      meta.append(time);
      const body = el("div", "message-text");
      body.append(renderText(message.text));
      node.append(meta, body, el("span", "message-state", options.pending ? this.t.sending : ""));
      if (message.id !== null) {
        node.dataset.id = message.id;
        this.nodes.set(message.id, node);
        this.lastId = Math.max(this.lastId, message.id);
        this.oldestId = this.oldestId === null ? message.id : Math.min(this.oldestId, message.id);
      }
      this.insert(node, message.id, options.older);
      this.renderReceipts();
      return node;
    }

    insert(node, id, older) {
      if (id === null) {
        this.list.append(node);
      } else {
        const after = [...this.list.children].find((child) => child.dataset.id && Number(child.dataset.id) > id);
        this.list.insertBefore(node, after || [...this.list.children].find((child) => !child.dataset.id) || null);
      }
      if (!older && node.classList.contains("is-mine")) this.stuck = true;  // what I send, I see
      if (!older && this.stuck) this.list.scrollTop = this.list.scrollHeight;
      this.root.querySelector(".messages-empty").hidden = this.list.children.length > 0;
    }

    renderReceipts() {
      for (const node of this.list.querySelectorAll(".message.is-mine[data-id]")) {
        const seen = Number(node.dataset.id) <= this.readByOthers;
        node.classList.toggle("is-seen", seen);
        node.querySelector(".message-state").textContent = seen ? this.t.seen : "";
      }
    }

    renderPresence() {
      const names = [...new Set([...this.present.values()].map((who) => who.name))];
      this.presenceLine.textContent = names.length ? this.t.here + " " + names.join(", ") : "";
    }

    markRead() {
      if (document.hidden || !this.lastId || this.lastId === this.readSent) return;
      if (this.frame({ type: "read", up_to_id: this.lastId })) this.readSent = this.lastId;
    }
  }

  /* The live ticket page: when something changed, the page is fetched once and the parts that
   * show it are swapped in place (summary, status bar, the open tab's list). A status bar in edit
   * mode and a half-written form are never replaced. */
  function liveTicketPage() {
    let timer = null;
    let wanted = new Set();
    async function refresh() {
      const parts = [...wanted];
      wanted = new Set();
      const response = await fetch(location.pathname, { headers: { "X-Live-Refresh": "1" }, credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const selector of parts) {
        const current = document.querySelector(selector);
        const next = fresh.querySelector(selector);
        if (!current || !next || current.classList.contains("is-editing")) continue;
        current.replaceWith(next);
        if (window.htmx) htmx.process(next);
      }
    }
    document.addEventListener("leitstand:ticket-event", (event) => {
      const area = event.detail.area;
      if (area === "status" || area === "ticket") wanted.add(".ticket-summary");
      if (area === "status" || area === "fleet") wanted.add("#status-bar");
      // Every part that says which areas it shows (the open tab; on the customer's page also the video card).
      for (const panel of document.querySelectorAll("[data-live-areas]")) {
        if (panel.dataset.liveAreas.split(" ").includes(area)) wanted.add(panel.dataset.liveTarget);
      }
      if (!wanted.size) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("messenger");
    if (root && root.dataset.wsPath) {
      window.leitstandMessenger = new Messenger(root);
      liveTicketPage();
    }
  });
})();
