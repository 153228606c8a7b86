/** The code editor itself, loaded on first use (a separate bundle chunk), so the editor's first paint does not carry it. */
import { basicSetup, EditorView } from "codemirror";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { themedHighlighting } from "./highlight.js";

export type CodeLanguage = "javascript" | "json";

export interface CodeEditorOptions {
  parent: HTMLElement;
  value: string;
  language: CodeLanguage;
  readOnly: boolean;
  /** The accessible name of the editable area. */
  label: string;
  onChange: (text: string) => void;
  onBlur: () => void;
}

export interface CodeEditorHandle {
  /** Replaces the text from outside (undo, another field) without reporting it back as an edit. */
  setValue(text: string): void;
  destroy(): void;
}

const INDENT = "  ";

/** Tab indents the selected lines (Shift+Tab unindents) instead of leaving the field; Escape, then Tab, leaves it. */
function tabIndents(): ReturnType<typeof EditorView.domEventHandlers> {
  let escaped = false;
  return EditorView.domEventHandlers({
    keydown(event, view) {
      if (event.key === "Escape") return (escaped = true), false;
      if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) return (escaped = false), false;
      if (escaped) return false;
      event.preventDefault();
      const { state } = view;
      if (!event.shiftKey && state.selection.ranges.every((r) => r.empty)) {
        view.dispatch(state.replaceSelection(INDENT));
        return true;
      }
      const changes: { from: number; to?: number; insert?: string }[] = [];
      const seen = new Set<number>();
      for (const range of state.selection.ranges) {
        for (let pos = range.from; pos <= range.to; ) {
          const line = state.doc.lineAt(pos);
          if (!seen.has(line.from)) {
            seen.add(line.from);
            if (!event.shiftKey) changes.push({ from: line.from, insert: INDENT });
            else {
              const lead = /^ {1,2}/.exec(line.text)?.[0].length ?? 0;
              if (lead) changes.push({ from: line.from, to: line.from + lead });
            }
          }
          pos = line.to + 1;
        }
      }
      if (changes.length) view.dispatch({ changes, userEvent: event.shiftKey ? "delete.dedent" : "input.indent" });
      return true;
    },
  });
}

export function createCodeEditor(options: CodeEditorOptions): CodeEditorHandle {
  let fromOutside = false;
  const view = new EditorView({
    parent: options.parent,
    doc: options.value,
    extensions: [
      basicSetup,
      options.language === "javascript" ? javascript() : json(),
      themedHighlighting,
      tabIndents(),
      EditorView.editable.of(!options.readOnly),
      EditorView.contentAttributes.of({ "aria-label": options.label, "aria-multiline": "true", spellcheck: "false" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && !fromOutside) options.onChange(update.state.doc.toString());
        if (update.focusChanged && !update.view.hasFocus) options.onBlur();
      }),
    ],
  });
  return {
    setValue(text) {
      if (view.state.doc.toString() === text) return;
      fromOutside = true;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      fromOutside = false;
    },
    destroy: () => view.destroy(),
  };
}
