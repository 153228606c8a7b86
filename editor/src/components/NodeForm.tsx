import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";
import type { RJSFSchema, UiSchema, WidgetProps } from "@rjsf/utils";
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
              <Form
                schema={entry.configSchema as RJSFSchema}
                uiSchema={{ ...uiSchemaFor(entry.configSchema), "ui:submitButtonOptions": { norender: true } }}
                formData={c.config ?? {}}
                validator={validator}
                liveValidate
                showErrorList={false}
                onChange={(e) => props.onChange(c.id, e.formData as Record<string, unknown>)}
              />
            ) : (
              <p className="muted">Unknown connection type {c.type}.</p>
            )}
          </details>
        );
      })}
    </section>
  );
}

function uiSchemaFor(schema: Record<string, unknown>): UiSchema {
  const ui: UiSchema = {};
  for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    if (prop["x-wattflow-connection"]) ui[name] = { "ui:widget": "connection" };
    else if (prop["x-wattflow-secret"]) ui[name] = { "ui:widget": "password", "ui:help": "use ${ENV_VAR} so the secret stays out of the file" };
    else if (name === "code") ui[name] = { "ui:widget": "textarea", "ui:options": { rows: 10 } };
  }
  return ui;
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
  const schema = entry.configSchema as RJSFSchema;
  return (
    <div className="node-form" data-testid="node-form">
      <h2>
        {node.type} <small>{node.id}</small>
      </h2>
      <p className="muted">{entry.summary}</p>
      <label className="name-field">
        Name <input value={node.name ?? ""} onChange={(e) => props.onChange({ name: e.target.value || undefined })} />
      </label>
      {props.errors.length > 0 && (
        <ul className="errors" data-testid="form-errors">
          {props.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      <Form
        key={node.id}
        schema={schema}
        uiSchema={{ ...uiSchemaFor(entry.configSchema), "ui:submitButtonOptions": { norender: true } }}
        formData={node.config ?? {}}
        validator={validator}
        widgets={{ connection: connectionWidget(props.doc, props.onCreateConnection) }}
        liveValidate
        showErrorList={false}
        onChange={(e) => props.onChange({ config: e.formData as Record<string, unknown> })}
      />
      <ConnectionsEditor doc={props.doc} catalog={props.connections} onChange={props.onConnectionChange} />
      {entry.docs && <pre className="docs">{entry.docs}</pre>}
    </div>
  );
}
