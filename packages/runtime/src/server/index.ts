export { RouteTable } from "./route-table.js";
export { createFlowServer, type FlowServer, type FlowServerOptions } from "./flow-server.js";
export { SocketHub, type EndpointStats } from "./ws-hub.js";
export { EventHub } from "./events.js";
export { createMetrics, type RuntimeMetrics } from "./metrics.js";
export { AdminAuth, assertSafeBinding, hashPassword, verifyPassword, isLoopback, type AuthOptions, type AdminUser } from "./auth.js";
export { createAdminServer, type AdminServer, type AdminServerOptions } from "./admin-server.js";
export { openApiDocument } from "./openapi.js";
