import type { AnyConnectionDefinition, AnyNodeDefinition, Simulator } from "@wattflow/runtime";
import inject from "./inject/index.js";
import debug from "./debug/index.js";
import change from "./change/index.js";
import switchNode from "./switch/index.js";
import functionNode from "./function/index.js";
import catchNode from "./catch/index.js";
import status from "./status/index.js";
import linkIn from "./link/link-in.js";
import linkOut from "./link/link-out.js";
import linkCall from "./link/link-call.js";
import httpIn from "./http/http-in.js";
import httpResponse from "./http/http-response.js";
import httpRequest from "./http-request/index.js";
import httpFile from "./http-file/index.js";
import wsOut from "./ws-out/index.js";
import storeWrite from "./store/store-write.js";
import storeQuery from "./store/store-query.js";
import recordWrite from "./records/record-write.js";
import recordQuery from "./records/record-query.js";
import retention from "./retention/index.js";
import aggregateWindow from "./aggregate-window/index.js";
import calendarRollup from "./calendar-rollup/index.js";
import modbusRead from "./modbus/read.js";
import modbusDevice from "./modbus/connection.js";
import hostMetrics from "./host-metrics/index.js";
import homeAssistant from "./home-assistant/connection.js";
import haSensor from "./home-assistant/sensor.js";
import jsonFile from "./json-file/index.js";
import schedule from "./schedule/index.js";
import github from "./github/connection.js";
import githubSync from "./github/sync.js";
import mqttBroker from "./mqtt/connection.js";
import influxdb from "./influx/connection.js";
import apiAuth from "./api-auth/connection.js";
import apiAuthRoutes from "./api-auth/routes.js";
import apiDocs from "./api-docs/index.js";
import tcpIn from "./tcp-in/index.js";
import validate from "./validate/index.js";
import windowBuffer from "./window-buffer/index.js";
import influxWrite from "./influx/write.js";
import influxQuery from "./influx/query.js";
import mqttIn from "./mqtt/mqtt-in.js";
import mqttOut from "./mqtt/mqtt-out.js";
import healthCheck from "./health/index.js";
import filter from "./filter/index.js";
import delay from "./delay/index.js";
import trigger from "./trigger/index.js";
import split from "./split/index.js";
import join from "./join/index.js";
import batch from "./batch/index.js";
import sort from "./sort/index.js";
import range from "./range/index.js";
import smooth from "./smooth/index.js";
import json from "./json/index.js";
import comment from "./comment/index.js";
import complete from "./complete/index.js";
import file from "./file/index.js";
import fileIn from "./file-in/index.js";
import watch from "./watch/index.js";
import tcpOut from "./tcp-out/index.js";
import tcpRequest from "./tcp-request/index.js";
import udpIn from "./udp-in/index.js";
import udpOut from "./udp-out/index.js";
import websocketClientIn from "./websocket-client-in/index.js";
import websocketClientOut from "./websocket-client-out/index.js";
import exec from "./exec/index.js";
import thresholdAlert from "./threshold-alert/index.js";
import presence from "./presence/index.js";
import solarReading from "./solar-reading/index.js";
import pagedQuery from "./paged-query/index.js";
import tierSelect from "./tier-select/index.js";
import template from "./template/index.js";
import csv from "./csv/index.js";
import yaml from "./yaml/index.js";
import xml from "./xml/index.js";
import html from "./html/index.js";
import energyAvailability from "./energy-availability/index.js";
import { siteNodes } from "./site/index.js";

/** Every node of the standard library; the runtime discovers this module through package.json's "wattflow" field. */
export const nodes: AnyNodeDefinition[] = [
  inject,
  debug,
  change,
  switchNode,
  functionNode,
  catchNode,
  status,
  linkIn,
  linkOut,
  linkCall,
  ...siteNodes,
  httpIn,
  httpResponse,
  httpRequest,
  httpFile,
  wsOut,
  storeWrite,
  storeQuery,
  recordWrite,
  recordQuery,
  retention,
  aggregateWindow,
  calendarRollup,
  modbusRead,
  hostMetrics,
  haSensor,
  jsonFile,
  schedule,
  githubSync,
  mqttIn,
  mqttOut,
  influxWrite,
  influxQuery,
  apiAuthRoutes,
  apiDocs,
  tcpIn,
  validate,
  windowBuffer,
  healthCheck,
  filter,
  delay,
  trigger,
  split,
  join,
  batch,
  sort,
  range,
  smooth,
  json,
  comment,
  complete,
  file,
  fileIn,
  watch,
  tcpOut,
  tcpRequest,
  udpIn,
  udpOut,
  websocketClientIn,
  websocketClientOut,
  exec,
  thresholdAlert,
  presence,
  solarReading,
  pagedQuery,
  tierSelect,
  template,
  csv,
  yaml,
  xml,
  html,
  energyAvailability,
] as AnyNodeDefinition[];
export const connections: AnyConnectionDefinition[] = [modbusDevice, homeAssistant, github, mqttBroker, influxdb, apiAuth] as AnyConnectionDefinition[];

/** Device simulators `wattflow simulate NAME` can run. */
export const simulators: Record<string, Simulator> = {
  epever: {
    summary: "an Epever Tracer-AN charge controller over Modbus TCP, with a day curve",
    async start(options: { port?: number; host?: string; args?: Record<string, string> }) {
      // Simulators load on demand: a runtime that only runs flows never needs their Modbus, WebSocket or MQTT code.
      const { startEpeverSimulator } = await import("./modbus/simulator.js");
      const sim = await startEpeverSimulator({ ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) });
      return { url: sim.url, close: sim.close };
    },
  },
  "home-assistant": {
    summary: "a Home Assistant with a household power sensor (REST and WebSocket APIs); token via --arg token=…",
    async start(options: { port?: number; host?: string; args?: Record<string, string> }) {
      const { startHaSimulator } = await import("./home-assistant/simulator.js");
      const sim = await startHaSimulator({
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...(options.args?.token ? { token: options.args.token } : {}),
        ...(options.args?.entity ? { entityId: options.args.entity } : {}),
      });
      return { url: `${sim.url} (entity ${sim.entityId}, token ${sim.token})`, close: sim.close };
    },
  },
  heatpump: {
    summary: "a heat pump controller publishing readings, status and alerts over MQTT (--device-id site1 --interval 10 --url mqtt://…; MQTT_URL, MQTT_USER, MQTT_PASSWORD)",
    async start(options: { port?: number; host?: string; args?: Record<string, string> }) {
      const a = options.args ?? {};
      const url = a.url ?? process.env.MQTT_URL ?? `mqtt://127.0.0.1:${process.env.MQTT_PORT ?? "1883"}`;
      const { startHeatpumpSimulator } = await import("./heatpump/simulator.js");
      const sim = await startHeatpumpSimulator({
        url,
        deviceId: a["device-id"] ?? "site1",
        interval: Number(a.interval ?? "10"),
        ...((a.username ?? process.env.MQTT_USER) ? { username: a.username ?? process.env.MQTT_USER } : {}),
        ...((a.password ?? process.env.MQTT_PASSWORD) ? { password: a.password ?? process.env.MQTT_PASSWORD } : {}),
      });
      return { url: `${url} as heatpump/${sim.deviceId}/…`, close: sim.close };
    },
  },
};

export default { nodes, connections, simulators };
