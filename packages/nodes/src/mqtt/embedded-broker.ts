/**
 * The broker Wattflow hosts itself when a flow has no MQTT_URL: aedes on
 * MQTT_PORT, plus MQTT over WebSocket for browser dashboards. Every
 * `mqtt-broker` connection set to "embedded" shares the one broker of the
 * process; it stops when the last of them closes.
 */
import { createServer, isIP, type Server } from "node:net";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { Aedes } from "aedes";
import { WebSocketServer, createWebSocketStream } from "ws";
import { acquireInMainThread } from "@wattflow/runtime";
import { EMBEDDED_BROKER } from "./connection.js";

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** null = no WebSocket listener; 0 = any free port. */
  wsPort: number | null;
  username?: string;
  password?: string;
}

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  readonly wsPort: number | null;
  /** Clients connected (NaN in an isolated flow's worker, which does not hold the broker). */
  clientCount(): number;
  release(): Promise<void>;
}

interface Running {
  key: string;
  users: number;
  aedes: Aedes;
  tcp: Server;
  http: HttpServer | null;
  wss: WebSocketServer | null;
  port: number;
  wsPort: number | null;
  host: string;
}

let running: Running | null = null;
let starting: Promise<Running> | null = null;

const keyOf = (o: EmbeddedBrokerOptions): string => JSON.stringify([o.host, o.port, o.wsPort, o.username ?? "", o.password ?? ""]);

function listen(server: Server | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`${what} port ${port} on ${host} is in use: set MQTT_URL to use the broker that holds it, or ${what === "MQTT" ? "MQTT_PORT" : "MQTT_WS_PORT"} to another port`)
          : err,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/** Anyone on the network could publish commands to an open broker, so beyond loopback it needs credentials. */
function assertSafeBroker(o: EmbeddedBrokerOptions): void {
  if (isLoopback(o.host) || (o.username && o.password)) return;
  throw new Error(
    `refusing to start the embedded MQTT broker on ${o.host} (MQTT_HOST) without a user name and password: anyone on the network could publish to it. ` +
      `Set MQTT_USER and MQTT_PASSWORD (the mqtt-broker connection's username and password), or keep MQTT_HOST=127.0.0.1`,
  );
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function start(o: EmbeddedBrokerOptions): Promise<Running> {
  const aedes = await Aedes.createBroker();
  if (o.username || o.password) {
    aedes.authenticate = (_client, username, password, done) => {
      const ok = same(username ?? "", o.username ?? "") && same(password?.toString() ?? "", o.password ?? "");
      if (ok) return done(null, true);
      const err = Object.assign(new Error("bad user name or password"), { returnCode: 4 as const });
      done(err, false);
    };
  }
  const tcp = createServer(aedes.handle);
  let http: HttpServer | null = null;
  let wss: WebSocketServer | null = null;
  try {
    const port = await listen(tcp, o.port, o.host, "MQTT");
    let wsPort: number | null = null;
    if (o.wsPort !== null) {
      http = createHttpServer((_req, res) => {
        res.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket: connect with an MQTT client\n");
      });
      const server = new WebSocketServer({ server: http });
      wss = server;
      server.on("connection", (socket) => {
        const stream = createWebSocketStream(socket);
        stream.on("error", () => socket.terminate());
        aedes.handle(stream);
      });
      wsPort = await listen(http, o.wsPort, o.host, "MQTT over WebSocket");
    }
    return { key: keyOf(o), users: 0, aedes, tcp, http, wss, port, wsPort, host: o.host };
  } catch (err) {
    tcp.close();
    http?.close();
    await new Promise<void>((r) => aedes.close(() => r()));
    throw err;
  }
}

async function stop(r: Running): Promise<void> {
  r.wss?.clients.forEach((c) => c.terminate());
  r.wss?.close();
  await new Promise<void>((resolve) => r.aedes.close(() => resolve()));
  await Promise.all([
    new Promise<void>((resolve) => r.tcp.close(() => resolve())),
    r.http ? new Promise<void>((resolve) => r.http!.close(() => resolve())) : Promise.resolve(),
  ]);
}

/** Starts the process's embedded broker, or joins the running one. */
export async function acquireEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  assertSafeBroker(o);
  // In an isolated flow's worker thread the process's one broker is the main thread's, held there for this flow.
  const held = acquireInMainThread<Omit<EmbeddedBroker, "clientCount">>(EMBEDDED_BROKER, [o]);
  if (held) return { ...(await held), clientCount: () => Number.NaN };
  while (starting) await starting.catch(() => undefined);
  if (running && running.key !== keyOf(o)) {
    throw new Error(`the embedded broker already runs on port ${running.port} with other settings; flows sharing it must agree on MQTT_PORT, MQTT_WS_PORT and credentials`);
  }
  if (!running) {
    starting = start(o);
    try {
      running = await starting;
    } finally {
      starting = null;
    }
  }
  const r = running;
  r.users += 1;
  let released = false;
  const host = r.host === "0.0.0.0" || r.host === "::" ? "127.0.0.1" : r.host;
  return {
    url: `mqtt://${host}:${r.port}`,
    port: r.port,
    wsPort: r.wsPort,
    clientCount: () => r.aedes.connectedClients,
    async release() {
      if (released) return;
      released = true;
      r.users -= 1;
      if (r.users === 0 && running === r) {
        running = null;
        await stop(r);
      }
    },
  };
}
