import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, type TestFlowInput } from "@wattflow/runtime/testing";
import apiDocs from "./index.js";
import { openApiPath } from "./openapi.js";
import apiAuth from "../api-auth/connection.js";
import apiAuthRoutes from "../api-auth/routes.js";
import httpIn from "../http/http-in.js";
import httpResponse from "../http/http-response.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const defs = { nodes: [apiDocs, apiAuthRoutes, httpIn, httpResponse], connections: [apiAuth], env: { JWT_SIGNING_KEY: "x".repeat(40) } };

const readings = {
  id: "readings",
  type: "http-in",
  config: {
    method: "GET",
    path: "/api/devices/:device_id/readings/",
    auth: "auth",
    summary: "Readings of one device",
    query: [{ name: "hours", description: "how far back", required: true }, { name: "tag" }],
  },
  wires: [["answer"]],
};

const flow = (extra: TestFlowInput["nodes"] = [readings]): TestFlowInput => ({
  id: "solar",
  connections: [{ id: "auth", type: "api-auth", config: { users: [{ username: "ops", passwordHash: hashPassword("pw") }], signingKey: "${JWT_SIGNING_KEY}" } }],
  nodes: [
    { id: "docs", type: "api-docs", config: { title: "Solar API", version: "2.1.0" } },
    { id: "tokens", type: "api-auth-routes", config: { auth: "auth" } },
    { id: "upload", type: "http-in", config: { method: "POST", path: "/api/solar/data/", summary: "Store a reading" }, wires: [["answer"]] },
    ...extra,
    { id: "answer", type: "http-response" },
  ],
});

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string }>;
  security?: Record<string, string[]>[];
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

const schema = async (path = "/api/schema/"): Promise<Doc> => {
  const r = await t!.request("GET", path);
  expect(r.status).toBe(200);
  return r.body as Doc;
};

describe("api-docs OpenAPI document", () => {
  it("lists the flow's routes with methods, path and query parameters and bearer security on protected ones", async () => {
    t = await startTestFlow(flow(), defs);
    const doc = await schema();
    expect(doc.openapi).toBe("3.0.3");
    expect(doc.info).toEqual({ title: "Solar API", version: "2.1.0" });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(doc.paths).sort()).toEqual(
      ["/api/devices/{device_id}/readings/", "/api/solar/data/", "/api/users/token/", "/api/users/token/logout/", "/api/users/token/refresh/"].sort(),
    );

    const get = doc.paths["/api/devices/{device_id}/readings/"]!;
    expect(Object.keys(get)).toEqual(["get"]);
    expect(get.get!.summary).toBe("Readings of one device");
    expect(get.get!.tags).toEqual(["solar"]);
    expect(get.get!.security).toEqual([{ bearerAuth: [] }]);
    expect(get.get!.responses["401"]).toBeDefined();
    expect(get.get!.parameters).toEqual([
      { name: "device_id", in: "path", required: true, schema: { type: "string" } },
      { name: "hours", in: "query", required: true, description: "how far back", schema: { type: "string" } },
      { name: "tag", in: "query", required: false, schema: { type: "string" } },
    ]);

    const post = doc.paths["/api/solar/data/"]!.post!;
    expect(post.summary).toBe("Store a reading");
    expect(post.security).toBeUndefined();
    expect(post.requestBody?.content["application/json"]).toBeDefined();

    const login = doc.paths["/api/users/token/"]!.post!;
    expect(login.security).toBeUndefined();
    expect(login.tags).toEqual(["auth"]);
    expect(login.requestBody).toMatchObject({ required: true, content: { "application/json": { schema: { required: ["username", "password"] } } } });
  });

  it("follows the routes of the whole server as they come and go", async () => {
    t = await startTestFlow(flow(), defs);
    // Another flow's route on the same server, registered after the docs node started.
    const remove = t.routes.route("DELETE", "/api/sites/:site/", () => ({ status: 204 }), { summary: "from another flow", auth: true, tags: ["sites"] });
    let doc = await schema();
    expect(doc.paths["/api/sites/{site}/"]!.delete).toMatchObject({ summary: "from another flow", tags: ["sites"], security: [{ bearerAuth: [] }] });
    remove();
    await t.redeploy(flow([]));
    doc = await schema();
    expect(doc.paths["/api/sites/{site}/"]).toBeUndefined();
    expect(doc.paths["/api/devices/{device_id}/readings/"]).toBeUndefined();
    expect(doc.paths["/api/solar/data/"]).toBeDefined();
  });

  it("serves a self-contained docs page with the operations, loading nothing from elsewhere", async () => {
    const hostile = { ...readings, id: "hostile", config: { ...readings.config, path: "/x/", summary: "</script><script>alert(1)</script>" } };
    t = await startTestFlow(flow([readings, hostile]), defs);
    const r = await t.request("GET", "/api/docs/");
    expect(r.status).toBe(200);
    expect(r.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(r.headers?.["content-security-policy"]).toContain("default-src 'none'");
    const html = r.body as string;
    expect(html).toContain("<title>Solar API</title>");
    expect(html).toContain("/api/devices/{device_id}/readings/");
    expect(html).toContain('href="/api/schema/"');
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=|https?:\/\//);
    // A summary cannot close the embedded document's script element.
    expect(html).not.toContain("<script>alert(1)");
    const embedded = /<script type="application\/json" id="schema">([\s\S]*?)<\/script>/.exec(html);
    expect((JSON.parse(embedded![1]!) as Doc).paths["/x/"]!.get!.summary).toBe("</script><script>alert(1)</script>");
  });

  it("refuses the same path for the document and the page", async () => {
    t = await startTestFlow({ nodes: [{ id: "docs", type: "api-docs", config: { schemaPath: "/d/", docsPath: "/d/" } }] }, defs);
    expect(t.events.some((e) => e.type === "error" && e.nodeId === "docs" && /schemaPath and docsPath are both \/d\//.test(e.message))).toBe(true);
  });
});

describe("openApiPath", () => {
  it("turns :name and *name into {name} and drops optional-group braces", () => {
    expect(openApiPath("/api/devices/:id/status")).toBe("/api/devices/{id}/status");
    expect(openApiPath("/a/:device_id2/b/:x")).toBe("/a/{device_id2}/b/{x}");
    expect(openApiPath("/files/*rest")).toBe("/files/{rest}");
    expect(openApiPath("/files{/:name}")).toBe("/files/{name}");
    expect(openApiPath("/solar/data/")).toBe("/solar/data/");
  });
});
