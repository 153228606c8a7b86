import { realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import { defineNode, Type, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { fileRoot, nodeLabel, resolveUnderRoot } from "../shared/file-root.js";

type WatchEvent = "add" | "change" | "unlink" | "addDir" | "unlinkDir";

export default defineNode({
  type: "watch",
  category: "storage",
  summary: "Sends a message when a file or folder under the file root is added, changed or removed (debounced per path).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    root: Type.Optional(Type.String({ description: "folder the node may watch in; default: the runtime's WATTFLOW_FILE_ROOT, else the data folder" })),
    paths: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ["."], description: "files or folders to watch, relative to the root" }),
    recursive: Type.Boolean({ default: true, description: "watch sub-folders of a watched folder" }),
    debounceMs: Type.Integer({ minimum: 0, default: 200, description: "events on one path within this time become one message (the last event)" }),
  }),
  inputs: 0,
  outputs: ["event"],
  create(node, c) {
    const root = fileRoot(node, c.root);
    const who = nodeLabel(node);
    let watcher: FSWatcher | undefined;
    let realRoot = root;
    const pending = new Map<string, { event: WatchEvent; timer: TimerHandle | undefined }>();

    const emit = (path: string, event: WatchEvent): void => {
      pending.delete(path);
      const rel = relative(realRoot, path).split(sep).join("/");
      void node.send(node.newMessage({ topic: rel, payload: rel, filename: rel, event, type: event.endsWith("Dir") ? "directory" : "file" }));
    };
    const heard = (event: WatchEvent, path: string): void => {
      const entry = pending.get(path);
      entry?.timer?.cancel();
      if (c.debounceMs === 0) return emit(path, event);
      pending.set(path, { event, timer: node.timers.setTimeout(() => emit(path, pending.get(path)?.event ?? event), c.debounceMs) });
    };

    return {
      async start() {
        const targets: string[] = [];
        realRoot = await realpath(root).catch(() => root);
        for (const p of c.paths) targets.push(await resolveUnderRoot(root, p, who));
        // Symlinks are not followed: one could lead out of the root.
        // The watcher library loads when a flow first starts a watch node, not with the node catalog.
        const { watch } = await import("chokidar");
        watcher = watch(targets, { ignoreInitial: true, followSymlinks: false, ...(c.recursive ? {} : { depth: 0 }) });
        for (const event of ["add", "change", "unlink", "addDir", "unlinkDir"] as const) watcher.on(event, (path: string) => heard(event, path));
        watcher.on("error", (err: unknown) => node.error(new Error(`${who}: watching failed: ${err instanceof Error ? err.message : String(err)}`)));
        await new Promise<void>((resolve) => watcher!.once("ready", () => resolve()));
        node.status({ fill: "green", shape: "dot", text: `watching ${c.paths.join(", ")}` });
      },
      async close() {
        for (const p of pending.values()) p.timer?.cancel();
        pending.clear();
        await watcher?.close();
      },
    };
  },
});
