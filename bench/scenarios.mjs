/** The benchmark scenarios, shared by both workers so both systems run the same shape. */
export const MESSAGES = 200_000;
/**
 * Messages per run for each system: enough that each run lasts 1–6 s, so what is timed is the steady rate, not
 * the JIT's warm-up. A Wattflow run of 200,000 messages lasted 0.1–0.2 s, of which the first 10,000 messages
 * (interpreted code, background compiles) took a quarter; Node-RED's 200,000 take 3–6 s.
 */
export const RUN_MESSAGES = { wattflow: 2_000_000, nodered: MESSAGES };
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
 * What one sink must receive: `count` messages; `index(msg)` says which one a message is (-1: none the scenario
 * sends this sink), `valid(msg, i)` whether its content is what was sent. Every scenario keeps order per sink.
 */
const counted = (props, messages) => ({
  count: messages,
  index: (msg) => (Number.isInteger(msg.payload) && msg.payload >= 0 && msg.payload < messages ? msg.payload : -1),
  // Named property reads, not msg[p] in a loop: the check is on the clock and costs both systems the same.
  valid: new Function("msg", `return ${props.map((p) => `msg[${JSON.stringify(p)}] === 1`).join(" && ")};`),
});
// The filter's sink: reading `seq` of each plateau's first, as sent (the source numbers its readings in `seq`).
const firstOfPlateau = (messages) => ({
  count: messages / PLATEAU,
  index: (msg) => (Number.isInteger(msg.seq) && msg.seq % PLATEAU === 0 && msg.seq < messages ? msg.seq / PLATEAU : -1),
  valid: (msg) => msg.payload === noisyReading(msg.seq),
});

/**
 * Tallies what a scenario's sinks receive and decides the run's end: every expected message arrived once, or
 * it is certain some never will (`lost` > 0: each sink has seen its last message, or nothing arrived for
 * `idleTicks` on-time checks, 2 s, after the source finished). Duplicates, out-of-order, wrong and unexpected
 * messages are counted apart from losses.
 */
export function createTally(name, { idleTicks = 10, tickMs = 200, messages = MESSAGES } = {}) {
  const { expected, sinks } = scenario(name, messages);
  const state = Object.fromEntries(Object.entries(sinks).map(([id, spec]) => [id, { spec, seen: new Uint8Array(spec.count), next: 0, lastSeen: false }]));
  const t = { expected, received: 0, unique: 0, duplicates: 0, outOfOrder: 0, wrong: 0, unexpected: 0 };
  // Kept as a count, so checking "every sink saw its last" costs nothing per message (the tally is on the clock).
  let sinksAtLast = 0;
  const sinkCount = Object.keys(state).length;
  let sourceDone = false;
  let ended = false;
  let onEnd = () => undefined;
  let idle = 0;
  let atLastTick = 0;
  const summary = () => ({ ...t, lost: expected - t.unique });
  // The clock stops at the end; the counts are taken one tick later, so a late duplicate is still seen.
  const end = () => {
    if (ended) return;
    ended = true;
    const endedAt = performance.now();
    clearInterval(watch);
    setTimeout(() => onEnd({ ...summary(), endedAt }), tickMs);
  };
  let lastTickAt = performance.now();
  const watch = setInterval(() => {
    const now = performance.now();
    // A late tick means the event loop was busy (messages still on their way), not that the sinks are idle.
    const onTime = now - lastTickAt < tickMs * 1.5;
    lastTickAt = now;
    if (!sourceDone) return;
    idle = t.received === atLastTick && onTime ? idle + 1 : 0;
    atLastTick = t.received;
    if (idle >= idleTicks) end();
  }, tickMs);
  return {
    /** Counts one message arriving at sink `id`; true once the run has ended (all arrived, or a loss is certain). `onEnd` gets the counts and `endedAt` (performance.now()). */
    accept(id, msg) {
      const s = state[id];
      t.received += 1;
      const i = s ? s.spec.index(msg) : -1;
      if (i < 0) t.unexpected += 1;
      else if (s.seen[i]) t.duplicates += 1;
      else {
        s.seen[i] = 1;
        t.unique += 1;
        // A later message seen first: this one is out of order (a gap alone may still be a loss).
        if (i < s.next) t.outOfOrder += 1;
        else s.next = i + 1;
        if (!s.spec.valid(msg, i)) t.wrong += 1;
        if (i === s.spec.count - 1) {
          s.lastSeen = true;
          sinksAtLast += 1;
        }
      }
      if (t.unique === expected || sinksAtLast === sinkCount) end();
      return ended;
    },
    /** The source has sent everything: from now on, a sink that stays idle means the rest is lost. */
    sourceFinished() {
      sourceDone = true;
    },
    onEnd(fn) {
      onEnd = fn;
    },
    summary,
  };
}

/** Why a tally's run failed, or null when every message arrived once, in order, as sent. */
export function tallyFailure(r) {
  const parts = [];
  if (r.lost > 0) parts.push(`${r.lost} lost`);
  if (r.duplicates > 0) parts.push(`${r.duplicates} duplicated`);
  if (r.outOfOrder > 0) parts.push(`${r.outOfOrder} out of order`);
  if (r.wrong > 0) parts.push(`${r.wrong} with wrong content`);
  if (r.unexpected > 0) parts.push(`${r.unexpected} unexpected`);
  return parts.length ? `${parts.join(", ")} (${r.unique} of ${r.expected} arrived, ${r.received} deliveries)` : null;
}

/**
 * chain5: source → 5 change nodes (each sets one property) → sink.
 * fanout: source → 4 branches of 2 change nodes → 4 sinks.
 * burst: source (one message) → a function node sending `messages` in a loop → 5 change nodes → sink.
 * filter: `messages` noisy sensor readings → deadband (report by exception) → sink.
 * Returns node specs: { id, kind: "source"|"change"|"function"|"deadband"|"sink", prop?, messages?, stream?, loop?, band?, wires: string[] }.
 */
export function scenario(name, messages = MESSAGES) {
  if (name === "chain5") {
    const nodes = [{ id: "src", kind: "source", messages, wires: ["c1"] }];
    for (let i = 1; i <= 5; i++) nodes.push({ id: `c${i}`, kind: "change", prop: `p${i}`, wires: [i < 5 ? `c${i + 1}` : "sink"] });
    nodes.push({ id: "sink", kind: "sink", wires: [] });
    return { nodes, expected: messages, sinks: { sink: counted(["p1", "p2", "p3", "p4", "p5"], messages) } };
  }
  if (name === "fanout") {
    const nodes = [{ id: "src", kind: "source", messages, wires: ["a1", "b1", "c1", "d1"] }];
    for (const b of ["a", "b", "c", "d"]) {
      nodes.push({ id: `${b}1`, kind: "change", prop: `${b}1`, wires: [`${b}2`] });
      nodes.push({ id: `${b}2`, kind: "change", prop: `${b}2`, wires: [`sink_${b}`] });
      nodes.push({ id: `sink_${b}`, kind: "sink", wires: [] });
    }
    const sinks = Object.fromEntries(["a", "b", "c", "d"].map((b) => [`sink_${b}`, counted([`${b}1`, `${b}2`], messages)]));
    return { nodes, expected: messages * 4, sinks };
  }
  if (name === "burst") {
    // The source sends one message; a function node turns it into `messages` in a loop.
    const nodes = [{ id: "src", kind: "source", messages: 1, wires: ["fn"] }, { id: "fn", kind: "function", loop: messages, wires: ["c1"] }];
    for (let i = 1; i <= 5; i++) nodes.push({ id: `c${i}`, kind: "change", prop: `p${i}`, wires: [i < 5 ? `c${i + 1}` : "sink"] });
    nodes.push({ id: "sink", kind: "sink", wires: [] });
    return { nodes, expected: messages, sinks: { sink: counted(["p1", "p2", "p3", "p4", "p5"], messages) } };
  }
  if (name === "filter") {
    // A noisy sensor: plateaus of PLATEAU readings that step by 2, noise within ±0.1, through a deadband of 1:
    // exactly the first reading of each plateau passes, whichever reading a deadband compares with.
    const nodes = [
      { id: "src", kind: "source", messages, stream: "noisy", wires: ["rbe"] },
      { id: "rbe", kind: "deadband", band: 1, wires: ["sink"] },
      { id: "sink", kind: "sink", wires: [] },
    ];
    return { nodes, expected: messages / PLATEAU, sinks: { sink: firstOfPlateau(messages) } };
  }
  throw new Error(`unknown scenario ${name}`);
}

/** Each side's settings in a scenario, printed in its row: the same shape, each system's own nodes. */
export function scenarioSettings(name) {
  const common = "NODE_ENV=production; the sink checks every message";
  const shape = {
    chain5: ["5 × change (set one property)", "5 × change (set one property)"],
    fanout: ["4 branches × 2 change (one message object shared)", "4 branches × 2 change (Node-RED clones for each extra wire)"],
    burst: ["function: await node.send() loop → 5 × change", "function: node.send() loop → 5 × change"],
    filter: ["filter (deadband 1, compare last output)", "rbe (deadband 1, compare last output)"],
  }[name];
  return {
    wattflow: `${shape[0]}; source pauses while a queue is full; messages not frozen (production default); ${common}`,
    nodered: `${shape[1]}; no pause signal; ${common}`,
  };
}
