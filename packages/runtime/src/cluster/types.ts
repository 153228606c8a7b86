/** What `/api/health` and `/metrics` tell about the cluster a runtime belongs to. */
export interface ClusterView {
  /** The store backend: "sqlite" alone, "postgresql" when runtimes share one database. */
  backend: "sqlite" | "postgresql";
  /** This runtime's id (WATTFLOW_INSTANCE, default `<hostname>-<pid>`). */
  instance: string;
  /** Runtimes whose heartbeat is recent, this one included. */
  peers: PeerView[];
  /** Once-per-cluster jobs and the runtime holding each one's lock (null while nobody holds it). */
  locks: LockView[];
}

export interface PeerView {
  instance: string;
  host: string;
  pid: number;
  started: string;
  lastSeen: string;
  /** Seconds since its last heartbeat, by the database's clock. */
  ageSeconds: number;
}

export interface LockView {
  job: string;
  holder: string | null;
  /** The last slot the cluster completed (ISO time), null when it never ran. */
  lastRun: string | null;
  runs: number;
}
