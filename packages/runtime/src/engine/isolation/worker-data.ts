import type { StoreBackend } from "../../store/types.js";

/** What an isolated flow's worker is started with. */
export interface FlowWorkerData {
  flowId: string;
  /** Where the worker finds plugins (the main thread's search folders). */
  pluginDirs: string[];
  nodesDir?: string;
  logLevel: string;
  freeze: boolean;
  closeTimeoutMs: number;
  timezone?: string;
  batchSize?: number;
  storeBackend: StoreBackend;
  storeLocation: string;
  /** Whether the main thread's job gate is shared with other runtimes (`JobGate.shared`). */
  jobsShared: boolean;
  /** How often the worker sends its counters when they changed. */
  statsMs: number;
}
