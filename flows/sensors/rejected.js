// Counted and reported with the topic; the reading goes no further.
const n = (context.get("rejected") ?? 0) + 1;
context.set("rejected", n);
node.status({ fill: "yellow", shape: "ring", text: `${n} rejected; last: ${msg.errors.map((e) => e.message).join(", ")}` });
node.warn(`${msg.topic}: reading rejected: ${msg.errors.map((e) => e.message).join("; ")}`);
return null;
