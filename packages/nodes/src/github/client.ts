/** GitHub's REST Contents API, for keeping files in a repository. The token never appears in errors. */
import { httpFetch, type HttpResponse } from "../shared/http-client.js";

export class GithubError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "GithubError";
  }
}

export interface GithubOptions {
  apiUrl: string;
  repo: string;
  branch: string;
  token: string;
  /** Longest wait for a rate-limit reset before giving up this attempt. */
  maxRateLimitWaitMs: number;
  maxBytes: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GithubClient {
  private chains = new Map<string, Promise<unknown>>();
  constructor(readonly o: GithubOptions) {}

  private redact(text: string): string {
    return this.o.token ? text.split(this.o.token).join("***") : text;
  }

  private async request(method: string, path: string, body?: unknown, accept = "application/vnd.github+json"): Promise<HttpResponse> {
    const sleep = this.o.sleep ?? sleepReal;
    const url = `${this.o.apiUrl.replace(/\/$/, "")}/repos/${this.o.repo}/contents/${path.split("/").map(encodeURIComponent).join("/")}${method === "GET" ? `?ref=${encodeURIComponent(this.o.branch)}` : ""}`;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await httpFetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.o.token}`,
            accept,
            "x-github-api-version": "2022-11-28",
            "user-agent": "wattflow-github-sync",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        if (attempt < 3) {
          await sleep(1000 * 2 ** attempt);
          continue;
        }
        throw new GithubError(this.redact(`GitHub unreachable: ${(err as Error).message}`), 0);
      }
      if (res.status === 401) throw new GithubError("GitHub refused the token (401 bad credentials): check GITHUB_TOKEN", 401);
      const limited = (res.status === 403 || res.status === 429) && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after"));
      if (limited) {
        const retryAfter = Number(res.headers.get("retry-after"));
        const reset = Number(res.headers.get("x-ratelimit-reset"));
        const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() + 1000 : 60_000;
        if (waitMs > this.o.maxRateLimitWaitMs || attempt >= 3) {
          throw new GithubError(`GitHub rate limit reached; it resets at ${new Date(Date.now() + waitMs).toISOString()}`, res.status);
        }
        await sleep(Math.max(0, waitMs));
        continue;
      }
      if (res.status >= 500 && attempt < 3) {
        await sleep(1000 * 2 ** attempt);
        continue;
      }
      return res;
    }
  }

  /** Per-path serial: GitHub asks that writes to one path are not concurrent. */
  private serial<T>(path: string, work: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(path) ?? Promise.resolve()).then(work, work);
    this.chains.set(path, next.catch(() => undefined));
    return next;
  }

  /** The file's text and blob sha, or null when it does not exist. */
  fetch(path: string): Promise<{ text: string; sha: string } | null> {
    return this.serial(path, () => this.fetchNow(path));
  }

  private async fetchNow(path: string): Promise<{ text: string; sha: string } | null> {
    const res = await this.request("GET", path);
    if (res.status === 404) return null;
    if (!res.ok) throw new GithubError(`GitHub answered ${res.status} reading ${path}`, res.status);
    const meta = (await res.json()) as { sha: string; encoding?: string; content?: string; size?: number };
    if (meta.encoding === "base64" && meta.content !== undefined) return { sha: meta.sha, text: Buffer.from(meta.content, "base64").toString("utf8") };
    // Over 1 MB the API leaves `content` empty: read the raw file.
    const raw = await this.request("GET", path, undefined, "application/vnd.github.raw+json");
    if (!raw.ok) throw new GithubError(`GitHub answered ${raw.status} reading ${path} (raw)`, raw.status);
    return { sha: meta.sha, text: await raw.text() };
  }

  /** Creates or updates a file; a stale sha (409/422) is re-read and retried. Returns created/updated/unchanged. */
  push(path: string, text: string, message: string): Promise<"created" | "updated" | "unchanged"> {
    return this.serial(path, async () => {
      const bytes = Buffer.byteLength(text);
      if (bytes > this.o.maxBytes) throw new GithubError(`${path} is ${bytes} bytes, over the ${this.o.maxBytes}-byte limit for the Contents API; not pushed`, 413);
      for (let attempt = 0; attempt < 4; attempt++) {
        const current = await this.fetchNow(path);
        if (current && current.text === text) return "unchanged";
        const res = await this.request("PUT", path, {
          message,
          content: Buffer.from(text, "utf8").toString("base64"),
          branch: this.o.branch,
          ...(current ? { sha: current.sha } : {}),
        });
        if (res.status === 201) return "created";
        if (res.status === 200) return "updated";
        if (res.status === 409 || res.status === 422) continue;
        throw new GithubError(`GitHub answered ${res.status} writing ${path}: ${this.redact((await res.text()).slice(0, 200))}`, res.status);
      }
      throw new GithubError(`${path} kept changing on GitHub while pushing (sha conflicts); try again later`, 409);
    });
  }
}
