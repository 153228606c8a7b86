import { afterEach, describe, expect, it } from "vitest";
import { SignJWT, decodeJwt } from "jose";
import { hashPassword, openStore, type HttpReply, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import apiAuth from "./connection.js";
import apiAuthRoutes from "./routes.js";
import httpIn from "../http/http-in.js";
import httpResponse from "../http/http-response.js";
import functionNode from "../function/index.js";

const KEY = "k".repeat(24) + "-0123456789abcdef"; // 41 bytes
const OPS_HASH = hashPassword("correct horse");

let t: TestFlow | undefined;
let store: Store | undefined;
afterEach(async () => {
  await t?.stop();
  store?.close();
  t = store = undefined;
});

const defs = { nodes: [apiAuthRoutes, httpIn, httpResponse, functionNode], connections: [apiAuth] };

function flow(connection: Record<string, unknown> = {}) {
  return {
    connections: [
      {
        id: "auth",
        type: "api-auth",
        config: {
          users: [
            { username: "ops", passwordHash: OPS_HASH },
            { username: "viewer", password: "${API_PASSWORD}" },
          ],
          signingKey: "${JWT_SIGNING_KEY}",
          ...connection,
        },
      },
    ],
    nodes: [
      { id: "tokens", type: "api-auth-routes", config: { auth: "auth" } },
      { id: "device", type: "http-in", config: { method: "GET", path: "/api/devices/:id/", auth: "auth" }, wires: [["echo"]] },
      { id: "open", type: "http-in", config: { method: "GET", path: "/api/health/" }, wires: [["echo"]] },
      {
        id: "echo",
        type: "function",
        config: { code: "return { ...msg, payload: { user: msg.req.user ?? null, id: msg.req.params.id ?? null, authorization: msg.req.headers.authorization ?? null } };" },
        wires: [["answer"]],
      },
      { id: "answer", type: "http-response" },
    ],
  };
}

const env = { JWT_SIGNING_KEY: KEY, API_PASSWORD: "from the environment" };
const start = async (connection: Record<string, unknown> = {}, options: { store?: Store } = {}) =>
  (t = await startTestFlow(flow(connection), { ...defs, env, ...options }));

const login = (username: string, password: string) => t!.request("POST", "/api/users/token/", { body: { username, password } });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const body = (r: HttpReply) => r.body as Record<string, unknown>;
/** The full error a node reported (its status text is shortened). */
const errorOf = (nodeId: string) => t!.events.flatMap((e) => (e.type === "error" && e.nodeId === nodeId ? [e.message] : [])).join("\n");

async function tokens(): Promise<{ access: string; refresh: string }> {
  const r = await login("ops", "correct horse");
  expect(r.status).toBe(200);
  return r.body as { access: string; refresh: string };
}

/** A token signed with the connection's key, as an attacker holding it could make: to test expiry without waiting. */
async function forge(claims: { exp: number; token_type?: string; key?: string; issuer?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_type: claims.token_type ?? "access", user_id: "ops" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject("ops")
    .setIssuer(claims.issuer ?? "wattflow")
    .setJti("forged")
    .setIssuedAt(now - 600)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(claims.key ?? KEY));
}

describe("api-auth login", () => {
  it("answers SimpleJWT's token pair for good credentials, with the user and type in the claims", async () => {
    await start();
    const { access, refresh } = await tokens();
    expect(decodeJwt(access)).toMatchObject({ token_type: "access", user_id: "ops", sub: "ops", iss: "wattflow" });
    expect(decodeJwt(refresh)).toMatchObject({ token_type: "refresh", user_id: "ops" });
    const a = decodeJwt(access);
    expect(a.exp! - a.iat!).toBe(300); // accessTtl default 5m
    const r = decodeJwt(refresh);
    expect(r.exp! - r.iat!).toBe(86_400); // refreshTtl default 1d
  });

  it("refuses a wrong password and an unknown user with the same answer", async () => {
    await start();
    const wrong = await login("ops", "battery staple");
    const unknown = await login("nobody", "correct horse");
    expect(wrong).toMatchObject({ status: 401, body: { detail: "No active account found with the given credentials" } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it("logs in a user whose password comes from the environment, hashed at start", async () => {
    await start();
    expect((await login("viewer", "from the environment")).status).toBe(200);
    expect((await login("viewer", "${API_PASSWORD}")).status).toBe(401);
  });

  it("answers missing fields with DRF's 400 and accepts form posts", async () => {
    await start();
    const r = await t!.request("POST", "/api/users/token/", { body: { username: "ops" } });
    expect(r).toMatchObject({ status: 400, body: { password: ["This field is required."] } });
    const form = await t!.request("POST", "/api/users/token/", {
      body: "username=ops&password=correct+horse",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(200);
  });
});

describe("http-in with auth", () => {
  it("serves a valid access token and puts the claims in msg.req.user, without the token in the headers", async () => {
    await start();
    const { access } = await tokens();
    const r = await t!.request("GET", "/api/devices/pv1/", bearer(access));
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({ id: "pv1", user: { sub: "ops", token_type: "access" }, authorization: null });
    // Header names in any case, as clients and proxies send them.
    expect((await t!.request("GET", "/api/devices/pv1/", { headers: { authorization: `bearer ${access}` } })).status).toBe(200);
  });

  it("answers 401 without a token, or with another scheme", async () => {
    await start();
    for (const headers of [{}, { Authorization: "Basic b3BzOmNvcnJlY3QgaG9yc2U=" }] as Record<string, string>[]) {
      const r = await t!.request("GET", "/api/devices/pv1/", { headers });
      expect(r).toMatchObject({ status: 401, body: { detail: "Authentication credentials were not provided." } });
      expect(r.headers?.["www-authenticate"]).toBe('Bearer realm="api"');
    }
  });

  it("answers 401 for garbage, expired, refresh, foreign-key and foreign-issuer tokens", async () => {
    await start();
    const { refresh } = await tokens();
    const now = Math.floor(Date.now() / 1000);
    // The forgery itself is accepted when valid: the refusals below are for expiry, type, key and issuer alone.
    expect((await t!.request("GET", "/api/devices/pv1/", bearer(await forge({ exp: now + 300 })))).status).toBe(200);
    const refused = [
      "garbage",
      "a.b.c",
      await forge({ exp: now - 60 }),
      refresh,
      await forge({ exp: now + 300, key: "another key that is long enough to be used" }),
      await forge({ exp: now + 300, issuer: "someone-else" }),
    ];
    for (const token of refused) {
      const r = await t!.request("GET", "/api/devices/pv1/", bearer(token));
      expect(r.status, token).toBe(401);
      expect(body(r)).toMatchObject({ detail: "Given token not valid for any token type", code: "token_not_valid" });
    }
  });

  it("serves a route without auth exactly as before", async () => {
    await start();
    const r = await t!.request("GET", "/api/health/", { headers: { authorization: "Bearer garbage" } });
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({ user: null, authorization: "Bearer garbage" });
  });
});

describe("static tokens", () => {
  const STATIC = "static-token-0123456789abcdef";
  const tokenOnly = (tokens: string[]) => ({
    connections: [{ id: "auth", type: "api-auth", config: { tokens } }],
    nodes: flow().nodes.filter((n) => n.id !== "tokens"),
  });

  it("accepts a token from the environment beside login tokens, and refuses others", async () => {
    t = await startTestFlow(flow({ tokens: ["${UNSET_API_TOKEN:-}", "${DEVICE_API_TOKEN}"] }), { ...defs, env: { ...env, DEVICE_API_TOKEN: STATIC } });
    const r = await t.request("GET", "/api/devices/pv1/", bearer(STATIC));
    expect(r.status).toBe(200);
    // Empty entries are skipped, so the environment's token is the first one.
    expect(body(r)).toMatchObject({ user: { token_type: "static", sub: "token-1", user_id: "token-1" }, authorization: null });
    const { access } = await tokens();
    expect((await t.request("GET", "/api/devices/pv1/", bearer(access))).status).toBe(200);
    for (const wrong of [STATIC.slice(0, -1), `${STATIC}x`, "${DEVICE_API_TOKEN}"]) {
      expect(await t.request("GET", "/api/devices/pv1/", bearer(wrong))).toMatchObject({ status: 401, body: { code: "token_not_valid" } });
    }
  });

  it("needs no signing key without users, and answers 401 to everyone when no token is set", async () => {
    t = await startTestFlow(tokenOnly(["${DEVICE_API_TOKEN:-}"]), { ...defs, env: { DEVICE_API_TOKEN: STATIC } });
    expect((await t.request("GET", "/api/devices/pv1/", bearer(STATIC))).status).toBe(200);
    await t.stop();
    t = await startTestFlow(tokenOnly(["${DEVICE_API_TOKEN:-}"]), { ...defs, env: {} });
    expect(t.engine.statuses().find((s) => s.nodeId === "device")?.status.fill).not.toBe("red");
    expect(await t.request("GET", "/api/devices/pv1/")).toMatchObject({ status: 401, body: { detail: "Authentication credentials were not provided." } });
    expect((await t.request("GET", "/api/devices/pv1/", bearer(STATIC))).status).toBe(401);
  });

  it("refuses a short token, naming its entry, and the route is not served open", async () => {
    t = await startTestFlow(tokenOnly(["", "short-token"]), defs);
    expect(errorOf("device")).toMatch(/tokens\[1\] is 11 characters; use at least 16/);
    expect((await t.request("GET", "/api/devices/pv1/")).status).toBe(404);
  });
});

describe("refresh and logout", () => {
  it("refreshes an access token that opens the route; an access token cannot refresh", async () => {
    await start();
    const { access, refresh } = await tokens();
    const r = await t!.request("POST", "/api/users/token/refresh/", { body: { refresh } });
    expect(r.status).toBe(200);
    const next = body(r).access as string;
    expect(Object.keys(body(r))).toEqual(["access"]);
    expect(decodeJwt(next).jti).not.toBe(decodeJwt(access).jti);
    expect((await t!.request("GET", "/api/devices/x/", bearer(next))).status).toBe(200);
    const wrongType = await t!.request("POST", "/api/users/token/refresh/", { body: { refresh: access } });
    expect(wrongType).toMatchObject({ status: 401, body: { detail: "Token is invalid or expired", code: "token_not_valid" } });
  });

  it("logout revokes the refresh token, and the revocation survives a restart through the store", async () => {
    store = openStore({ memory: true });
    await start({}, { store });
    const { refresh } = await tokens();
    const other = await tokens();
    expect(await t!.request("POST", "/api/users/token/logout/", { body: { refresh } })).toMatchObject({ status: 200, body: {} });
    const again = await t!.request("POST", "/api/users/token/refresh/", { body: { refresh } });
    expect(again).toMatchObject({ status: 401, body: { detail: "Token is blacklisted", code: "token_not_valid" } });
    expect((await t!.request("POST", "/api/users/token/logout/", { body: { refresh } })).status).toBe(401);
    // Only that token: the same user's other session still refreshes.
    expect((await t!.request("POST", "/api/users/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(200);

    await t!.stop();
    t = undefined;
    await start({}, { store });
    expect((await t!.request("POST", "/api/users/token/refresh/", { body: { refresh } })).status).toBe(401);
    expect((await t!.request("POST", "/api/users/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(200);
  });
});

describe("api-auth configuration", () => {
  it.each([
    ["", /signingKey is empty/],
    ["short-key-of-31-bytes-000000000", /signingKey is 31 bytes; HS256 needs at least 32/],
  ])("refuses signingKey %j, and the protected route is not served open", async (signingKey, message) => {
    await start({ signingKey });
    const status = t!.engine.statuses().find((s) => s.nodeId === "device")?.status;
    expect(status?.fill).toBe("red");
    expect(errorOf("device")).toMatch(message);
    expect((await t!.request("GET", "/api/devices/pv1/")).status).toBe(404);
    expect((await t!.request("GET", "/api/health/")).status).toBe(200);
  });

  it.each([[{ signingKey: "generate" }], [{ signingKey: "", whenKeyUnset: "generate" }]])("%j makes a working throwaway key", async (settings) => {
    await start(settings);
    const { access } = await tokens();
    expect((await t!.request("GET", "/api/devices/pv1/", bearer(access))).status).toBe(200);
    // Not the configured environment key: tokens signed with it are refused.
    expect((await t!.request("GET", "/api/devices/pv1/", bearer(await forge({ exp: Math.floor(Date.now() / 1000) + 300 })))).status).toBe(401);
  });

  it("leaves out a user whose password is unset when told to, and the others still log in", async () => {
    await start({ users: [{ username: "admin", password: "", skipWithoutPassword: true }, { username: "ops", password: "ops-password-1" }] });
    expect((await login("admin", "")).status).toBe(400);
    expect((await login("admin", "anything")).status).toBe(401);
    expect((await login("ops", "ops-password-1")).status).toBe(200);
  });

  it("names the user whose password entry is wrong", async () => {
    await start({ users: [{ username: "ops", passwordHash: "plaintext" }] });
    expect(errorOf("tokens")).toMatch(/users\[0\] \(ops\): passwordHash is not a scrypt hash/);
    await t!.stop();
    t = undefined;
    await start({ users: [{ username: "ops" }] });
    expect(errorOf("tokens")).toMatch(/users\[0\] \(ops\): needs passwordHash or password/);
  });
});
