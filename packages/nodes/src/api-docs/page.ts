import type { OpenApiDocument } from "./openapi.js";

/**
 * The docs page: one self-contained HTML file (no CDN: runtimes often have
 * no internet), with the document embedded so it needs no second request
 * and shows the same routes as the schema at that moment.
 */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** JSON that cannot end the script element it sits in (`</script>`, `<!--`). */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#1d2733;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header a{color:#9cd0ff}
main{max-width:960px;margin:0 auto;padding:16px 24px}
h2{font-size:16px;margin:24px 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#55606e}
details{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:6px 0}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{display:inline-block;min-width:64px;text-align:center;font-weight:600;border-radius:4px;padding:2px 6px;color:#fff;font-size:13px}
.get{background:#2f80ed}.post{background:#27ae60}.put{background:#e2a500}.patch{background:#9b51e0}.delete{background:#eb5757}
.path{font-family:ui-monospace,monospace}.lock{margin-left:auto;font-size:13px;color:#8a5a00}
.body{padding:4px 16px 12px;border-top:1px solid #eef1f4}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef1f4}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:13px}
`;

const SCRIPT = `
(function () {
  var doc = JSON.parse(document.getElementById("schema").textContent);
  var root = document.getElementById("ops");
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  var groups = {};
  var order = [];
  Object.keys(doc.paths || {}).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      var tag = (op.tags && op.tags[0]) || "routes";
      if (!groups[tag]) { groups[tag] = []; order.push(tag); }
      groups[tag].push({ path: path, method: method, op: op });
    });
  });
  if (order.length === 0) root.appendChild(el("p", {}, ["No flow routes are served right now."]));
  order.forEach(function (tag) {
    root.appendChild(el("h2", {}, [tag]));
    groups[tag].forEach(function (x) {
      var head = el("summary", {}, [el("span", { "class": "m " + x.method }, [x.method.toUpperCase()]), el("span", { "class": "path" }, [x.path]), el("span", {}, [x.op.summary || ""])]);
      if (x.op.security && x.op.security.length) head.appendChild(el("span", { "class": "lock", title: "needs Authorization: Bearer <access token>" }, ["bearer token"]));
      var body = el("div", { "class": "body" }, []);
      if (x.op.description) body.appendChild(el("p", {}, [x.op.description]));
      var params = x.op.parameters || [];
      if (params.length) {
        var rows = params.map(function (p) { return el("tr", {}, [el("td", { "class": "path" }, [p.name]), el("td", {}, [p.in]), el("td", {}, [p.required ? "required" : "optional"]), el("td", {}, [p.description || ""])]); });
        body.appendChild(el("table", {}, [el("tr", {}, [el("th", {}, ["parameter"]), el("th", {}, ["in"]), el("th", {}, [""]), el("th", {}, ["description"])])].concat(rows)));
      }
      var rb = x.op.requestBody && x.op.requestBody.content && x.op.requestBody.content["application/json"];
      if (rb && rb.schema && Object.keys(rb.schema).length) body.appendChild(el("div", {}, [el("strong", {}, ["Request body"]), el("pre", {}, [JSON.stringify(rb.schema, null, 2)])]));
      var codes = Object.keys(x.op.responses || {});
      if (codes.length) body.appendChild(el("table", {}, codes.map(function (code) { return el("tr", {}, [el("td", { "class": "path" }, [code]), el("td", {}, [x.op.responses[code].description || ""])]); })));
      root.appendChild(el("details", {}, [head, body]));
    });
  });
})();
`;

export function docsPage(document: OpenApiDocument, schemaPath: string): string {
  const { title, version, description } = document.info;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)} <small>${escapeHtml(version)}</small></h1>${description ? `<p>${escapeHtml(description)}</p>` : ""}<a href="${escapeHtml(schemaPath)}">OpenAPI document (JSON)</a></header>
<main id="ops"><noscript>This page lists the operations with JavaScript; the raw document is at ${escapeHtml(schemaPath)}.</noscript></main>
<script type="application/json" id="schema">${scriptJson(document)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
