import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { defineNode, Type, Connection } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { writeFileAtomic } from "@wattflow/runtime";
import type { GithubRepo } from "./connection.js";

export default defineNode({
  type: "github-sync",
  category: "storage",
  summary: "Pushes a local file to a GitHub repository (or fetches it back); restores missing local files from the repository at start.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    repo: Connection("github"),
    file: Type.String({ minLength: 1, description: "local file; relative paths are under DATA_DIR or the working folder" }),
    path: Type.String({ minLength: 1, description: "path in the repository, e.g. data/monthly.json" }),
    operation: Type.Union([Type.Literal("push"), Type.Literal("fetch")], { default: "push", description: "what a message on the input does" }),
    restoreOnStart: Type.Boolean({ default: true, description: "at start, fetch the file when it is missing locally" }),
    message: Type.String({ default: "Update {path}", description: "commit message; {path} and {date} are filled in" }),
  }),
  inputs: 1,
  outputs: ["synced"],
  async create(node, c) {
    const gh = node.connection<GithubRepo>(c.repo);
    const local = c.file.startsWith("/") ? c.file : join(node.env("DATA_DIR") ?? process.cwd(), c.file);
    const label = `${gh.repo}:${c.path}`;

    const fetchToLocal = async (): Promise<string> => {
      const remote = await gh.client!.fetch(c.path);
      if (!remote) return "absent";
      await writeFileAtomic(local, remote.text);
      return "fetched";
    };

    // Restoring happens while nodes are created, before any json-file node reads its file at start.
    const restore = async (): Promise<void> => {
      if (!gh.client) {
        node.status({ fill: "grey", shape: "ring", text: "GitHub sync off (no repository configured)" });
        return;
      }
      if (!c.restoreOnStart) return;
      const exists = await readFile(local).then(
        () => true,
        () => false,
      );
      if (exists) return;
      try {
        await mkdir(dirname(local), { recursive: true });
        const result = await fetchToLocal();
        node.status({ fill: "green", shape: "dot", text: result === "fetched" ? `restored ${c.path} from ${gh.repo}` : `${c.path} not in ${gh.repo} yet` });
        if (result === "fetched") node.log.info({ file: local, from: label }, "restored a missing file from GitHub");
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: `restore failed: ${(err as Error).message}` });
        node.error(err);
      }
    };
    await restore();

    return {
      async input(msg, send, done) {
        if (!gh.client) {
          node.status({ fill: "grey", shape: "ring", text: "GitHub sync off (no repository configured)" });
          send({ ...msg, github: { result: "off" } });
          done();
          return;
        }
        const operation = msg.operation === "fetch" || msg.operation === "push" ? msg.operation : c.operation;
        try {
          let result: string;
          if (operation === "fetch") result = await fetchToLocal();
          else {
            const text = await readFile(local, "utf8");
            result = await gh.client.push(c.path, text, c.message.replace("{path}", c.path).replace("{date}", new Date().toISOString().slice(0, 10)));
          }
          node.status({ fill: "green", shape: "dot", text: `${operation} ${c.path}: ${result} at ${new Date().toISOString().slice(11, 16)}` });
          send({ ...msg, github: { operation, path: c.path, result } });
          done();
        } catch (err) {
          node.status({ fill: "red", shape: "ring", text: `${operation} failed: ${(err as Error).message}` });
          done(err);
        }
      },
    };
  },
});
