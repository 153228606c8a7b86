import { memo } from "react";
import { Handle, Position, type NodeProps, type Node } from "@xyflow/react";
import type { NodeStatus } from "../../../packages/runtime/src/engine/types.js";

export interface FlowNodeData extends Record<string, unknown> {
  label: string;
  type: string;
  inputs: number;
  ports: string[];
  status?: NodeStatus;
  errors?: string[];
  disabled?: boolean;
  /** Fires the node now (inject nodes of a deployed flow). */
  onTrigger?: () => void;
  /** Debug nodes: whether they send to the debug panel, and the switch. */
  debugOn?: boolean;
  onToggleDebug?: () => void;
  /** Link nodes: where they send (`flow/node` across flows), each opened with a click. */
  links?: { text: string; open: () => void }[];
}

const FILL: Record<string, string> = { red: "#d64545", green: "#2f9e44", yellow: "#e8a317", blue: "#2f80ed", grey: "#8a96a3" };

/** A node on the canvas: its ports, its live status badge, and its validation errors. */
/** A node is drawn from its data and selection only: its position (new on every frame of a drag) is the wrapper's business. */
const sameLook = (a: NodeProps<Node<FlowNodeData>>, b: NodeProps<Node<FlowNodeData>>): boolean => a.data === b.data && a.selected === b.selected && a.id === b.id;

export const FlowNodeView = memo(function FlowNodeView({ data, selected }: NodeProps<Node<FlowNodeData>>) {
  const hasErrors = (data.errors?.length ?? 0) > 0;
  return (
    <div
      className={`wf-node${selected ? " selected" : ""}${hasErrors ? " invalid" : ""}${data.disabled ? " disabled" : ""}`}
      data-testid={`node-${data.label}`}
      title={hasErrors ? data.errors!.join("\n") : data.type}
      style={{ minHeight: Math.max(36, data.ports.length * 18 + 12) }}
    >
      {data.inputs > 0 && <Handle type="target" position={Position.Left} id="in" />}
      {data.onTrigger && (
        <button
          type="button"
          className="wf-trigger nodrag"
          title="send a message now (the deployed node)"
          aria-label={`trigger ${data.label}`}
          onClick={(e) => {
            e.stopPropagation();
            data.onTrigger!();
          }}
        >
          ▶
        </button>
      )}
      {data.onToggleDebug && (
        <button
          type="button"
          className={`wf-debug-toggle nodrag${data.debugOn ? " on" : ""}`}
          title={data.debugOn ? "sends to the debug panel: click to stop (deploy to apply)" : "silent: click to send to the debug panel (deploy to apply)"}
          aria-label={`debug output of ${data.label}`}
          aria-pressed={data.debugOn}
          onClick={(e) => {
            e.stopPropagation();
            data.onToggleDebug!();
          }}
        >
          {data.debugOn ? "on" : "off"}
        </button>
      )}
      <div className="wf-node-type">{data.type}{data.disabled ? " (disabled)" : ""}</div>
      <div className="wf-node-label">{data.label}</div>
      {data.links?.map((l) => (
        <button
          key={l.text}
          type="button"
          className="wf-node-link nodrag"
          title={`open ${l.text}`}
          data-testid="node-link"
          onClick={(e) => {
            e.stopPropagation();
            l.open();
          }}
        >
          → {l.text}
        </button>
      ))}
      {hasErrors && <div className="wf-node-error" data-testid="node-error">{data.errors![0]}</div>}
      {data.status?.text && (
        <div className="wf-node-status" data-testid="node-status">
          <span className="dot" style={{ background: FILL[data.status.fill ?? "grey"], borderRadius: data.status.shape === "ring" ? 0 : 6 }} />
          {data.status.text}
        </div>
      )}
      {data.ports.map((label, i) => (
        <Handle key={i} type="source" position={Position.Right} id={`out-${i}`} title={label} style={{ top: 18 + i * 18 }} />
      ))}
    </div>
  );
}, sameLook);

/** The stand-in for a node a wire points at but the flow does not have: the wire stays visible (red) and deletable. */
export const MissingNodeView = memo(function MissingNodeView({ data }: NodeProps<Node<{ target: string }>>) {
  return (
    <div className="wf-node missing" data-testid={`missing-${data.target}`} title={`No node "${data.target}" in this flow: select the red wire and press Delete`}>
      <Handle type="target" position={Position.Left} id="in" isConnectable={false} />
      <div className="wf-node-type">missing node</div>
      <div className="wf-node-label">{data.target}</div>
    </div>
  );
});
