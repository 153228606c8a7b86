import { useEffect, useState } from "react";
import type { FlowDocument } from "../state/flow-state.js";

/** The flow's own settings, as one edit of the document. */
export interface FlowSettings {
  label: string;
  description: string;
  env: [string, string][];
}

/** A name `${NAME}` can refer to (the runtime's interpolation pattern). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with an env list, or null; rows with no name are ignored (a row just added). */
export function envProblem(env: readonly [string, string][]): string | null {
  const seen = new Set<string>();
  for (const [name] of env) {
    if (name === "") continue;
    if (!ENV_NAME.test(name)) return `env: "${name}" is not a variable name (letters, digits and _, not starting with a digit)`;
    if (seen.has(name)) return `env: "${name}" is listed twice`;
    seen.add(name);
  }
  return null;
}

/** The document with these settings; the same document when nothing changed, so no undo step is made. */
export function withSettings(doc: FlowDocument, s: FlowSettings): FlowDocument {
  const env = Object.fromEntries(s.env.filter(([name]) => name !== ""));
  const label = s.label.trim() || doc.id;
  const description = s.description.trim();
  const next: FlowDocument = { ...doc, label };
  if (description) next.description = description;
  else delete next.description;
  if (Object.keys(env).length) next.env = env;
  else delete next.env;
  return JSON.stringify(next) === JSON.stringify(doc) ? doc : next;
}

const settingsOf = (doc: FlowDocument): FlowSettings => ({ label: doc.label ?? doc.id, description: doc.description ?? "", env: Object.entries(doc.env ?? {}) });

/**
 * Label, description and env defaults of the shown flow. Typing is kept here and applied to the document when a
 * field is left (or a variable added or removed), so a word typed is one undo step, not one per letter.
 */
export function FlowForm({ doc, onChange }: { doc: FlowDocument; onChange(settings: FlowSettings): void }) {
  const [draft, setDraft] = useState<FlowSettings>(() => settingsOf(doc));
  // Undo, redo and another tab replace the document: show what it now says.
  useEffect(() => setDraft(settingsOf(doc)), [doc.id, doc.label, doc.description, doc.env]);
  const problem = envProblem(draft.env);
  const commit = (next: FlowSettings = draft): void => {
    if (envProblem(next.env) === null) onChange(next);
  };
  const setEnv = (env: [string, string][], now = false): void => {
    const next = { ...draft, env };
    setDraft(next);
    if (now) commit(next);
  };
  return (
    <div className="flow-form" data-testid="flow-form">
      <label>
        Label
        <input value={draft.label} onChange={(e) => setDraft({ ...draft, label: e.target.value })} onBlur={() => commit()} aria-label="flow label" />
      </label>
      <label>
        Description
        <textarea rows={4} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} onBlur={() => commit()} aria-label="flow description" />
      </label>
      <h4>Environment defaults</h4>
      <p className="muted">Used for <code>{"${NAME}"}</code> in node settings when the runtime's environment does not set NAME.</p>
      {draft.env.map(([name, value], i) => (
        <div className="env-row" key={i} data-testid="env-row">
          <input placeholder="NAME" value={name} aria-label={`env name ${i + 1}`} onChange={(e) => setEnv(draft.env.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} onBlur={() => commit()} />
          <input placeholder="value" value={value} aria-label={`env value ${i + 1}`} onChange={(e) => setEnv(draft.env.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} onBlur={() => commit()} />
          <button onClick={() => setEnv(draft.env.filter((_, j) => j !== i), true)} aria-label={`remove env ${name || i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button onClick={() => setEnv([...draft.env, ["", ""]])}>+ Add variable</button>
      {problem && <p className="errors">{problem}</p>}
    </div>
  );
}
