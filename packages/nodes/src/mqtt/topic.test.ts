import { describe, expect, it } from "vitest";
import { fillTopic, matchTopic, parseTopicPattern } from "./topic.js";
import { decodePayload, encodePayload } from "./payload.js";

describe("topic patterns", () => {
  it("named segments subscribe as + and land in params", () => {
    const p = parseTopicPattern("HyperVolt/sensors/{location}/{sensor_type}");
    expect(p.subscription).toBe("HyperVolt/sensors/+/+");
    expect(matchTopic(p, "HyperVolt/sensors/living_room/ldr")).toEqual({ location: "living_room", sensor_type: "ldr" });
    expect(matchTopic(p, "HyperVolt/sensors/living_room")).toBeNull();
    expect(matchTopic(p, "HyperVolt/sensors/a/b/c")).toBeNull();
  });

  it("# matches the rest, including the parent level; $ topics never match a leading wildcard", () => {
    const p = parseTopicPattern("heatpump/{device_id}/status/#");
    expect(matchTopic(p, "heatpump/site1/status/online")).toEqual({ device_id: "site1" });
    expect(matchTopic(p, "heatpump/site1/status")).toEqual({ device_id: "site1" });
    expect(matchTopic(p, "heatpump/site1/data")).toBeNull();
    expect(matchTopic(parseTopicPattern("#"), "$SYS/broker/uptime")).toBeNull();
  });

  it("empty levels are levels, and a level must match whole", () => {
    const p = parseTopicPattern("a/{x}/b");
    expect(matchTopic(p, "a//b")).toEqual({ x: "" });
    expect(matchTopic(parseTopicPattern("a/+"), "a/")).toEqual({});
    expect(matchTopic(parseTopicPattern("a/+"), "a")).toBeNull();
    expect(matchTopic(p, "a/1/bb")).toBeNull();
    expect(matchTopic(p, "ab/1/b")).toBeNull();
    expect(matchTopic(parseTopicPattern("a/b"), "a/b/")).toBeNull();
  });

  it("shared subscriptions keep the $share prefix for the broker and match without it", () => {
    const p = parseTopicPattern("$share/ingest/heatpump/{device_id}/data");
    expect(p.subscription).toBe("$share/ingest/heatpump/+/data");
    expect(matchTopic(p, "heatpump/x/data")).toEqual({ device_id: "x" });
  });

  it("refuses filters MQTT would refuse, saying why", () => {
    expect(() => parseTopicPattern("a/#/b")).toThrow("# must be the last level");
    expect(() => parseTopicPattern("a/b+/c")).toThrow('level "b+" mixes a wildcard with text');
    expect(() => parseTopicPattern("$share//a")).toThrow("$share/<group>/<filter>");
    expect(() => parseTopicPattern("a/{x}/{x}")).toThrow("{x} is named twice");
  });

  it("publish topics are filled from the message and never hold wildcards", () => {
    const msg: Record<string, string> = { "params.device_id": "pi-1", bad: "a/b" };
    expect(fillTopic("HyperVolt/commands/{params.device_id}", (n) => msg[n])).toBe("HyperVolt/commands/pi-1");
    expect(() => fillTopic("x/{missing}", (n) => msg[n])).toThrow("{missing} has no value");
    expect(() => fillTopic("x/{bad}", (n) => msg[n])).toThrow("holds a wildcard or a slash");
    expect(() => fillTopic("x/+", () => undefined)).toThrow("wildcards are for subscriptions");
  });
});

describe("payloads", () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s));
  it("json parses, and says why when it cannot", () => {
    expect(decodePayload(bytes('{"a":1}'), "json", 100)).toEqual({ ok: true, value: { a: 1 } });
    const bad = decodePayload(bytes("{oops"), "json", 100);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^payload is not JSON \(.+\): \{oops$/);
  });
  it("auto passes plain words as text but refuses broken JSON", () => {
    expect(decodePayload(bytes("online"), "auto", 100)).toEqual({ ok: true, value: "online" });
    expect(decodePayload(bytes("42"), "auto", 100)).toEqual({ ok: true, value: 42 });
    expect(decodePayload(bytes('{"a":'), "auto", 100).ok).toBe(false);
  });
  it("refuses invalid UTF-8 and oversize payloads", () => {
    expect(decodePayload(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "json", 100)).toEqual({ ok: false, kind: "invalid-utf8", reason: "payload is not valid UTF-8" });
    expect(decodePayload(new Uint8Array(101), "bytes", 100)).toEqual({ ok: false, kind: "too-large", reason: "payload is 101 bytes, over the 100-byte limit" });
  });
  it("encodes objects as JSON and leaves strings and bytes alone", () => {
    expect(encodePayload({ a: 1 })).toBe('{"a":1}');
    expect(encodePayload("on")).toBe("on");
    expect(encodePayload(Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
  });
});
