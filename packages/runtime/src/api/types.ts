/**
 * The admin API's shapes, shared by the runtime's server and the editor.
 * Paths are relative to the admin server (default http://127.0.0.1:1880).
 *
 *   GET    /api/flows                          FlowSummary[]
 *   POST   /api/flows                          DeployRequest (new flow)        -> 201 DeployResult | 400 ValidationFailure | 409 Conflict
 *   GET    /api/flows/:id                      FlowDetail
 *   POST   /api/flows/batch                    BatchDeployRequest              -> 200 BatchDeployResult | 400 ValidationFailure | 409 BatchConflict
 *   PUT    /api/flows/:id                      DeployRequest                   -> 200 DeployResult | 400 ValidationFailure | 409 Conflict
 *   DELETE /api/flows/:id?expectedRevision=N   -> 204 | 409 Conflict
 *   POST   /api/flows/:id/validate             { flow, companions? }           -> ValidateResult (always 200)
 *   GET    /api/flows/:id/revisions            RevisionSummary[] (newest first)
 *   GET    /api/flows/:id/revisions/:rev       RevisionDetail
 *   GET    /api/flows/:id/diff?from=A&to=B     RevisionDiff (B defaults to the running revision)
 *   POST   /api/flows/:id/rollback             RollbackRequest                 -> DeployResult | 409 Conflict
 *   POST   /api/flows/:id/nodes/:node/trigger  -> 202 (inject, schedule: fire now)
 *   GET    /api/nodes                          NodeCatalog
 *   GET    /api/status                         NodeStatusEntry[]
 *   GET    /api/health  /api/ready             Health
 *   GET    /api/openapi.json                   OpenAPI 3.1 document
 *   POST   /api/auth/login                     { username, password } -> { token, expiresAt }
 *   GET    /metrics                            Prometheus text
 *   WS     /api/events                         RuntimeEvent frames (JSON)
 */
import type { FlowDiff, FlowDocument, FlowIssue } from "../flow/types.js";
import type { NodeStatus } from "../engine/types.js";

export interface FlowSummary {
  id: string;
  label: string;
  file: string | null;
  revision: number;
  hash: string;
  nodeCount: number;
  /** `running`, or `failed` when the file on disk is invalid and the last good revision keeps running. */
  state: "running" | "failed";
  errors: FlowIssue[];
}

export interface FlowDetail {
  flow: FlowDocument;
  revision: number;
  hash: string;
}

export interface DeployRequest {
  flow: FlowDocument;
  /** The revision the edit was based on; 0 for a new flow. A stale value is refused with 409. */
  expectedRevision?: number;
  message?: string;
  author?: string;
}

/** Several flows deployed all or none; each flow's links may name the others' nodes. */
export interface BatchDeployRequest {
  flows: { flow: FlowDocument; expectedRevision?: number }[];
  message?: string;
  author?: string;
}

export interface BatchDeployResult {
  results: DeployResult[];
}

/** 409 of a batch: the flows someone deployed since the edit began (nothing was deployed). */
export interface BatchConflict {
  error: "conflict";
  message: string;
  conflicts: { flowId: string; currentRevision: number }[];
}

export interface DeployResult {
  flowId: string;
  revision: number;
  hash: string;
  diff: FlowDiff;
  /** True when the document was identical to the running one: no new revision. */
  unchanged: boolean;
  /** Things that deploy but deserve a look (a secret written into the file, say). */
  warnings?: FlowIssue[];
}

export interface ValidationFailure {
  error: "validation";
  message: string;
  errors: FlowIssue[];
}

export interface Conflict {
  error: "conflict";
  message: string;
  currentRevision: number;
}

export interface ValidateResult {
  ok: boolean;
  errors: FlowIssue[];
  diff: FlowDiff | null;
}

export interface RevisionSummary {
  flowId: string;
  revision: number;
  hash: string;
  time: string;
  author: string;
  message: string;
}

export interface RevisionDetail extends RevisionSummary {
  flow: FlowDocument;
}

export interface RevisionDiff {
  from: number;
  to: number;
  diff: FlowDiff;
}

export interface RollbackRequest {
  revision: number;
  expectedRevision?: number;
  author?: string;
}

export interface NodeCatalogEntry {
  type: string;
  category: string;
  summary: string;
  docs: string;
  inputs: 0 | 1;
  outputs: string[];
  /** The version of the type's config shape; a node added to a flow records it as `typeVersion` when above 1. */
  version: number;
  /** JSON Schema of the node's config (with `x-wattflow-connection` / `x-wattflow-secret` marks). */
  configSchema: Record<string, unknown>;
  /** The npm package that provides it. */
  module: string;
}

export interface ConnectionCatalogEntry {
  type: string;
  summary: string;
  docs: string;
  configSchema: Record<string, unknown>;
  module: string;
}

export interface NodeCatalog {
  nodes: NodeCatalogEntry[];
  connections: ConnectionCatalogEntry[];
  /** Plugins that failed to load, with why. */
  failedPlugins: { module: string; error: string }[];
}

export interface NodeStatusEntry {
  flowId: string;
  nodeId: string;
  status: NodeStatus;
}

/** Event-loop delay over the last one to two minutes, in seconds, and the stalls seen. */
export interface EventLoopDelay {
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  /** Stalls (the loop blocked for a second or more) since the process started. */
  stalls: number;
  lastStall?: Stall;
}

export interface Stall {
  /** ISO time the loop came back. */
  time: string;
  blockedMs: number;
  /** The node whose code held the loop (`flow/node`), when one did. */
  node?: string;
  nodeMs?: number;
}

export interface Health {
  status: "ok" | "degraded";
  uptimeSeconds: number;
  flows: { id: string; state: "running" | "failed" }[];
  /** Event-loop delay and stalls (the loop blocked for a second or more, with the node that held it). */
  eventLoop?: EventLoopDelay;
  /** The store backend ("sqlite", or "postgresql" when runtimes share one database). */
  backend?: "sqlite" | "postgresql";
  /** With a PostgreSQL store: this runtime, its live peers and who holds each once-per-cluster job. */
  cluster?: HealthCluster;
}

export interface HealthCluster {
  instance: string;
  peers: { instance: string; lastSeenSecondsAgo: number }[];
  locks: { job: string; holder: string | null; lastRun: string | null; runs: number }[];
  /** Set when the database could not be asked (the runtime is then degraded). */
  error?: string;
}

export type RuntimeEvent =
  | { type: "debug"; time: string; flowId: string; nodeId: string; name?: string; msg: unknown }
  | { type: "status"; time: string; flowId: string; nodeId: string; status: NodeStatus }
  | { type: "deploy"; time: string; flowId: string; revision: number; hash: string; author: string; diff: FlowDiff }
  | { type: "deploy-failed"; time: string; flowId: string; file?: string; errors: FlowIssue[] }
  | { type: "flow-removed"; time: string; flowId: string }
  | { type: "error"; time: string; flowId: string; nodeId: string; message: string }
  | { type: "log"; time: string; level: string; message: string; flowId?: string; nodeId?: string }
  /** Messages sent per node output port since the previous frame, once a second while anything moves. */
  | { type: "counts"; time: string; counts: Record<string, { in: number; out: number[] }> };
