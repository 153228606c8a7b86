// A decision is kept with what it was based on: the energy-source availability of the moment (msg.availability).
const b = msg.payload ?? {};
const errors = {};
if (typeof b.decision_type !== "string" || !b.decision_type) errors.decision_type = ["This field is required."];
if (b.confidence !== undefined && (typeof b.confidence !== "number" || b.confidence < 0 || b.confidence > 1)) errors.confidence = ["Ensure this value is between 0 and 1."];
if (b.command !== undefined && (typeof b.command?.device_id !== "string" || typeof b.command?.command !== "string")) errors.command = ["A command needs device_id and command."];
if (Object.keys(errors).length) return [{ ...msg, statusCode: 400, payload: errors }, null, null];
const timestamp = new Date().toISOString();
const decision = { decision_type: b.decision_type, recommended_source: b.recommended_source ?? null, confidence: b.confidence ?? null, reasoning: b.reasoning ?? "", parameters: b.parameters ?? {}, command: b.command ?? null, inputs: { energy_sources: msg.availability }, timestamp };
const command = b.command ? { ...msg, params: { device_id: b.command.device_id }, payload: { command: b.command.command, value: b.command.value ?? null, timestamp } } : null;
return [null, { ...msg, payload: decision }, command];
