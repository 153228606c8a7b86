// The TCP listener's state, for /api/ready/ (the broker's comes from the health check).
const s = msg.status;
const links = flow.get("links") ?? {};
links.tcp = { fill: s.fill ?? "", text: s.text ?? "", since: new Date().toISOString() };
flow.set("links", links);
return null;
