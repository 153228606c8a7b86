/**
 * Node-RED's file, TCP, UDP, WebSocket-client and exec nodes as Wattflow's.
 * Pure, like convert.ts. Where Wattflow is stricter (a file root, a loopback
 * default, no shell) the config is carried over and the import report says
 * what to check.
 */
import type { NodeRedNode } from "./convert.js";

type Warn = (text: string) => void;
export type ConfigNodes = ReadonlyMap<string, NodeRedNode>;
type IoConverter = (n: NodeRedNode, warn: Warn, byId: ConfigNodes) => { type: string; config: Record<string, unknown> };

/** Config nodes whose settings these converters copy into the nodes that use them. */
export const IO_CONFIG_TYPES: ReadonlySet<string> = new Set(["websocket-client", "websocket-listener"]);

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const yes = (v: unknown): boolean => v === true || v === "true";
const port = (v: unknown): number => {
  const p = Math.round(Number(v));
  return Number.isFinite(p) && p >= 1 && p <= 65535 ? p : 1;
};

/** A Node-RED file path as one relative to Wattflow's file root. */
function underRoot(n: NodeRedNode, path: string, warn: Warn): string {
  const relative = path.replace(/^([A-Za-z]:)?[\\/]+/, "");
  if (relative !== path) warn(`${n.id}: ${n.type} path ${path} is absolute; Wattflow works under a file root (WATTFLOW_FILE_ROOT or the node's root), so it became ${relative} under that root`);
  if (relative.split(/[\\/]/).includes("..")) warn(`${n.id}: ${n.type} path ${path} contains ".."; Wattflow refuses it: set the node's root instead`);
  return relative;
}

/** The file name: a fixed one, or empty for msg.filename. */
function fileName(n: NodeRedNode, warn: Warn): string {
  const type = text(n.filenameType) || "str";
  if (type === "str") return text(n.filename) === "" ? "" : underRoot(n, text(n.filename), warn);
  if (type !== "msg" || text(n.filename) !== "filename") warn(`${n.id}: ${n.type} file name from ${type} "${text(n.filename)}" is not supported; msg.filename is used`);
  return "";
}

/** A command line split into words the way a shell splits simple ones (quotes, no expansion). */
export function splitCommandLine(line: string): { words: string[]; shellFeatures: boolean } {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { words, shellFeatures: /[|;&<>`*?~]|\$[({A-Za-z_]/.test(line.replace(/'[^']*'/g, "")) };
}

function tcpRequestReply(n: NodeRedNode, warn: Warn): Record<string, unknown> {
  const mode = text(n.out) || "time";
  const splitc = text(n.splitc);
  if (mode === "char") return { reply: "delimiter", delimiter: splitc || "\\n" };
  if (mode === "count") return { reply: "count", count: Math.max(1, Math.round(Number(splitc)) || 1) };
  if (mode === "time") {
    const ms = Math.max(1, Math.round(Number(splitc)) || 5000);
    warn(`${n.id}: tcp request "after a timeout of ${ms} ms" becomes "until the server closes", with ${ms} ms as the time limit (a reply cut off by the limit fails instead of being sent)`);
    return { reply: "close", timeoutMs: ms };
  }
  warn(`${n.id}: tcp request mode "${mode}" (keep the connection open, or send without waiting) is not supported; the reply is read up to a newline`);
  return { reply: "delimiter" };
}

export const ioConverters: Record<string, IoConverter> = {
  file(n, warn) {
    const action = n.overwriteFile === "delete" ? "delete" : yes(n.overwriteFile) ? "overwrite" : "append";
    if (text(n.encoding) && !["none", "utf8", "setbymsg"].includes(text(n.encoding))) warn(`${n.id}: file encoding ${text(n.encoding)} is not supported; text is written as UTF-8`);
    return { type: "file", config: { filename: fileName(n, warn), action, newline: n.appendNewline === undefined ? true : yes(n.appendNewline), createDir: yes(n.createDir) } };
  },
  "file in"(n, warn) {
    const formats: Record<string, string> = { utf8: "utf8", lines: "lines", "": "buffer" };
    const format = formats[text(n.format)];
    if (!format) warn(`${n.id}: file in format "${text(n.format)}" (a message per chunk) is not supported; the file is read whole as a Buffer`);
    if (text(n.encoding) && !["none", "utf8"].includes(text(n.encoding))) warn(`${n.id}: file in encoding ${text(n.encoding)} is not supported; text is read as UTF-8`);
    return { type: "file-in", config: { filename: fileName(n, warn), format: format ?? "buffer" } };
  },
  watch(n, warn) {
    const paths = text(n.files)
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "")
      .map((p) => underRoot(n, p, warn));
    warn(`${n.id}: watch events are debounced (200 ms) and named add/change/unlink in msg.event; Node-RED's update/rename are not used`);
    return { type: "watch", config: { paths: paths.length ? paths : ["."], recursive: yes(n.recursive) } };
  },
  "tcp out"(n, warn) {
    const mode = text(n.beserver) || "client";
    if (mode !== "client") warn(`${n.id}: tcp out in "${mode}" mode is not supported (Wattflow's tcp-out is a client; listening is tcp-in); imported as a client to ${text(n.host) || "127.0.0.1"}:${text(n.port)}: check it`);
    if (yes(n.base64)) warn(`${n.id}: tcp out base64 decoding is not supported; the payload is written as it is`);
    if (yes(n.end)) warn(`${n.id}: tcp out "close connection after each message" is not supported; the connection stays open`);
    return { type: "tcp-out", config: { host: text(n.host) || "127.0.0.1", port: port(n.port) } };
  },
  "tcp request"(n, warn) {
    if (!text(n.server)) warn(`${n.id}: tcp request without a host takes msg.host in Node-RED; Wattflow needs it in the config: set it`);
    return {
      type: "tcp-request",
      config: { host: text(n.server) || "127.0.0.1", port: port(n.port), ...tcpRequestReply(n, warn), format: n.ret === "string" ? "utf8" : "buffer" },
    };
  },
  "udp in"(n, warn) {
    warn(`${n.id}: udp in listens on 127.0.0.1 in Wattflow (Node-RED: every interface); set host 0.0.0.0 to hear other machines`);
    if (n.datatype === "base64") warn(`${n.id}: udp in base64 output is not supported; the datagram arrives as a Buffer`);
    const multicast = yes(n.multicast) && text(n.group) !== "";
    return { type: "udp-in", config: { host: "127.0.0.1", port: port(n.port), format: n.datatype === "utf8" ? "text" : "bytes", ...(multicast ? { group: text(n.group) } : {}) } };
  },
  "udp out"(n, warn) {
    if (!text(n.addr)) warn(`${n.id}: udp out without an address sends to msg.ip in Node-RED; Wattflow needs it in the config: set it`);
    if (yes(n.base64)) warn(`${n.id}: udp out base64 decoding is not supported; the payload is sent as it is`);
    return { type: "udp-out", config: { host: text(n.addr) || "127.0.0.1", port: port(n.port), broadcast: n.multicast === "broad" } };
  },
  "websocket in"(n, warn, byId) {
    const client = byId.get(text(n.client));
    if (!client) {
      const listener = byId.get(text(n.server));
      warn(`${n.id}: websocket in listening on ${text(listener?.path) || "a path"} is not supported (Wattflow's WebSocket endpoints only send, with ws-out); imported as a client of ws://127.0.0.1${text(listener?.path)}: replace it`);
      return { type: "websocket-client-in", config: { url: `ws://127.0.0.1${text(listener?.path) || "/"}`, format: "text" } };
    }
    if (yes(client.wholemsg)) warn(`${n.id}: websocket in "entire message" is not supported; frames are parsed as JSON into msg.payload`);
    return { type: "websocket-client-in", config: { url: text(client.path), format: yes(client.wholemsg) ? "json" : "text" } };
  },
  "websocket out"(n, warn, byId) {
    const client = byId.get(text(n.client));
    if (client) {
      if (yes(client.wholemsg)) warn(`${n.id}: websocket out "entire message" is not supported; only msg.payload is sent`);
      return { type: "websocket-client-out", config: { url: text(client.path) } };
    }
    const listener = byId.get(text(n.server));
    const path = text(listener?.path) || "/ws";
    warn(`${n.id}: websocket out listening on ${path} becomes ws-out on the flow server, which sends msg.payload as JSON to every client`);
    return { type: "ws-out", config: { path: path.startsWith("/") ? path : `/${path}` } };
  },
  exec(n, warn) {
    const { words, shellFeatures } = splitCommandLine(text(n.command));
    const extra = splitCommandLine(text(n.append));
    const appendPayload = n.addpay === undefined ? true : n.addpay === true || n.addpay === "payload" || n.addpay === "true";
    if (words.length === 0) warn(`${n.id}: exec without a command: set one`);
    warn(`${n.id}: exec runs only when the runtime is started with WATTFLOW_ALLOW_EXEC=1, and without a shell`);
    if (shellFeatures || extra.shellFeatures) warn(`${n.id}: exec command "${text(n.command)} ${text(n.append)}" uses shell features (pipes, redirection, variables, globs); Wattflow runs no shell, so put them in a script and run that`);
    if (appendPayload && extra.words.length) warn(`${n.id}: exec's extra arguments now come before the payload (Node-RED puts them after)`);
    if (yes(n.useSpawn)) warn(`${n.id}: exec spawn mode (output while running) is not supported; output is sent when the program ends`);
    const seconds = Number(n.timer);
    return {
      type: "exec",
      config: {
        command: words[0] ?? "",
        args: [...words.slice(1), ...extra.words],
        appendPayload,
        ...(Number.isFinite(seconds) && seconds > 0 ? { timeoutMs: Math.round(seconds * 1000) } : {}),
      },
    };
  },
};
