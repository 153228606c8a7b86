export { Cluster, type ClusterOptions } from "./cluster.js";
export { shareDeploys, shareWebSockets, type SharedDeploys, type RelayingHub } from "./share.js";
export { instanceId } from "./instance.js";
export type { ClusterView, PeerView, LockView } from "./types.js";
export { refreshFlowFiles } from "./flow-files.js";
