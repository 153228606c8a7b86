import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";

/**
 * A local server speaking GitHub's documented Contents API: GET (base64, or raw over 1 MB),
 * PUT with sha (201 create, 200 update, 409 stale sha, 422 missing sha), 401, rate limits, 5xx.
 */
export class FakeGithub {
  files = new Map<string, { text: string; sha: string }>();
  /** Every request in arrival order; `at` is when it arrived (ms since the epoch). */
  requests: { method: string; path: string; auth: string | undefined; at: number; body?: { sha?: string; content: string; message: string } }[] = [];
  /** Queued one-shot answers that override the next matching requests. */
  inject: { method?: string; status: number; headers?: Record<string, string> }[] = [];
  /** Changes the stored file between a read and the next write (a concurrent writer). */
  raceOnce = false;
  server: Server;
  url = "";
  token = "ghp_secret_token_value";

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  sha(text: string): string {
    return createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
  }
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as { sha?: string; content: string; message: string }) : undefined;
    const url = new URL(req.url!, "http://x");
    const path = decodeURIComponent(url.pathname.replace(/^\/repos\/owner\/repo\/contents\//, ""));
    this.requests.push({ method: req.method!, path, auth: req.headers.authorization, at, ...(body ? { body } : {}) });
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(data === undefined ? "" : JSON.stringify(data));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { message: "Bad credentials" });
    const i = this.inject.findIndex((x) => !x.method || x.method === req.method);
    if (i >= 0) {
      const x = this.inject.splice(i, 1)[0]!;
      return send(x.status, { message: "injected" }, x.headers);
    }
    const file = this.files.get(path);
    if (req.method === "GET") {
      if (!file) return send(404, { message: "Not Found" });
      if (req.headers.accept === "application/vnd.github.raw+json") {
        res.writeHead(200, { "content-type": "application/vnd.github.raw" });
        res.end(file.text);
        return;
      }
      const big = Buffer.byteLength(file.text) > 1_000_000;
      return send(200, { type: "file", sha: file.sha, size: Buffer.byteLength(file.text), encoding: big ? "none" : "base64", content: big ? "" : Buffer.from(file.text).toString("base64").replace(/(.{60})/g, "$1\n") });
    }
    if (req.method === "PUT" && body) {
      if (this.raceOnce && file) {
        this.raceOnce = false;
        const changed = file.text + " ";
        this.files.set(path, { text: changed, sha: this.sha(changed) });
      }
      const current = this.files.get(path);
      if (current && !body.sha) return send(422, { message: '"sha" wasn\'t supplied.' });
      if (current && body.sha !== current.sha) return send(409, { message: "is at a different sha" });
      const text = Buffer.from(body.content, "base64").toString("utf8");
      this.files.set(path, { text, sha: this.sha(text) });
      return send(current ? 200 : 201, { content: { sha: this.sha(text), path } });
    }
    send(404, { message: "Not Found" });
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

