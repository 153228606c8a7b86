/** Form parts the form library lacks: a JSON value editor, a number-or-text field, a code editor, and labelled list buttons. */
import { useEffect, useMemo, useState } from "react";
import type { FieldProps, IconButtonProps, WidgetProps } from "@rjsf/utils";
import { CodeEditor } from "../code/CodeEditor.js";
import { javascriptSyntaxError } from "../code/js-syntax.js";

/** Label and help text of a custom field (the form library draws neither for fields it cannot type). */
function FieldHead(props: FieldProps) {
  const title = typeof props.schema.title === "string" ? props.schema.title : props.name;
  return (
    <>
      {title && (
        <label className="control-label" htmlFor={props.fieldPathId.$id}>
          {title}
          {props.required ? "*" : ""}
        </label>
      )}
      {typeof props.schema.description === "string" && <div className="field-description">{props.schema.description}</div>}
    </>
  );
}

/** A value of any JSON type, typed as JSON and checked as you type; the form only changes when the text parses. */
export function JsonField(props: FieldProps) {
  const shown = props.formData === undefined ? "" : JSON.stringify(props.formData, null, typeof props.formData === "object" && props.formData !== null ? 2 : undefined);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  // Take outside changes (undo, another field), unless they are what this text already says.
  useEffect(() => {
    if (!error && safeParse(text) !== shown) setText(shown);
  }, [shown]);
  return (
    <div className="json-field">
      <FieldHead {...props} />
      <CodeEditor
        id={props.fieldPathId.$id}
        value={text}
        language="json"
        label={typeof props.schema.title === "string" ? props.schema.title : props.name}
        maxLines={8}
        readOnly={props.disabled || props.readonly}
        onChange={(next) => {
          setText(next);
          if (next.trim() === "") {
            setError(null);
            props.onChange(undefined, props.fieldPathId.path);
            return;
          }
          try {
            const value = JSON.parse(next) as unknown;
            setError(null);
            props.onChange(value, props.fieldPathId.path);
          } catch (err) {
            setError(`not valid JSON: ${(err as Error).message}`);
          }
        }}
      />
      {error ? <div className="field-error" role="alert">{error}</div> : <small className="muted">JSON value: text in "quotes", numbers, true/false, [lists] or {"{objects}"}.</small>}
    </div>
  );
}

function safeParse(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return JSON.stringify(v, null, typeof v === "object" && v !== null ? 2 : undefined);
  } catch {
    return undefined;
  }
}

/** A value that may be a number or a text: it is a number when it reads as one. */
export function ScalarField(props: FieldProps) {
  const types = ([] as unknown[]).concat(props.schema.type ?? []);
  return (
    <div className="scalar-field">
      <FieldHead {...props} />
      <input
      id={props.fieldPathId.$id}
      value={props.formData === undefined || props.formData === null ? "" : String(props.formData)}
      disabled={props.disabled || props.readonly}
      placeholder={types.join(" or ")}
      onChange={(e) => {
        const raw = e.target.value;
        const asNumber = Number(raw);
          props.onChange(raw === "" ? undefined : types.includes("number") && raw.trim() !== "" && Number.isFinite(asNumber) ? asNumber : raw, props.fieldPathId.path);
        }}
      />
    </div>
  );
}

/** Function code in a code editor (highlighting, bracket matching, Tab indents, Shift+Tab unindents; Escape then Tab leaves it); a syntax error is shown as you type. */
export function CodeWidget(props: WidgetProps) {
  const code = String(props.value ?? "");
  const syntaxError = useMemo(() => javascriptSyntaxError(code), [code]);
  return (
    <div className="code-widget">
      <CodeEditor
        id={props.id}
        value={code}
        language="javascript"
        label={typeof props.label === "string" && props.label ? props.label : "code"}
        readOnly={props.disabled || props.readonly}
        onChange={(text) => props.onChange(text)}
        onBlur={() => props.onBlur(props.id, props.value)}
      />
      {syntaxError && <div className="field-error" role="alert" data-testid="code-syntax-error">{syntaxError}</div>}
    </div>
  );
}

function textButton(label: string, className = "") {
  return function TextButton({ id, onClick, disabled, style }: IconButtonProps) {
    return (
      <button type="button" id={id} className={`form-button ${className}`} onClick={onClick} disabled={disabled} style={style} title={label}>
        {label}
      </button>
    );
  };
}

/** Array item buttons with words on them (the library's default draws icons from a font the editor does not load). */
export const buttonTemplates = {
  AddButton: textButton("+ Add item", "add"),
  CopyButton: textButton("Copy"),
  MoveUpButton: textButton("↑ Up"),
  MoveDownButton: textButton("↓ Down"),
  RemoveButton: textButton("Remove", "remove"),
  ClearButton: textButton("Clear"),
};
