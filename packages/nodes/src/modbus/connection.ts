import { defineConnection, Type } from "@wattflow/runtime";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { readDocs } from "../shared/docs.js";
import { openDevice, parseDeviceUrl, type ModbusDevice } from "./device.js";

export default defineConnection({
  type: "modbus-device",
  summary: "A Modbus link: TCP (tcp://host:502), RTU over serial (rtu:///dev/ttyACM0?baud=115200) or the built-in simulator (sim://epever).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ minLength: 1, description: "tcp://host:port, rtu:///dev/ttyUSB0?baud=115200&parity=none, or sim://epever" }),
    timeout: Type.String({ pattern: DURATION_PATTERN, default: "2s", description: "per request" }),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 2, description: "extra attempts after a timeout" }),
    closeAfterPoll: Type.Boolean({ default: false, description: "close the link after each poll, for devices that allow one master at a time" }),
  }),
  async create(handle, c) {
    parseDeviceUrl(c.url);
    const device: ModbusDevice = await openDevice({ url: c.url, timeoutMs: parseDuration(c.timeout), retries: c.retries, closeAfterPoll: c.closeAfterPoll, log: handle.log });
    return { value: device, close: () => device.close() };
  },
});
