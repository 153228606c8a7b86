import mustache from "mustache";
import { defineNode, getPath, RAW_KEYWORD, parsePath, parseUntrustedJson, setPath, Type, type Message, type NodeContext } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

/** Largest rendered text parsed as JSON or YAML: the limit json applies to untrusted text. */
const MAX_PARSED_BYTES = 1_048_576;

interface Scopes {
  flow: NodeContext;
  global: NodeContext;
  env(name: string): string | undefined;
}

/** `key.rest.of.path` read from a context: the first segment is the context key. */
function fromContext(context: NodeContext, name: string): unknown {
  const [key, ...rest] = parsePath(name);
  const value = context.get(String(key));
  return rest.length === 0 ? value : getPath(value, rest);
}

/**
 * A mustache context that also answers `flow.…`, `global.…` and `env.…`,
 * in sections too (push keeps the scopes), so a template reads the same
 * names as a change node.
 */
class ScopedContext extends mustache.Context {
  constructor(
    view: unknown,
    private readonly scopes: Scopes,
    parent?: mustache.Context,
  ) {
    super(view, parent);
  }

  override push(view: unknown): mustache.Context {
    return new ScopedContext(view, this.scopes, this);
  }

  override lookup(name: string): unknown {
    if (name.startsWith("flow.")) return fromContext(this.scopes.flow, name.slice(5));
    if (name.startsWith("global.")) return fromContext(this.scopes.global, name.slice(7));
    if (name.startsWith("env.")) return this.scopes.env(name.slice(4));
    return super.lookup(name);
  }
}

export default defineNode({
  type: "template",
  category: "function",
  summary: "Renders a mustache template from the message (and flow, global and env values) into a property, as text, JSON or YAML.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    template: Type.String({ default: "", description: "mustache text: {{payload.kw}}, {{{raw}}}, {{#list}}…{{/list}}, {{flow.key}}, {{global.key}}, {{env.NAME}}", [RAW_KEYWORD]: true }),
    syntax: Type.Union([Type.Literal("mustache"), Type.Literal("plain")], { default: "mustache", description: "plain: the text is sent as it is" }),
    output: Type.Union([Type.Literal("text"), Type.Literal("json"), Type.Literal("yaml")], { default: "text", description: "json or yaml: the rendered text is parsed into a value" }),
    property: Type.String({ default: "payload", minLength: 1, description: "where the result goes" }),
    target: Type.Union([Type.Literal("msg"), Type.Literal("flow"), Type.Literal("global")], {
      default: "msg",
      description: "msg: set on the message; flow or global: stored in that context under property (the message passes unchanged)",
    }),
  }),
  // A template mustache cannot read (an unclosed section) is refused at deploy, not on every message.
  checkConfig(c) {
    if (c.syntax !== "mustache") return [];
    try {
      mustache.parse(c.template);
      return [];
    } catch (err) {
      return [{ pointer: "/template", message: `not valid mustache: ${err instanceof Error ? err.message : String(err)}` }];
    }
  },
  inputs: 1,
  outputs: ["rendered"],
  async create(node, c) {
    // The parser library loads when a flow first uses this node, not with the node catalog.
    const { parse: parseYaml } = await import("yaml");
    const path = parsePath(c.property);
    const scopes: Scopes = { flow: node.flowContext, global: node.globalContext, env: (name) => node.env(name) };

    function valueOf(text: string): unknown {
      if (c.output === "text") return text;
      const bytes = Buffer.byteLength(text, "utf8");
      if (bytes > MAX_PARSED_BYTES) throw new Error(`rendered text is ${bytes} bytes, over the ${MAX_PARSED_BYTES}-byte limit for ${c.output} output`);
      if (c.output === "json") {
        const parsed = parseUntrustedJson(text);
        if (!parsed.ok) throw new Error(`rendered text ${parsed.reason} (config "output" is json)`);
        return parsed.value;
      }
      try {
        return parseYaml(text, { maxAliasCount: 100 });
      } catch (err) {
        throw new Error(`rendered text is not valid YAML (config "output" is yaml): ${err instanceof Error ? err.message : String(err)}`);
      }
    }

    return {
      input(msg: Message, send, done) {
        let value: unknown;
        try {
          const text = c.syntax === "plain" ? c.template : mustache.render(c.template, new ScopedContext(msg, scopes));
          value = valueOf(text);
        } catch (err) {
          return done(err instanceof Error ? err : new Error(String(err)));
        }
        if (c.target === "msg") return send(setPath(msg, path, value)), done();
        (c.target === "flow" ? node.flowContext : node.globalContext).set(c.property, value);
        send(msg);
        done();
      },
    };
  },
});
