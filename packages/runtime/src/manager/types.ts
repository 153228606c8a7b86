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
  /** The other flows of the same batch (`deployBatch`), deployed next: links into them count as resolved. */
  companions?: readonly unknown[];
}

export type BatchOutcome =
  | { ok: true; results: DeployResult[] }
  | { ok: false; kind: "validation"; errors: FlowIssue[] }
  | { ok: false; kind: "conflict"; conflicts: { flowId: string; currentRevision: number }[] };

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
  /**
   * Deploys several flows, all or none: every one is checked (its revision, then as a deploy would, with
   * the others' nodes counting as link targets) before the first is deployed, so new flows that link to
   * each other go together and none is left running with a link to a flow that was refused.
   */
  deployBatch(inputs: readonly DeployInput[]): Promise<BatchOutcome>;
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
