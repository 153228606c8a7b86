/** A code field: CodeMirror (highlighting, bracket matching, Tab indent), fetched the first time a code field is shown. */
import { useEffect, useRef, useState } from "react";
import type { CodeEditorHandle, CodeLanguage } from "./codemirror.js";

let loading: Promise<typeof import("./codemirror.js")> | null = null;
const loadCodeMirror = () => (loading ??= import("./codemirror.js"));

export interface CodeEditorProps {
  id: string;
  value: string;
  language: CodeLanguage;
  label: string;
  readOnly?: boolean;
  /** Lines shown before the editor scrolls. */
  maxLines?: number;
  onChange: (text: string) => void;
  onBlur?: () => void;
}

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const handle = useRef<CodeEditorHandle | null>(null);
  // The latest callbacks, read by the editor made once at mount.
  const latest = useRef(props);
  latest.current = props;
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void loadCodeMirror().then(({ createCodeEditor }) => {
      if (cancelled || !host.current) return;
      handle.current = createCodeEditor({
        parent: host.current,
        value: latest.current.value,
        language: props.language,
        readOnly: props.readOnly ?? false,
        label: props.label,
        onChange: (text) => latest.current.onChange(text),
        onBlur: () => latest.current.onBlur?.(),
      });
      setReady(true);
    });
    return () => {
      cancelled = true;
      handle.current?.destroy();
      handle.current = null;
    };
  }, [props.language, props.readOnly, props.label]);

  useEffect(() => handle.current?.setValue(props.value), [props.value, ready]);

  return (
    <div id={props.id} ref={host} className={`code-editor ${props.language}`} data-ready={ready ? "1" : "0"} style={{ maxHeight: `${(props.maxLines ?? 24) * 1.45 + 0.6}em` }}>
      {!ready && <pre className="code-loading">{props.value}</pre>}
    </div>
  );
}
