export { FlowManager, type FlowManagerOptions } from "./flow-manager.js";
export type { DeployInput, DeployOutcome, FlowManagerApi } from "./types.js";
