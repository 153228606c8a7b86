/** The benchmark scenarios, shared by both workers so both systems run the same shape. */
export const MESSAGES = 200_000;
export const BATCH = 1000;
export const PLATEAU = 10;

/** Reading i of the filter scenario's noisy sensor (bench.js computes the same for Node-RED). */
export function noisyReading(i) {
  return 20 + (Math.floor(i / PLATEAU) % 2) * 2 + (((i * 37) % 21) - 10) / 100;
}

/** The function node's code in the burst scenario: the idiomatic loop on each system. */
export function burstCode(system, n) {
  // Wattflow: await each send, so what waits for room downstream stays one message (see the function node's README).
  return system === "wattflow" ? `for (let i = 0; i < ${n}; i++) await node.send({ payload: i });\nreturn null;` : `for (let i = 0; i < ${n}; i++) node.send({ payload: i });\nreturn null;`;
}

/**
 * chain5: source → 5 change nodes (each sets one property) → sink.
 * fanout: source → 4 branches of 2 change nodes → 4 sinks.
 * burst: source (one message) → a function node sending MESSAGES in a loop → 5 change nodes → sink.
 * filter: MESSAGES noisy sensor readings → deadband (report by exception) → sink.
 * Returns node specs: { id, kind: "source"|"change"|"function"|"deadband"|"sink", prop?, messages?, stream?, loop?, band?, wires: string[] }.
 */
export function scenario(name) {
  if (name === "chain5") {
    const nodes = [{ id: "src", kind: "source", wires: ["c1"] }];
    for (let i = 1; i <= 5; i++) nodes.push({ id: `c${i}`, kind: "change", prop: `p${i}`, wires: [i < 5 ? `c${i + 1}` : "sink"] });
    nodes.push({ id: "sink", kind: "sink", wires: [] });
    return { nodes, expected: MESSAGES };
  }
  if (name === "fanout") {
    const nodes = [{ id: "src", kind: "source", wires: ["a1", "b1", "c1", "d1"] }];
    for (const b of ["a", "b", "c", "d"]) {
      nodes.push({ id: `${b}1`, kind: "change", prop: `${b}1`, wires: [`${b}2`] });
      nodes.push({ id: `${b}2`, kind: "change", prop: `${b}2`, wires: [`sink_${b}`] });
      nodes.push({ id: `sink_${b}`, kind: "sink", wires: [] });
    }
    return { nodes, expected: MESSAGES * 4 };
  }
  if (name === "burst") {
    // The source sends one message; a function node turns it into MESSAGES in a loop.
    const nodes = [{ id: "src", kind: "source", messages: 1, wires: ["fn"] }, { id: "fn", kind: "function", loop: MESSAGES, wires: ["c1"] }];
    for (let i = 1; i <= 5; i++) nodes.push({ id: `c${i}`, kind: "change", prop: `p${i}`, wires: [i < 5 ? `c${i + 1}` : "sink"] });
    nodes.push({ id: "sink", kind: "sink", wires: [] });
    return { nodes, expected: MESSAGES };
  }
  if (name === "filter") {
    // A noisy sensor: plateaus of PLATEAU readings that step by 2, noise within ±0.1, through a deadband of 1:
    // exactly the first reading of each plateau passes, whichever reading a deadband compares with.
    const nodes = [
      { id: "src", kind: "source", stream: "noisy", wires: ["rbe"] },
      { id: "rbe", kind: "deadband", band: 1, wires: ["sink"] },
      { id: "sink", kind: "sink", wires: [] },
    ];
    return { nodes, expected: MESSAGES / PLATEAU };
  }
  throw new Error(`unknown scenario ${name}`);
}
