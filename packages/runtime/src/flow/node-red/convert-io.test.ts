import { describe, expect, it } from "vitest";
import { convertNodeRed, type NodeRedNode } from "./convert.js";
import { splitCommandLine } from "./convert-io.js";

/** Converts one Node-RED node on its own tab, with any config nodes; returns its Wattflow type and config, and the import's report. */
function one(node: Omit<NodeRedNode, "id" | "z">, configNodes: NodeRedNode[] = []) {
  const r = convertNodeRed([{ id: "t", type: "tab", label: "T" }, ...configNodes, { id: "n1", z: "t", wires: [], ...node }]);
  const n = r.flows[0]!.nodes[0]!;
  return { type: n.type, config: n.config ?? {}, warnings: r.warnings, unsupported: r.unsupported };
}

describe("Node-RED import of file, TCP, UDP, WebSocket and exec nodes", () => {
  it("file: append, overwrite, delete; absolute paths move under the file root; msg.filename", () => {
    expect(one({ type: "file", filename: "logs/a.log", filenameType: "str", appendNewline: true, createDir: true, overwriteFile: "false" })).toMatchObject({
      type: "file",
      config: { filename: "logs/a.log", action: "append", newline: true, createDir: true },
    });
    expect(one({ type: "file", filename: "x", overwriteFile: "true", appendNewline: false }).config).toMatchObject({ action: "overwrite", newline: false, createDir: false });
    expect(one({ type: "file", filename: "x", overwriteFile: "delete" }).config).toMatchObject({ action: "delete" });
    const abs = one({ type: "file", filename: "/var/log/power.log", filenameType: "str" });
    expect(abs.config.filename).toBe("var/log/power.log");
    expect(abs.warnings.join("\n")).toMatch(/absolute; Wattflow works under a file root/);
    expect(one({ type: "file", filename: "filename", filenameType: "msg" }).config.filename).toBe("");
  });

  it("file in: text, lines, buffer; streaming chunks become a whole Buffer with a warning", () => {
    expect(one({ type: "file in", filename: "a.csv", format: "lines" })).toMatchObject({ type: "file-in", config: { filename: "a.csv", format: "lines" } });
    expect(one({ type: "file in", filename: "a", format: "utf8" }).config.format).toBe("utf8");
    expect(one({ type: "file in", filename: "a", format: "" }).config.format).toBe("buffer");
    const stream = one({ type: "file in", filename: "a", format: "stream" });
    expect(stream.config.format).toBe("buffer");
    expect(stream.warnings.join("\n")).toMatch(/message per chunk/);
  });

  it("watch: a comma-separated list of paths", () => {
    const w = one({ type: "watch", files: "incoming, /data/meters", recursive: true });
    expect(w).toMatchObject({ type: "watch", config: { paths: ["incoming", "data/meters"], recursive: true } });
    expect(w.warnings.join("\n")).toMatch(/debounced/);
  });

  it("tcp out and tcp request: client, delimiter, count, timeout", () => {
    expect(one({ type: "tcp out", host: "10.0.0.5", port: "9100", beserver: "client", base64: false })).toMatchObject({ type: "tcp-out", config: { host: "10.0.0.5", port: 9100 } });
    expect(one({ type: "tcp out", port: "9100", beserver: "server" }).warnings.join("\n")).toMatch(/"server" mode is not supported/);
    expect(one({ type: "tcp request", server: "10.0.0.6", port: "7000", out: "char", splitc: "\\n", ret: "string" })).toMatchObject({
      type: "tcp-request",
      config: { host: "10.0.0.6", port: 7000, reply: "delimiter", delimiter: "\\n", format: "utf8" },
    });
    expect(one({ type: "tcp request", server: "h", port: "1", out: "count", splitc: "8", ret: "buffer" }).config).toMatchObject({ reply: "count", count: 8, format: "buffer" });
    const timed = one({ type: "tcp request", server: "h", port: "1", out: "time", splitc: "300" });
    expect(timed.config).toMatchObject({ reply: "close", timeoutMs: 300 });
    expect(timed.warnings.join("\n")).toMatch(/until the server closes/);
  });

  it("udp in and udp out: loopback by default with a warning, multicast group, broadcast", () => {
    const u = one({ type: "udp in", port: "5005", datatype: "utf8", multicast: "true", group: "239.1.2.3" });
    expect(u).toMatchObject({ type: "udp-in", config: { host: "127.0.0.1", port: 5005, format: "text", group: "239.1.2.3" } });
    expect(u.warnings.join("\n")).toMatch(/set host 0\.0\.0\.0/);
    expect(one({ type: "udp in", port: "5005", datatype: "buffer", multicast: "false" }).config).toEqual({ host: "127.0.0.1", port: 5005, format: "bytes" });
    expect(one({ type: "udp out", addr: "192.168.1.255", port: "5006", multicast: "broad" })).toMatchObject({ type: "udp-out", config: { host: "192.168.1.255", port: 5006, broadcast: true } });
  });

  it("websocket in/out: client config nodes become URLs; a listener out becomes ws-out; the config nodes are not reported", () => {
    const client: NodeRedNode = { id: "wc", type: "websocket-client", path: "ws://10.0.0.7:8080/live", wholemsg: "false" };
    const wsIn = one({ type: "websocket in", client: "wc", server: "" }, [client]);
    expect(wsIn).toMatchObject({ type: "websocket-client-in", config: { url: "ws://10.0.0.7:8080/live", format: "text" }, unsupported: [] });
    expect(one({ type: "websocket out", client: "wc", server: "" }, [client])).toMatchObject({ type: "websocket-client-out", config: { url: "ws://10.0.0.7:8080/live" } });
    const listener: NodeRedNode = { id: "wl", type: "websocket-listener", path: "/ws/solar", wholemsg: "false" };
    expect(one({ type: "websocket out", server: "wl", client: "" }, [listener])).toMatchObject({ type: "ws-out", config: { path: "/ws/solar" }, unsupported: [] });
    expect(one({ type: "websocket in", server: "wl", client: "" }, [listener]).warnings.join("\n")).toMatch(/listening on \/ws\/solar is not supported/);
  });

  it("exec: the command line becomes an argument array; shell features and the runtime switch are reported", () => {
    const e = one({ type: "exec", command: "ping -c 1", addpay: "payload", append: "", useSpawn: "false", timer: "5" });
    expect(e).toMatchObject({ type: "exec", config: { command: "ping", args: ["-c", "1"], appendPayload: true, timeoutMs: 5000 } });
    expect(e.warnings.join("\n")).toMatch(/WATTFLOW_ALLOW_EXEC=1/);
    const piped = one({ type: "exec", command: "cat /tmp/x | grep kw", addpay: false, append: "" });
    expect(piped.config).toMatchObject({ appendPayload: false });
    expect(piped.warnings.join("\n")).toMatch(/uses shell features/);
    expect(splitCommandLine(`say "two words" 'a|b'`)).toEqual({ words: ["say", "two words", "a|b"], shellFeatures: false });
  });
});
