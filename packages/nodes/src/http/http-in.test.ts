import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import httpIn from "./http-in.js";
import httpResponse from "./http-response.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const defs = { nodes: [httpIn, httpResponse] };

describe("http-in", () => {
  it("without auth, sends the request as before: no user, headers untouched", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "in", type: "http-in", config: { method: "POST", path: "/api/devices/:id/" }, wires: [["seen", "answer"]] },
          { id: "seen", type: "test-collect" },
          { id: "answer", type: "http-response", config: { status: 201 } },
        ],
      },
      defs,
    );
    const r = await t.request("POST", "/api/devices/pv1/", { body: { w: 5 }, query: { hours: "24" }, headers: { authorization: "Bearer whatever" } });
    expect(r).toMatchObject({ status: 201, body: { w: 5 } });
    const [msg] = await t.waitFor("seen", 1);
    expect(msg!.req).toEqual({ method: "POST", path: "/api/devices/pv1/", params: { id: "pv1" }, query: { hours: "24" }, headers: { authorization: "Bearer whatever" } });
  });

  it("registers its summary, query parameters and tags for the API docs (default tag: the flow id)", async () => {
    t = await startTestFlow(
      {
        id: "solar",
        nodes: [
          { id: "a", type: "http-in", config: { path: "/a/", summary: "A", query: [{ name: "hours", required: true }], tags: ["energy"] } },
          { id: "b", type: "http-in", config: { method: "DELETE", path: "/b/:id", cors: ["https://dash.example", "http://localhost:5173"] } },
        ],
      },
      defs,
    );
    expect(t.routes.routes()).toEqual([
      { method: "GET", path: "/a/", meta: { summary: "A", auth: false, query: [{ name: "hours", required: true }], tags: ["energy"] } },
      { method: "DELETE", path: "/b/:id", meta: { auth: false, tags: ["solar"], cors: ["https://dash.example", "http://localhost:5173"] } },
    ]);
  });

  it("refuses a cors entry that is not an origin, naming the node and field", async () => {
    await expect(startTestFlow({ id: "dash", nodes: [{ id: "in", type: "http-in", config: { path: "/x/", cors: ["https://dash.example/app"] } }] }, defs)).rejects.toThrow(
      /dash\/in .*\/config\/cors\/0/,
    );
  });
});
