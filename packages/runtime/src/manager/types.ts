import type {
  DeployResult,
  FlowDetail,
  FlowSummary,
  RevisionDetail,
  RevisionDiff,
  RevisionSummary,
  ValidateResult,
} from "../api/types.js";
import type { FlowDocument, FlowIssue } from "../flow/types.js";

export type DeployOutcome =
  | { ok: true; result: DeployResult }
  | { ok: false; kind: "validation"; errors: FlowIssue[] }
  | { ok: false; kind: "conflict"; currentRevision: number }
  | { ok: false; kind: "not-found" };

export interface DeployInput {
  flowId: string;
  flow: FlowDocument | unknown;
  /** The revision the edit was based on (0 = new flow). Omitted: no concurrency check. */
  expectedRevision?: number;
  author?: string;
  message?: string;
  /**
   * Flows deployed together with this one, one after another (the editor's "Deploy all"): links into them
   * count as resolved, so two new flows that link to each other can be deployed. Not deployed by this call.
   */
  companions?: readonly unknown[];
}

/**
 * Flow files on disk are the source of truth. The manager compiles them,
 * deploys them to the engine, records each accepted deploy as a revision,
 * writes API deploys back to the file atomically, and watches the folder.
 */
export interface FlowManagerApi {
  loadAll(): Promise<void>;
  list(): FlowSummary[];
  get(flowId: string): FlowDetail | undefined;
  deploy(input: DeployInput): Promise<DeployOutcome>;
  validate(flowId: string, flow: unknown, companions?: readonly unknown[]): ValidateResult;
  remove(flowId: string, expectedRevision?: number): Promise<{ ok: true } | { ok: false; kind: "conflict"; currentRevision: number } | { ok: false; kind: "not-found" }>;
  revisions(flowId: string): Promise<RevisionSummary[]>;
  revision(flowId: string, revision: number): Promise<RevisionDetail | undefined>;
  diff(flowId: string, from: number, to?: number): Promise<RevisionDiff | undefined>;
  rollback(flowId: string, revision: number, options?: { expectedRevision?: number; author?: string }): Promise<DeployOutcome>;
  /** Starts watching the flows folder; edits on disk deploy like API deploys (or are refused and logged). */
  watch(): Promise<void>;
  close(): Promise<void>;
}
