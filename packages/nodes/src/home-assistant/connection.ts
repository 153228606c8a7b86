import { defineConnection, Secret, Type, type ConnectionInstance } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { HaClient } from "./client.js";

export interface HomeAssistant {
  client: HaClient;
  simulated: boolean;
}

export default defineConnection({
  type: "home-assistant",
  summary: "A Home Assistant server (REST and WebSocket APIs) with a long-lived access token; sim://home-assistant runs a simulated one.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ minLength: 1, description: "e.g. http://homeassistant.local:8123, or sim://home-assistant" }),
    token: Secret({ default: "", description: "long-lived access token: use ${HA_TOKEN}" }),
    timeout: Type.Integer({ minimum: 100, default: 10_000, description: "ms per request" }),
  }),
  async create(handle, c): Promise<ConnectionInstance<HomeAssistant>> {
    if (c.url.startsWith("sim://")) {
      // The simulator (and its servers) load only when a flow asks for one.
      const { startHaSimulator } = await import("./simulator.js");
      const sim = await startHaSimulator({ timezone: handle.env("TZ") ?? "UTC" });
      handle.log.info({ url: sim.url }, "Home Assistant is SIMULATED: a household power sensor on loopback");
      return { value: { client: new HaClient(sim.url, sim.token, c.timeout), simulated: true }, close: () => sim.close() };
    }
    if (!c.token) throw new Error("no access token: set HA_TOKEN (a long-lived access token from your Home Assistant profile)");
    return { value: { client: new HaClient(c.url, c.token, c.timeout), simulated: false } };
  },
});
