// A websocket to Parlor that reconnects with backoff and dispatches messages by "type".

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10000;
const FINAL_CODES = new Set([4403, 4404, 4410, 4429]);

export class ParlorSocket {
  constructor(path) {
    this.path = path;
    this.handlers = new Map();
    this.statusListeners = [];
    this.retryMs = RETRY_MIN_MS;
    this.stopped = false;
  }

  on(type, handler) {
    this.handlers.set(type, handler);
    return this;
  }

  onStatus(listener) {
    this.statusListeners.push(listener);
    return this;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    this.ws = new WebSocket(scheme + location.host + this.path);
    this.status("connecting");
    this.ws.addEventListener("open", () => {
      this.retryMs = RETRY_MIN_MS;
      this.status("online");
    });
    this.ws.addEventListener("message", (event) => this.dispatch(JSON.parse(event.data)));
    this.ws.addEventListener("close", (event) => this.closed(event));
    return this;
  }

  dispatch(message) {
    const handler = this.handlers.get(message.type);
    if (handler === undefined) {
      throw new Error(`Unsupported message type: ${message.type}`);
    }
    handler(message);
  }

  closed(event) {
    if (this.stopped || FINAL_CODES.has(event.code)) {
      this.status("closed", event.code);
      return;
    }
    const delay = this.retryMs * (0.75 + Math.random() / 2);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.status("reconnecting", event.code);
    setTimeout(() => this.connect(), delay);
  }

  send(message) {
    if (this.ws?.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.ws.send(JSON.stringify(message));
    return true;
  }

  stop() {
    this.stopped = true;
    this.ws?.close(1000);
  }

  status(state, code) {
    for (const listener of this.statusListeners) listener(state, code);
  }
}

// Show the connection state in the page header.
export function showConnection(socket) {
  const badge = document.getElementById("connection");
  const labels = { connecting: "connecting…", online: "online", reconnecting: "reconnecting…", closed: "disconnected" };
  socket.onStatus((state) => {
    badge.dataset.state = state;
    badge.textContent = labels[state] ?? state;
  });
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value != null) node.setAttribute(key, value);
  }
  node.append(...children.flat().filter((child) => child != null));
  return node;
}
