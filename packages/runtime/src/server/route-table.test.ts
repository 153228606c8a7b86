import { afterEach, describe, expect, it } from "vitest";
import { Type } from "@sinclair/typebox";
import { RouteTable } from "./route-table.js";
import { defineNode } from "../registry/define.js";
import { startTestFlow, type TestFlow } from "../testing/index.js";
import type { RouteInfo } from "../engine/types.js";

const ok = () => ({ status: 200 });

describe("RouteTable metadata", () => {
  it("lists every route with its method, path and metadata, in registration order", () => {
    const table = new RouteTable();
    table.route("get", "/api/devices/:id/", ok, { summary: "one device", auth: true, query: [{ name: "hours" }], tags: ["solar"] });
    table.route("POST", "/upload/", ok);
    expect(table.routes()).toEqual([
      { method: "GET", path: "/api/devices/:id/", meta: { summary: "one device", auth: true, query: [{ name: "hours" }], tags: ["solar"] } },
      { method: "POST", path: "/upload/", meta: {} },
    ]);
    expect(table.list()).toEqual(table.routes());
  });

  it("drops a removed route from the list and lets the path be registered again", () => {
    const table = new RouteTable();
    const remove = table.route("GET", "/a/", ok, { summary: "first" });
    remove();
    expect(table.routes()).toEqual([]);
    table.route("GET", "/a/", ok, { summary: "second" });
    expect(table.routes().map((r) => r.meta.summary)).toEqual(["second"]);
  });

  it("keeps its own copy of the metadata: neither the registering node nor a reader can change it", () => {
    const table = new RouteTable();
    const tags = ["solar"];
    table.route("GET", "/a/", ok, { tags });
    tags.push("changed");
    const listed = table.routes()[0]!;
    (listed.meta.tags as string[]).push("changed by a reader");
    expect(table.routes()[0]!.meta.tags).toEqual(["solar"]);
  });
});

describe("node.http in a flow", () => {
  let t: TestFlow | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  let seen: RouteInfo[] = [];
  const serving = defineNode({
    type: "test-serving",
    category: "test",
    summary: "registers a route with metadata and reads the table",
    config: Type.Object({ path: Type.String() }),
    inputs: 0,
    outputs: [],
    create(node, c) {
      return {
        start() {
          node.http.route("GET", c.path, ok, { summary: `served by ${node.id}`, auth: true });
          seen = node.http.routes();
        },
      };
    },
  });

  it("passes metadata through to the server's table, lists all routes, and removes them when the node stops", async () => {
    t = await startTestFlow({ nodes: [{ id: "n", type: "test-serving", config: { path: "/n/:id" } }] }, { nodes: [serving] });
    const other = t.routes.route("PUT", "/elsewhere/", ok);
    expect(t.routes.routes()).toEqual([
      { method: "GET", path: "/n/:id", meta: { summary: "served by n", auth: true } },
      { method: "PUT", path: "/elsewhere/", meta: {} },
    ]);
    expect(seen).toEqual([{ method: "GET", path: "/n/:id", meta: { summary: "served by n", auth: true } }]);
    other();
    await t.redeploy({ nodes: [] });
    expect(t.routes.routes()).toEqual([]);
  });
});
