import { hostname } from "node:os";

/**
 * This runtime's name among its peers: WATTFLOW_INSTANCE when given (stable across restarts, which
 * lets a restarted runtime find its MQTT sessions again), else `<hostname>-<pid>`.
 */
export function instanceId(env: Record<string, string | undefined> = process.env): string {
  const given = env.WATTFLOW_INSTANCE?.trim();
  return given ? given : `${hostname()}-${process.pid}`;
}

/**
 * The database session name of a runtime's connections, which is how lock holders are found in
 * pg_stat_activity: `wattflow:<instance>`, or `wattflow:<schema>/<instance>` for a store in a schema of its own.
 */
export const applicationName = (instance: string, namespace = ""): string => `wattflow:${namespace ? `${namespace}/` : ""}${instance}`.slice(0, 63);

/** The instance id in a session name written by applicationName. */
export const instanceOfSession = (name: string): string => name.replace(/^wattflow:([^/]*\/)?/, "");
