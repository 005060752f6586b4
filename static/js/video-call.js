/* Leitstand video call: the browsers call each other (WebRTC, a full mesh of up to
 * VIDEO_MESH_MAX people); the server only relays their signals over ws/video/<session>/
 * (videosessions/consumers.py) and keeps the record.
 *
 * Who joins last offers to everyone already there (the "hello" lists them); the others answer.
 * Every connection carries one audio and one video transceiver from the start, even without a
 * camera, so muting, switching the camera and sharing the screen only replace a track (no new
 * negotiation). Without camera or microphone (blocked or missing) the page still joins to watch
 * and listen and says so. Snapshots: a frame of any tile is frozen on a canvas, marked with
 * arrows and circles, uploaded (POST, the ticket's updates keep it) and announced over the socket,
 * so everyone in the call sees it at once. Text is always inserted as text, never as HTML.
 */
(function () {
  "use strict";

  const root = document.getElementById("call");
  const configNode = root && document.getElementById(root.dataset.configId);
  if (!configNode) return;
  const config = JSON.parse(configNode.textContent);
  const t = config.i18n;
  const MAX_BACKOFF = 10000; // ms: the longest wait before reconnecting
  const PING_EVERY = 20000; // ms: the stay's sign of life (the server drops silent ones)

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const CLOCK = (function () {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: document.body.dataset.timeZone || undefined,
      });
    } catch (error) {
      return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    }
  })();

  function timeNode(date) {
    const node = el("time", null, CLOCK.format(date));
    node.dateTime = date.toISOString();
    return node;
  }

  function snapshotUrl(id) {
    const pattern = config.snapshotUrl;
    const at = pattern.lastIndexOf(config.snapshotSentinel);
    return pattern.slice(0, at) + "/" + id + "/" + pattern.slice(at + config.snapshotSentinel.length);
  }

  class Call {
    constructor() {
      this.q = (selector) => document.querySelector(selector);
      this.grid = root.querySelector(".call-grid");
      this.stateLine = root.querySelector(".call-state");
      this.notice = root.querySelector(".call-notice");
      this.peopleList = this.q(".call-people-list");
      this.recordList = this.q(".call-record-list");
      this.snapshotList = this.q(".snapshot-list");
      this.selfTile = root.querySelector(".tile-self");
      this.buttons = {
        mic: root.querySelector(".call-mic"), cam: root.querySelector(".call-cam"), flip: root.querySelector(".call-flip"),
        screen: root.querySelector(".call-screen"), leave: root.querySelector(".call-leave"), end: root.querySelector(".call-end"),
        rejoin: root.querySelector(".call-rejoin"),
      };
      this.peers = new Map(); // peer id -> {who, pc, stream, tile, item, record, chain, pending, media}
      this.recordRows = new Map(); // peer id (the stay's id) -> record row, the page's own first
      for (const row of document.querySelectorAll(".call-record-list li[data-peer]")) this.recordRows.set(Number(row.dataset.peer), row);
      this.stream = null; // what the camera and microphone give (may be none)
      this.audioTrack = null;
      this.cameraTrack = null;
      this.screenTrack = null;
      this.facing = "user";
      this.media = { audio: true, video: true, screen: false };
      this.me = null;
      this.iceServers = [];
      this.live = null; // the call's socket (LiveSocket), made by connect()
      this.over = false; // left, ended or refused: no reconnecting
      this.refusal = null; // the server's reason before it closed the socket
      this.snapshots = new Set([...document.querySelectorAll("[data-snapshot]")].map((node) => Number(node.dataset.snapshot)));
      this.bindControls();
      this.annotator = new Annotator(this);
      this.tickDuration();
    }

    async start() {
      if (!window.RTCPeerConnection || !window.WebSocket) {
        this.showNotice(t.unsupported);
        this.showState("");
        this.buttons.leave.hidden = true;
        return;
      }
      await this.openMedia();
      this.connect();
    }

    /* --- camera and microphone -------------------------------------------------------------- */
    async openMedia() {
      const devices = navigator.mediaDevices;
      if (!devices || !devices.getUserMedia) {
        this.showNotice(t.missing);
        return this.renderSelf();
      }
      const camera = { facingMode: this.facing, width: { ideal: 1280 }, height: { ideal: 720 } };
      try {
        this.stream = await devices.getUserMedia({ audio: true, video: camera });
      } catch (error) {
        if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) {
          this.showNotice(t.denied);
          return this.renderSelf();
        }
        // Something is missing or busy: take what there is.
        for (const constraints of [{ audio: true }, { video: camera }]) {
          try {
            this.stream = await devices.getUserMedia(constraints);
            break;
          } catch (again) {
            this.stream = null;
          }
        }
        this.showNotice(this.stream ? (this.stream.getVideoTracks().length ? t.noMicrophone : t.noCamera) : t.missing);
      }
      if (this.stream) {
        this.audioTrack = this.stream.getAudioTracks()[0] || null;
        this.cameraTrack = this.stream.getVideoTracks()[0] || null;
      }
      this.renderSelf();
      this.offerDeviceButtons();
    }

    async offerDeviceButtons() {
      this.buttons.mic.disabled = !this.audioTrack;
      this.buttons.cam.disabled = !this.cameraTrack;
      const devices = navigator.mediaDevices;
      // Screen sharing on desktops only (phones cannot share their screen from a browser).
      const coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
      this.buttons.screen.hidden = !(devices && devices.getDisplayMedia) || coarse;
      if (this.cameraTrack && devices && devices.enumerateDevices) {
        try {
          const cameras = (await devices.enumerateDevices()).filter((device) => device.kind === "videoinput");
          this.buttons.flip.hidden = cameras.length < 2;
        } catch (error) {
          this.buttons.flip.hidden = true;
        }
      }
    }

    outgoingVideo() {
      return this.screenTrack || this.cameraTrack;
    }

    renderSelf() {
      const video = this.selfTile.querySelector("video");
      const track = this.outgoingVideo();
      video.srcObject = track ? new MediaStream([track]) : null;
      const off = !track || (!this.screenTrack && !this.media.video);
      this.setPlaceholder(this.selfTile, off ? t.camOff : "");
      this.selfTile.classList.toggle("is-screen", Boolean(this.screenTrack));
      this.renderFlags(this.selfTile, {
        audio: Boolean(this.audioTrack) && this.media.audio, video: Boolean(track) && (this.media.video || Boolean(this.screenTrack)),
        screen: Boolean(this.screenTrack),
      });
    }

    setPlaceholder(tile, text) {
      const placeholder = tile.querySelector(".tile-placeholder");
      placeholder.hidden = !text;
      placeholder.textContent = text || "";
      tile.classList.toggle("is-off", Boolean(text));
    }

    renderFlags(tile, media) {
      const flags = [];
      if (!media.audio) flags.push(t.micOff);
      if (!media.video) flags.push(t.camOff);
      if (media.screen) flags.push(t.sharing);
      tile.querySelector(".tile-flags").textContent = flags.join(" · ");
    }

    bindControls() {
      this.buttons.mic.addEventListener("click", () => {
        if (!this.audioTrack) return;
        this.media.audio = !this.media.audio;
        this.audioTrack.enabled = this.media.audio;
        this.buttons.mic.setAttribute("aria-pressed", String(!this.media.audio));
        this.buttons.mic.textContent = this.media.audio ? t.mute : t.unmute;
        this.afterMediaChange();
      });
      this.buttons.cam.addEventListener("click", () => {
        if (!this.cameraTrack) return;
        this.media.video = !this.media.video;
        this.cameraTrack.enabled = this.media.video;
        this.buttons.cam.setAttribute("aria-pressed", String(!this.media.video));
        this.buttons.cam.textContent = this.media.video ? t.cameraOff : t.cameraOn;
        this.afterMediaChange();
      });
      this.buttons.flip.addEventListener("click", () => this.flipCamera());
      this.buttons.screen.addEventListener("click", () => (this.screenTrack ? this.stopScreen() : this.shareScreen()));
      this.buttons.leave.addEventListener("click", () => this.leave());
      this.buttons.end.addEventListener("click", () => this.frame({ type: "end" }));
      this.buttons.rejoin.addEventListener("click", () => window.location.reload());
      window.addEventListener("pagehide", () => {
        this.over = true;
        if (this.live) this.live.close();
      });
    }

    afterMediaChange() {
      this.renderSelf();
      this.sendMedia();
    }

    sendMedia() {
      this.frame({
        type: "media", audio: Boolean(this.audioTrack) && this.media.audio,
        video: Boolean(this.outgoingVideo()) && (this.media.video || Boolean(this.screenTrack)), screen: Boolean(this.screenTrack),
      });
    }

    async replaceVideo(track) {
      for (const peer of this.peers.values()) {
        const transceiver = this.transceiverOf(peer.pc, "video");
        if (transceiver) await transceiver.sender.replaceTrack(track).catch(() => undefined);
      }
    }

    transceiverOf(pc, kind) {
      return pc.getTransceivers().find((transceiver) => transceiver.receiver.track && transceiver.receiver.track.kind === kind);
    }

    async flipCamera() {
      const next = this.facing === "user" ? "environment" : "user";
      const previous = this.cameraTrack;
      this.buttons.flip.disabled = true;
      // Phones open one camera at a time: the old one stops first.
      if (previous) previous.stop();
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: next } } });
        this.facing = next;
        this.cameraTrack = stream.getVideoTracks()[0];
      } catch (error) {
        const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } }).catch(() => null);
        this.cameraTrack = stream ? stream.getVideoTracks()[0] : null;
      }
      if (this.cameraTrack) this.cameraTrack.enabled = this.media.video;
      if (!this.screenTrack) await this.replaceVideo(this.cameraTrack);
      this.buttons.flip.disabled = false;
      this.afterMediaChange();
    }

    async shareScreen() {
      let display;
      try {
        display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      } catch (error) {
        return; // the person chose not to share
      }
      this.screenTrack = display.getVideoTracks()[0];
      this.screenTrack.addEventListener("ended", () => this.stopScreen());
      await this.replaceVideo(this.screenTrack);
      this.buttons.screen.setAttribute("aria-pressed", "true");
      this.buttons.screen.textContent = t.stopSharing;
      this.afterMediaChange();
    }

    async stopScreen() {
      if (!this.screenTrack) return;
      this.screenTrack.stop();
      this.screenTrack = null;
      await this.replaceVideo(this.cameraTrack);
      this.buttons.screen.setAttribute("aria-pressed", "false");
      this.buttons.screen.textContent = t.shareScreen;
      this.afterMediaChange();
    }

    /* --- the socket ------------------------------------------------------------------------- */
    connect() {
      this.showState(t.connecting);
      this.live = new LiveSocket({
        // Back after losing the socket: the previous stay ends at once (no ghost in the others' lists).
        url: () => config.wsPath + (this.me ? "?replaces=" + encodeURIComponent(this.me.peer) : ""),
        onFrame: (frame) => this.receive(frame),
        onClose: (event) => {
          window.clearInterval(this.pinger);
          this.dropPeers();
          this.helloed = false;
          if (this.over) return false;
          if (event.code === 4403) {
            // Refused (full, ended, no longer allowed): the reason came just before.
            this.finish(this.refusal || t.revoked);
            return false;
          }
          this.showState(t.reconnecting);
          return true;
        },
        firstBackoff: 1000,
        maxBackoff: MAX_BACKOFF,
      });
      this.live.open();
    }

    frame(data) {
      return this.live.send(data);
    }

    receive(frame) {
      switch (frame.type) {
        case "hello": return this.hello(frame);
        case "peer.joined": return this.peerJoined(frame.who);
        case "peer.left": return this.peerLeft(frame.peer);
        case "signal": return this.signal(frame);
        case "media": return this.remoteMedia(frame);
        case "snapshot": return this.addSnapshot(frame, { announce: true });
        case "ended": return this.finish(frame.state === "revoked" ? t.revoked : t.ended, { ended: true });
        case "error": return this.error(frame);
        default: return undefined;
      }
    }

    hello(frame) {
      this.helloed = true;
      this.live.welcomed();
      this.refusal = null;
      if (this.me && this.me.peer !== frame.me.peer) this.recordLeft(this.me.peer); // the stay before the reconnect
      this.me = frame.me;
      this.iceServers = frame.ice_servers || [];
      this.canEnd = frame.can_end;
      this.buttons.end.hidden = !frame.can_end;
      const publicChoice = document.querySelector(".snapshot-public-choice");
      if (publicChoice) publicChoice.hidden = !frame.can_store_public;
      this.annotator.allowed = frame.can_store_public || frame.can_store_internal;
      this.selfTile.dataset.peer = String(frame.me.peer);
      this.selfTile.querySelector(".tile-name").textContent = frame.me.name + " (" + t.you + ")";
      this.renderPeople();
      this.recordJoined(frame.me, true);
      const started = document.querySelector(".call-started");
      if (started && !started.dataset.started) {
        const now = new Date();
        started.dataset.started = now.toISOString();
        started.textContent = CLOCK.format(now);
        this.tickDuration();
      }
      const state = document.querySelector(".call-session-state");
      if (state && t.running) state.textContent = t.running;
      for (const who of frame.peers) this.addPeer(who, true);
      this.showState(frame.peers.length ? "" : t.waiting);
      this.sendMedia();
      window.clearInterval(this.pinger);
      this.pinger = window.setInterval(() => this.frame({ type: "ping" }), PING_EVERY);
    }

    error(frame) {
      // Before the hello an error is the reason the call refuses this person; later it is about
      // one frame (the call goes on).
      if (!this.helloed) this.refusal = frame.message;
      else this.showState(frame.message);
    }

    finish(message, { ended = false } = {}) {
      this.over = true;
      window.clearInterval(this.pinger);
      if (this.live) this.live.close();
      this.dropPeers();
      this.stopMedia();
      if (this.me) this.recordLeft(this.me.peer);
      this.showState("");
      this.showNotice(message, { chat: !ended });
      for (const name of ["mic", "cam", "flip", "screen", "leave", "end"]) this.buttons[name].hidden = true;
      this.buttons.rejoin.hidden = ended || !this.me;
      this.grid.hidden = true;
      this.renderPeople();
    }

    leave() {
      this.finish(t.left);
      this.buttons.rejoin.hidden = false;
      this.notice.classList.remove("flash-warning");
    }

    stopMedia() {
      for (const track of [this.audioTrack, this.cameraTrack, this.screenTrack]) if (track) track.stop();
    }

    showState(text) {
      this.stateLine.hidden = !text;
      this.stateLine.textContent = text || "";
    }

    showNotice(text, { chat = true } = {}) {
      this.notice.hidden = !text;
      this.notice.querySelector(".call-notice-text").textContent = text || "";
      this.notice.querySelector("a").parentNode.hidden = !chat;
    }

    /* --- peers ------------------------------------------------------------------------------ */
    addPeer(who, offer) {
      if (this.peers.has(who.peer)) this.peerLeft(who.peer, { quiet: true });
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      const peer = {
        who, pc, stream: new MediaStream(), chain: Promise.resolve(), pending: [],
        media: { audio: true, video: true, screen: false },
      };
      this.peers.set(who.peer, peer);
      peer.tile = this.renderTile(peer);
      pc.addEventListener("icecandidate", (event) => {
        if (event.candidate) this.frame({ type: "signal", to: who.peer, kind: "candidate", data: event.candidate.toJSON() });
      });
      pc.addEventListener("track", (event) => {
        if (!peer.stream.getTracks().includes(event.track)) peer.stream.addTrack(event.track);
        this.play(peer);
      });
      pc.addEventListener("connectionstatechange", () => this.renderConnection(peer));
      if (offer) {
        pc.addTransceiver(this.audioTrack || "audio", { direction: "sendrecv" });
        pc.addTransceiver(this.outgoingVideo() || "video", { direction: "sendrecv" });
        peer.chain = peer.chain.then(async () => {
          await pc.setLocalDescription(await pc.createOffer());
          this.frame({ type: "signal", to: who.peer, kind: "offer", data: { type: "offer", sdp: pc.localDescription.sdp } });
        }).catch((error) => this.peerFailed(peer, error));
      }
      this.renderPeople();
      this.recordJoined(who, false);
      this.showState("");
    }

    peerJoined(who) {
      this.addPeer(who, false); // the newcomer offers
      this.sendMedia(); // …and learns what is muted here
    }

    peerLeft(id, { quiet = false } = {}) {
      const peer = this.peers.get(id);
      if (!peer) return;
      peer.pc.close();
      peer.tile.remove();
      this.peers.delete(id);
      this.grid.dataset.count = String(this.peers.size + 1);
      if (!quiet) this.recordLeft(id);
      this.renderPeople();
      if (!this.peers.size && !this.over) this.showState(t.waiting);
    }

    dropPeers() {
      for (const id of [...this.peers.keys()]) this.peerLeft(id, { quiet: true });
    }

    signal(frame) {
      const peer = this.peers.get(frame.from);
      if (!peer) return;
      const pc = peer.pc;
      peer.chain = peer.chain.then(async () => {
        if (frame.kind === "offer") {
          await pc.setRemoteDescription(frame.data);
          // Send on the transceivers the offer brought: the microphone and the camera (or none).
          for (const transceiver of pc.getTransceivers()) {
            const kind = transceiver.receiver.track.kind;
            transceiver.direction = "sendrecv";
            await transceiver.sender.replaceTrack(kind === "audio" ? this.audioTrack : this.outgoingVideo());
          }
          await pc.setLocalDescription(await pc.createAnswer());
          this.frame({ type: "signal", to: frame.from, kind: "answer", data: { type: "answer", sdp: pc.localDescription.sdp } });
          await this.flushCandidates(peer);
        } else if (frame.kind === "answer") {
          await pc.setRemoteDescription(frame.data);
          await this.flushCandidates(peer);
        } else if (frame.kind === "candidate") {
          if (pc.remoteDescription) await pc.addIceCandidate(frame.data);
          else peer.pending.push(frame.data);
        }
      }).catch((error) => this.peerFailed(peer, error));
    }

    async flushCandidates(peer) {
      const pending = peer.pending.splice(0);
      for (const candidate of pending) await peer.pc.addIceCandidate(candidate).catch(() => undefined);
    }

    peerFailed(peer, error) {
      if (window.console) console.warn("video call:", error);
      if (peer.tile) peer.tile.querySelector(".tile-connection").textContent = t.failed;
    }

    remoteMedia(frame) {
      const peer = this.peers.get(frame.peer);
      if (!peer) return;
      peer.media = { audio: frame.audio, video: frame.video, screen: frame.screen };
      this.renderFlags(peer.tile, peer.media);
      this.setPlaceholder(peer.tile, frame.video ? "" : t.camOff);
      peer.tile.classList.toggle("is-screen", frame.screen);
      this.renderPeople();
    }

    renderTile(peer) {
      const tile = document.getElementById("call-tile-template").content.firstElementChild.cloneNode(true);
      tile.dataset.peer = String(peer.who.peer);
      tile.querySelector(".tile-name").textContent = this.nameOf(peer.who);
      const snap = tile.querySelector(".tile-snap");
      snap.setAttribute("aria-label", fmt(t.snapshotOf, { name: this.nameOf(peer.who) }));
      snap.title = t.snapshot;
      snap.addEventListener("click", () => this.annotator.open(tile.querySelector("video")));
      const sound = tile.querySelector(".tile-sound");
      sound.addEventListener("click", () => {
        const video = tile.querySelector("video");
        video.muted = false;
        video.play().then(() => { sound.hidden = true; }).catch(() => undefined);
      });
      this.grid.append(tile);
      this.grid.dataset.count = String(this.peers.size + 1);
      this.renderConnection(peer, tile);
      return tile;
    }

    play(peer) {
      const video = peer.tile.querySelector("video");
      if (video.srcObject !== peer.stream) video.srcObject = peer.stream;
      const started = video.play();
      if (started && started.catch) {
        started.catch(() => {
          // The browser blocks sound before the person touched the page: the picture still plays.
          video.muted = true;
          video.play().catch(() => undefined);
          peer.tile.querySelector(".tile-sound").hidden = false;
        });
      }
    }

    renderConnection(peer, tile) {
      const state = peer.pc.connectionState;
      const label = state === "connected" ? t.connected : state === "failed" ? t.failed : t.connectingPeer;
      (tile || peer.tile).querySelector(".tile-connection").textContent = label;
      (tile || peer.tile).dataset.connection = state;
      if (peer.item) peer.item.dataset.connection = state;
    }

    nameOf(who) {
      return who.name || (who.kind === "staff" ? t.staff : t.customer);
    }

    renderPeople() {
      if (!this.peopleList) return;
      this.peopleList.replaceChildren();
      if (this.me && !this.over) {
        const item = el("li", "call-person is-me");
        item.append(el("strong", null, this.me.name), document.createTextNode(" (" + t.you + ")"));
        this.peopleList.append(item);
      }
      for (const peer of this.peers.values()) {
        const item = el("li", "call-person");
        item.dataset.peer = String(peer.who.peer);
        item.append(el("strong", null, this.nameOf(peer.who)), document.createTextNode(" "));
        item.append(el("span", "muted", peer.who.kind === "staff" ? t.staff : t.customer));
        const flags = [];
        if (!peer.media.audio) flags.push(t.micOff);
        if (!peer.media.video) flags.push(t.camOff);
        if (peer.media.screen) flags.push(t.sharing);
        if (flags.length) item.append(el("span", "call-person-flags", flags.join(" · ")));
        peer.item = item;
        this.peopleList.append(item);
      }
    }

    /* --- the record ------------------------------------------------------------------------- */
    recordJoined(who, isMe) {
      if (!this.recordList || this.recordRows.has(who.peer)) return;
      const row = el("li");
      row.dataset.kind = who.kind;
      row.dataset.peer = String(who.peer);
      row.append(el("strong", "record-name", isMe ? who.name + " (" + t.you + ")" : this.nameOf(who)), document.createTextNode(" "));
      const span = el("span", "muted", t.joinedAt + " ");
      span.append(timeNode(new Date()));
      row.append(span);
      this.recordList.append(row);
      this.recordRows.set(who.peer, row);
      const empty = document.querySelector(".call-record-empty");
      if (empty) empty.hidden = true;
    }

    recordLeft(id) {
      const row = this.recordRows.get(id);
      if (!row || row.dataset.left) return;
      row.dataset.left = "1";
      const span = row.querySelector("span");
      span.append(document.createTextNode(", " + t.leftAt + " "), timeNode(new Date()));
    }

    tickDuration() {
      const started = document.querySelector(".call-started");
      const duration = document.querySelector(".call-duration");
      if (!started || !started.dataset.started || !duration || this.durationTimer) return;
      const update = () => {
        if (this.over) return;
        const minutes = Math.max(0, Math.floor((Date.now() - new Date(started.dataset.started)) / 60000));
        duration.textContent = fmt(t.runningFor, { minutes });
      };
      update();
      this.durationTimer = window.setInterval(update, 30000);
    }

    /* --- snapshots -------------------------------------------------------------------------- */
    addSnapshot(snapshot, { announce = false } = {}) {
      if (this.snapshots.has(snapshot.id)) return;
      this.snapshots.add(snapshot.id);
      const url = snapshotUrl(snapshot.id);
      const item = el("li", "is-new");
      item.dataset.snapshot = String(snapshot.id);
      const link = el("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener";
      const image = el("img");
      image.src = url;
      image.alt = snapshot.text;
      link.append(image);
      const caption = el("p", null, snapshot.text + " ");
      caption.append(el("span", "visibility-badge visibility-" + (snapshot.public ? "public" : "internal"), snapshot.public ? t.public : t.internal));
      item.append(link, caption);
      this.snapshotList.prepend(item);
      const empty = document.querySelector(".snapshot-empty");
      if (empty) empty.hidden = true;
      if (announce && snapshot.by) this.showState(fmt(t.snapshotFrom, { name: snapshot.by }));
    }
  }

  /* The frozen frame and what is drawn on it: arrows (from the end to the tip) and ellipses,
   * kept as shapes and redrawn over the picture, so Undo and Clear are exact. */
  class Annotator {
    constructor(call) {
      this.call = call;
      this.dialog = document.querySelector(".snapshot-dialog");
      this.form = this.dialog.querySelector(".snapshot-form");
      this.canvas = this.dialog.querySelector(".snapshot-canvas");
      this.error = this.dialog.querySelector(".snapshot-error");
      this.sendButton = this.dialog.querySelector(".snapshot-send");
      this.frame = document.createElement("canvas"); // the frozen picture alone
      this.shapes = [];
      this.drawing = null;
      this.allowed = true;
      this.bind();
    }

    bind() {
      this.canvas.addEventListener("pointerdown", (event) => {
        event.preventDefault();
        this.canvas.setPointerCapture(event.pointerId);
        const tool = this.form.querySelector("input[name=tool]:checked").value;
        const at = this.point(event);
        this.drawing = { tool, from: at, to: at };
      });
      this.canvas.addEventListener("pointermove", (event) => {
        if (!this.drawing) return;
        this.drawing.to = this.point(event);
        this.redraw();
      });
      const done = (event) => {
        if (!this.drawing) return;
        this.drawing.to = this.point(event);
        const { from, to } = this.drawing;
        if (Math.hypot(to.x - from.x, to.y - from.y) > this.canvas.width / 100) this.shapes.push(this.drawing);
        this.drawing = null;
        this.redraw();
      };
      this.canvas.addEventListener("pointerup", done);
      this.canvas.addEventListener("pointercancel", () => { this.drawing = null; this.redraw(); });
      this.dialog.querySelector(".snapshot-undo").addEventListener("click", () => { this.shapes.pop(); this.redraw(); });
      this.dialog.querySelector(".snapshot-clear").addEventListener("click", () => { this.shapes = []; this.redraw(); });
      this.dialog.querySelector(".snapshot-cancel").addEventListener("click", () => this.dialog.close());
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.send();
      });
    }

    open(video) {
      if (!video || !video.videoWidth) {
        this.call.showState(t.noFrame);
        return;
      }
      // Between 960 and 1280 pixels wide: a small frame (the call starts low) is enlarged so that
      // the marks are sharp; a large one is reduced to keep the upload small.
      const scale = video.videoWidth < 960 ? 960 / video.videoWidth : Math.min(1, 1280 / video.videoWidth);
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      for (const canvas of [this.frame, this.canvas]) {
        canvas.width = width;
        canvas.height = height;
      }
      this.canvas.style.setProperty("--ratio", String(width / height));
      this.frame.getContext("2d").drawImage(video, 0, 0, width, height);
      this.shapes = [];
      this.error.textContent = "";
      this.form.elements.text.value = "";
      this.redraw();
      this.dialog.showModal();
    }

    point(event) {
      const box = this.canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) / box.width) * this.canvas.width,
        y: ((event.clientY - box.top) / box.height) * this.canvas.height,
      };
    }

    redraw() {
      const ctx = this.canvas.getContext("2d");
      ctx.drawImage(this.frame, 0, 0);
      for (const shape of this.drawing ? [...this.shapes, this.drawing] : this.shapes) this.drawShape(ctx, shape);
    }

    drawShape(ctx, shape) {
      const width = Math.max(4, this.canvas.width / 150);
      const { from, to } = shape;
      const path = () => {
        ctx.beginPath();
        if (shape.tool === "circle") {
          const rx = Math.abs(to.x - from.x) / 2;
          const ry = Math.abs(to.y - from.y) / 2;
          ctx.ellipse((from.x + to.x) / 2, (from.y + to.y) / 2, Math.max(rx, 1), Math.max(ry, 1), 0, 0, Math.PI * 2);
        } else {
          const angle = Math.atan2(to.y - from.y, to.x - from.x);
          const head = Math.max(14, width * 5);
          ctx.moveTo(from.x, from.y);
          ctx.lineTo(to.x, to.y);
          ctx.moveTo(to.x - head * Math.cos(angle - Math.PI / 7), to.y - head * Math.sin(angle - Math.PI / 7));
          ctx.lineTo(to.x, to.y);
          ctx.lineTo(to.x - head * Math.cos(angle + Math.PI / 7), to.y - head * Math.sin(angle + Math.PI / 7));
        }
      };
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      // A dark halo under the red line: visible on light and dark pictures alike.
      path();
      ctx.strokeStyle = "rgba(0, 0, 0, .55)";
      ctx.lineWidth = width + 3;
      ctx.stroke();
      path();
      ctx.strokeStyle = "#ff3b30";
      ctx.lineWidth = width;
      ctx.stroke();
    }

    send() {
      this.error.textContent = "";
      this.sendButton.disabled = true;
      this.canvas.toBlob((blob) => {
        if (!blob) {
          this.failed(t.snapshotFailed);
          return;
        }
        const data = new FormData();
        data.append("image", blob, "snapshot.png");
        data.append("text", this.form.elements.text.value.trim());
        const visibility = this.form.querySelector("input[name=public]:checked");
        data.append("public", visibility ? visibility.value : "1");
        const token = this.form.querySelector("input[name=csrfmiddlewaretoken]").value;
        fetch(config.uploadUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": token, Accept: "application/json" },
        })
          .then((response) => response.json().catch(() => ({})).then((body) => ({ response, body })))
          .then(({ response, body }) => {
            if (!response.ok) return this.failed(body.error || t.snapshotFailed);
            this.sendButton.disabled = false;
            this.dialog.close();
            this.call.addSnapshot(body);
            this.call.frame({ type: "snapshot", id: body.id }); // everyone in the call sees it now
            this.call.showState(t.snapshotSent);
            return undefined;
          })
          .catch(() => this.failed(t.snapshotFailed));
      }, "image/png");
    }

    failed(message) {
      this.sendButton.disabled = false;
      this.error.textContent = message;
    }
  }

  new Call().start();
})();
