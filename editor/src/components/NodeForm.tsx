import { useMemo } from "react";
import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";
import { createSchemaUtils, type WidgetProps } from "@rjsf/utils";
import { formSchemas } from "../forms/schema-ui.js";
import { Markdown } from "./Markdown.js";
import { NodeFiles } from "./NodeFiles.js";
import { buttonTemplates, CodeWidget, JsonField, ScalarField } from "../forms/widgets.js";
import type { ConnectionCatalogEntry, NodeCatalogEntry } from "../api.js";
import type { FlowDocument, FlowNode } from "../state/flow-state.js";

/** A select of the flow's connections of one type, for fields marked `x-wattflow-connection`. */
function connectionWidget(doc: FlowDocument, onCreate: (type: string) => string) {
  return function ConnectionPicker(props: WidgetProps) {
    const type = (props.schema as Record<string, unknown>)["x-wattflow-connection"] as string;
    const options = (doc.connections ?? []).filter((c) => c.type === type);
    return (
      <div className="connection-picker">
        <select id={props.id} value={String(props.value ?? "")} onChange={(e) => props.onChange(e.target.value || undefined)}>
          <option value="">(choose a {type} connection)</option>
          {options.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name ?? c.id}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => props.onChange(onCreate(type))}>
          new
        </button>
      </div>
    );
  };
}

/** The flow's shared connections, each with its own generated form. */
export function ConnectionsEditor(props: { doc: FlowDocument; catalog: ConnectionCatalogEntry[]; onChange(id: string, config: Record<string, unknown>): void }) {
  const list = props.doc.connections ?? [];
  if (list.length === 0) return null;
  return (
    <section className="connections">
      <h3>Connections of this flow</h3>
      {list.map((c) => {
        const entry = props.catalog.find((k) => k.type === c.type);
        return (
          <details key={c.id}>
            <summary>
              {c.id} <small>{c.type}</small>
            </summary>
            {entry ? (
              <ConfigForm configSchema={entry.configSchema} formKey={c.id} value={c.config ?? {}} onChange={(config) => props.onChange(c.id, config)} />
            ) : (
              <p className="muted">Unknown connection type {c.type}.</p>
            )}
          </details>
        );
      })}
    </section>
  );
}

const fields = { json: JsonField, scalar: ScalarField };

/** JSON with object keys sorted, to compare values whatever order their keys were written in. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
const templates = { ButtonTemplates: buttonTemplates };

/** A form generated from a config schema (see forms/schema-ui.ts for how schemas are made renderable). */
export function ConfigForm(props: { configSchema: Record<string, unknown>; formKey: string; value: Record<string, unknown>; widgets?: Record<string, (p: WidgetProps) => React.ReactElement>; onChange(value: Record<string, unknown>): void }) {
  const { schema, uiSchema } = useMemo(() => formSchemas(props.configSchema), [props.configSchema]);
  const schemaUtils = useMemo(() => createSchemaUtils(validator, schema), [schema]);
  return (
    <Form
      key={props.formKey}
      schema={schema}
      uiSchema={{ ...uiSchema, "ui:submitButtonOptions": { norender: true } }}
      formData={props.value}
      validator={validator}
      fields={fields}
      templates={templates}
      widgets={{ code: CodeWidget, ...props.widgets }}
      liveValidate
      showErrorList={false}
      onChange={(e) => {
        // The form reports the config with its defaults filled in as soon as it opens: that is no edit, and must
        // not mark the flow modified. A change is one that says more than the current config with its defaults.
        const next = e.formData as Record<string, unknown>;
        if (stableJson(schemaUtils.getDefaultFormState(schema, props.value)) !== stableJson(next)) props.onChange(next);
      }}
    />
  );
}

/** The node's property form, generated from its type's JSON Schema, with the type's docs beside it. */
export function NodeForm(props: {
  node: FlowNode;
  entry: NodeCatalogEntry | undefined;
  doc: FlowDocument;
  connections: ConnectionCatalogEntry[];
  errors: string[];
  onChange(patch: Partial<FlowNode>): void;
  onCreateConnection(type: string): string;
  onConnectionChange(id: string, config: Record<string, unknown>): void;
}) {
  const { node, entry } = props;
  if (!entry) return <p className="muted">Unknown node type {node.type}: no plugin provides it.</p>;
  return (
    <div className="node-form" data-testid="node-form">
      <h2>
        {node.type} <small>{node.id}</small>
      </h2>
      <p className="muted">{entry.summary}</p>
      <label className="name-field">
        Name <input value={node.name ?? ""} onChange={(e) => props.onChange({ name: e.target.value || undefined })} />
      </label>
      <label className="enabled-field">
        <input type="checkbox" checked={!node.disabled} onChange={(e) => props.onChange({ disabled: e.target.checked ? undefined : true })} /> Enabled
        <small className="muted"> a disabled node is not started and passes nothing</small>
      </label>
      {props.errors.length > 0 && (
        <ul className="errors" data-testid="form-errors">
          {props.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      <ConfigForm
        configSchema={entry.configSchema}
        formKey={node.id}
        value={node.config ?? {}}
        widgets={{ connection: connectionWidget(props.doc, props.onCreateConnection) }}
        onChange={(config) => props.onChange({ config })}
      />
      <NodeFiles flowId={props.doc.id} node={node} configSchema={entry.configSchema} />
      <ConnectionsEditor doc={props.doc} catalog={props.connections} onChange={props.onConnectionChange} />
      {entry.docs && (
        <details className="docs" open data-testid="node-help">
          <summary>Help: {node.type}</summary>
          <Markdown text={entry.docs} />
        </details>
      )}
    </div>
  );
}
