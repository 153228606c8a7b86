import { Connection, defineNode, Type, type HttpHandler, type RouteMeta } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import type { ApiAuth } from "./connection.js";
import { BAD_CREDENTIALS, bodyFields, REFRESH_NOT_VALID, REFRESH_REVOKED, requireFields, unauthorized } from "./http.js";

const path = (fallback: string) => Type.String({ pattern: "^/", default: fallback, description: "POST route; a trailing slash is significant" });

const refreshBody = { type: "object", required: ["refresh"], properties: { refresh: { type: "string" } } };
const TAGS = ["auth"];

/**
 * Connections cannot serve routes (their handle has no `http`), so the
 * token endpoints are a node of their own, next to the connection it names.
 */
export default defineNode({
  type: "api-auth-routes",
  category: "network",
  summary: "Serves login, token refresh and logout for an api-auth connection (SimpleJWT's /token/ endpoints).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    auth: Connection("api-auth", { description: "the api-auth connection whose users and keys are used" }),
    loginPath: path("/api/users/token/"),
    refreshPath: path("/api/users/token/refresh/"),
    logoutPath: path("/api/users/token/logout/"),
  }),
  inputs: 0,
  outputs: [],
  create(node, c) {
    const auth = node.connection<ApiAuth>(c.auth);
    const tags = TAGS;

    const login: HttpHandler = async (req) => {
      const fields = requireFields(bodyFields(req), ["username", "password"]);
      if ("reply" in fields) return fields.reply;
      const [username, password] = fields.values as [string, string];
      const pair = await auth.login(username, password);
      if (!pair) {
        node.log.info({ username }, "login refused");
        return unauthorized(BAD_CREDENTIALS);
      }
      return { status: 200, body: pair };
    };

    const refresh: HttpHandler = async (req) => {
      const fields = requireFields(bodyFields(req), ["refresh"]);
      if ("reply" in fields) return fields.reply;
      const result = await auth.refresh(fields.values[0]!);
      if (!result.ok) return unauthorized(result.reason === "revoked" ? REFRESH_REVOKED : REFRESH_NOT_VALID, "token_not_valid");
      return { status: 200, body: { access: result.access } };
    };

    const logout: HttpHandler = async (req) => {
      const fields = requireFields(bodyFields(req), ["refresh"]);
      if ("reply" in fields) return fields.reply;
      const result = await auth.logout(fields.values[0]!);
      if (!result.ok) return unauthorized(result.reason === "revoked" ? REFRESH_REVOKED : REFRESH_NOT_VALID, "token_not_valid");
      // SimpleJWT's TokenBlacklistView answers 200 with an empty object; clients that parse JSON keep working.
      return { status: 200, body: {} };
    };

    const meta = (summary: string, body: Record<string, unknown>, responses: Record<string, string>): RouteMeta => ({ summary, tags, body, responses });
    return {
      start() {
        node.http.route("POST", c.loginPath, login, meta(
          "Log in: an access and a refresh token",
          { type: "object", required: ["username", "password"], properties: { username: { type: "string" }, password: { type: "string", format: "password" } } },
          { "200": "{ access, refresh }", "400": "a field is missing", "401": BAD_CREDENTIALS },
        ));
        node.http.route("POST", c.refreshPath, refresh, meta("A new access token for a refresh token", refreshBody, { "200": "{ access }", "400": "refresh is missing", "401": REFRESH_NOT_VALID }));
        node.http.route("POST", c.logoutPath, logout, meta("Log out: the refresh token stops working", refreshBody, { "200": "{}", "400": "refresh is missing", "401": REFRESH_NOT_VALID }));
        node.status({ fill: "green", shape: "dot", text: `${c.loginPath} (${auth.id})` });
      },
    };
  },
});
