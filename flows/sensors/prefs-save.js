// Create (POST) or update (PUT) a preference; msg.existing is the stored one, looked up by key.
const body = msg.payload ?? {};
const key = msg.prefKey;
const problems = {
  key: typeof key !== "string" || key.length === 0 ? "This field is required." : key.length > 100 ? "Ensure this field has no more than 100 characters." : null,
  value: body.value === undefined ? "This field is required." : null,
};
const errors = Object.fromEntries(Object.entries(problems).filter(([, text]) => text).map(([field, text]) => [field, [text]]));
if (Object.keys(errors).length) return [{ ...msg, statusCode: 400, payload: errors }, null];
const existed = msg.existing.records[0]?.body;
if (msg.req.method === "POST" && existed) return [{ ...msg, statusCode: 400, payload: { key: ["user preferences with this key already exists."] } }, null];
if (msg.req.method === "PUT" && !existed) return [{ ...msg, statusCode: 404, payload: { detail: "Not found." } }, null];
const now = new Date().toISOString();
const preference = { key, value: body.value, description: body.description ?? existed?.description ?? "", created_at: existed?.created_at ?? now, updated_at: now };
return [null, { ...msg, statusCode: existed ? 200 : 201, payload: preference }];
