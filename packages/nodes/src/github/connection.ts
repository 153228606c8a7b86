import { defineConnection, Secret, Type, type ConnectionInstance } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { GithubClient } from "./client.js";

export interface GithubRepo {
  /** Null when no repository is configured: sync nodes pass through and say so. */
  client: GithubClient | null;
  repo: string;
}

export default defineConnection({
  type: "github",
  summary: "A GitHub repository and branch, reached through the REST Contents API with a token from the environment.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    repo: Type.String({ default: "", description: "owner/name; empty: GitHub sync is off" }),
    branch: Type.String({ default: "main" }),
    token: Secret({ default: "", description: "a token with contents write access: use ${GITHUB_TOKEN}" }),
    apiUrl: Type.String({ default: "https://api.github.com", description: "GitHub Enterprise: https://HOST/api/v3" }),
    maxRateLimitWait: Type.Integer({ minimum: 0, default: 900, description: "seconds to wait for a rate-limit reset before failing the attempt" }),
    maxBytes: Type.Integer({ minimum: 1, default: 100 * 1024 * 1024, description: "files larger than this are refused" }),
  }),
  create(handle, c): ConnectionInstance<GithubRepo> {
    if (!c.repo) {
      handle.log.info("no GitHub repository configured (GITHUB_REPO): sync is off");
      return { value: { client: null, repo: "" } };
    }
    if (!/^[\w.-]+\/[\w.-]+$/.test(c.repo)) throw new Error(`repo must be owner/name, got "${c.repo}"`);
    if (!c.token) throw new Error("no token: set GITHUB_TOKEN to a token with contents write access");
    return {
      value: {
        repo: c.repo,
        client: new GithubClient({ apiUrl: c.apiUrl, repo: c.repo, branch: c.branch, token: c.token, maxRateLimitWaitMs: c.maxRateLimitWait * 1000, maxBytes: c.maxBytes }),
      },
    };
  },
});
