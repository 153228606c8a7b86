/** The benchmark scenarios, shared by both workers so both systems run the same shape. */
export const MESSAGES = 200_000;
export const BATCH = 1000;

/**
 * chain5: source → 5 change nodes (each sets one property) → sink.
 * fanout: source → 4 branches of 2 change nodes → 4 sinks.
 * Returns node specs: { id, kind: "source"|"change"|"sink", prop?, wires: string[] }.
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
  throw new Error(`unknown scenario ${name}`);
}
