import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../util/atomic-write.js";
import { jsonErrorOffset } from "./json-position.js";
import { compileFlow, type CompileOptions, type CompileResult } from "./compile.js";
import type { FlowIssue } from "./types.js";

export type ParseResult = { ok: true; value: unknown } | { ok: false; errors: FlowIssue[] };

/** Parses flow JSON; a syntax error names its line and column. */
export function parseFlowText(text: string, file?: string): ParseResult {
  // Some Windows editors start UTF-8 files with a byte order mark, which JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = jsonErrorOffset(text);
    let where = "";
    if (offset >= 0) {
      const before = text.slice(0, offset);
      const line = before.split("\n").length;
      const column = offset - before.lastIndexOf("\n");
      where = ` at line ${line}, column ${column}`;
    }
    return { ok: false, errors: [{ ...(file ? { file } : {}), pointer: "", message: `not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, "").replace(/, "\.\.\.[\s\S]*$/, "")}` }] };
  }
}

export async function loadFlowFile(path: string, options: Omit<CompileOptions, "file">): Promise<CompileResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return { ok: false, errors: [{ file: path, pointer: "", message: `cannot read: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  const parsed = parseFlowText(text, path);
  if (!parsed.ok) return parsed;
  return compileFlow(parsed.value, { ...options, file: path });
}

/**
 * Pretty JSON (2 spaces, trailing newline, so files diff well in git), written
 * to a temporary file in the same folder, fsynced, then renamed over the old
 * one: a crash or a reader never sees half a flow file.
 */
export async function writeFlowFileAtomic(path: string, doc: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
}
