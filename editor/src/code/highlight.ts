/**
 * Syntax colours by token kind. The colours are CSS variables (`--cm-*`,
 * one set per theme in styles.css), so one style serves the light and the
 * dark theme and follows a theme change at once, without rebuilding editors.
 */
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

const style = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword, t.self], color: "var(--cm-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: "var(--cm-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--cm-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.function(t.variableName))], color: "var(--cm-function)" },
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--cm-property)" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--cm-type)" },
  { tag: [t.operator, t.punctuation, t.bracket, t.separator], color: "var(--cm-punctuation)" },
  { tag: t.invalid, color: "var(--cm-invalid)", textDecoration: "underline wavy" },
]);

/** The editor's highlighting (it replaces the basic setup's fallback style, drawn for a light background only). */
export const themedHighlighting = syntaxHighlighting(style);
