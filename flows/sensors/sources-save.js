// Update a source (msg.existing: the stored one, by id) with the fields a client may change, each checked as DRF words it.
const FIELDS = {
  is_available: [(v) => typeof v === "boolean", "Must be a valid boolean."],
  priority: [Number.isInteger, "A valid integer is required."],
  capacity_kw: [(v) => v === null || typeof v === "number", "A valid number is required."],
  name: [(v) => typeof v === "string" && v.length > 0, "This field may not be blank."],
};
const source = msg.existing.records[0]?.body;
if (!source) return [{ ...msg, statusCode: 404, payload: { detail: "Not found." } }, null];
const given = Object.entries(FIELDS).filter(([field]) => msg.payload?.[field] !== undefined);
const invalid = given.filter(([field, [ok]]) => !ok(msg.payload[field]));
if (invalid.length) return [{ ...msg, statusCode: 400, payload: Object.fromEntries(invalid.map(([field, [, text]]) => [field, [text]])) }, null];
const changed = Object.fromEntries(given.map(([field]) => [field, msg.payload[field]]));
return [null, { ...msg, payload: { ...source, ...changed, updated_at: new Date().toISOString() } }];
