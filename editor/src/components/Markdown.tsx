/**
 * Node help (each node type's README) drawn as formatted text: headings,
 * paragraphs, lists, tables, quotes, code blocks, and inline code, bold,
 * emphasis and links. Built as React elements, never as HTML strings, so a
 * plugin's README cannot inject markup into the editor.
 */
import type { ReactNode } from "react";

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\[[^\]]+\]\([^)\s]+\))|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)/g;

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    const key = out.length;
    if (m[1]) out.push(<code key={key}>{t.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={key}>{inline(t.slice(2, -2))}</strong>);
    else if (m[3]) {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(t)!;
      out.push(/^(https?:|\/|#)/.test(href!) ? <a key={key} href={href} target="_blank" rel="noreferrer">{inline(label!)}</a> : <span key={key}>{inline(label!)}</span>);
    } else out.push(<em key={key}>{inline(t.slice(1, -1))}</em>);
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());

export function Markdown({ text }: { text: string }) {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const blocks: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const key = blocks.length;
    if (/^\s*```/.test(line)) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) body.push(lines[i]!);
      i++;
      blocks.push(<pre key={key}><code>{body.join("\n")}</code></pre>);
    } else if (/^#{1,6}\s/.test(line)) {
      const level = Math.min(6, line.match(/^#+/)![0].length + 2);
      const Tag = `h${level}` as "h3";
      blocks.push(<Tag key={key}>{inline(line.replace(/^#+\s*/, ""))}</Tag>);
      i++;
    } else if (/^\s*([-*+]|\d+\.)\s/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== "" && !/^\s*```/.test(lines[i]!); i++) {
        if (/^\s*([-*+]|\d+\.)\s/.test(lines[i]!)) items.push(lines[i]!.replace(/^\s*([-*+]|\d+\.)\s+/, ""));
        else items[items.length - 1] += ` ${lines[i]!.trim()}`;
      }
      const List = ordered ? "ol" : "ul";
      blocks.push(<List key={key}>{items.map((it, j) => <li key={j}>{inline(it)}</li>)}</List>);
    } else if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1]!)) {
      const head = cells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && /^\s*\|/.test(lines[i]!); i++) rows.push(cells(lines[i]!));
      blocks.push(
        <div key={key} className="table-wrap">
          <table>
            <thead><tr>{head.map((h, j) => <th key={j}>{inline(h)}</th>)}</tr></thead>
            <tbody>{rows.map((r, j) => <tr key={j}>{r.map((c, k) => <td key={k}>{inline(c)}</td>)}</tr>)}</tbody>
          </table>
        </div>,
      );
    } else if (/^\s*>/.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && /^\s*>/.test(lines[i]!); i++) body.push(lines[i]!.replace(/^\s*>\s?/, ""));
      blocks.push(<blockquote key={key}>{inline(body.join(" "))}</blockquote>);
    } else if (line.trim() === "") i++;
    else {
      const body: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== "" && !/^(#{1,6}\s|\s*```|\s*([-*+]|\d+\.)\s|\s*>|\s*\|)/.test(lines[i]!); i++) body.push(lines[i]!.trim());
      blocks.push(<p key={key}>{inline(body.join(" "))}</p>);
    }
  }
  return <div className="markdown">{blocks}</div>;
}
