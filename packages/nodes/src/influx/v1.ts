import { baseUrl, InfluxError, request, type InfluxClient, type Row } from "./client.js";

export interface V1Options {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

interface V1Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

interface V1Response {
  results?: { statement_id?: number; error?: string; series?: V1Series[] }[];
  error?: string;
}

/** InfluxDB 1.x: `/write` with line protocol, `/query` with InfluxQL, `/ping`. */
export class V1Client implements InfluxClient {
  readonly version = "v1";
  readonly target: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: V1Options) {
    this.base = baseUrl(o.url);
    this.target = `${this.base} database "${o.database}"`;
    // Basic auth rather than u=&p= in the query string, so credentials stay out of URLs (and any proxy logs).
    this.headers = o.username ? { authorization: `Basic ${Buffer.from(`${o.username}:${o.password ?? ""}`).toString("base64")}` } : {};
  }

  async write(lines: readonly string[]): Promise<void> {
    const q = new URLSearchParams({ db: this.o.database, precision: "ms" });
    if (this.o.retentionPolicy) q.set("rp", this.o.retentionPolicy);
    await request(`InfluxDB write to ${this.target}`, `${this.base}/write?${q}`, {
      method: "POST",
      headers: { ...this.headers, "content-type": "text/plain; charset=utf-8" },
      body: lines.join("\n"),
    }, this.o.timeoutMs);
  }

  async query(q: string): Promise<Row[]> {
    // POST, because statements such as CREATE DATABASE are refused over GET; epoch=ms gives times as numbers.
    const form = new URLSearchParams({ db: this.o.database, q, epoch: "ms" });
    if (this.o.retentionPolicy) form.set("rp", this.o.retentionPolicy);
    const what = `InfluxQL query on ${this.target}`;
    const res = await request(what, `${this.base}/query`, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    }, this.o.timeoutMs);
    return flattenResults(what, JSON.parse(res.text) as V1Response);
  }

  async ping(): Promise<boolean> {
    try {
      await request("ping", `${this.base}/ping`, { headers: this.headers }, this.o.timeoutMs);
      return true;
    } catch {
      return false;
    }
  }
}

/** Series become flat rows, `{ time, ...tags, ...fields }`; a statement's error becomes the thrown one. */
export function flattenResults(what: string, body: V1Response): Row[] {
  if (body.error) throw new InfluxError(`${what}: ${body.error}`, undefined, body.error);
  const rows: Row[] = [];
  for (const result of body.results ?? []) {
    if (result.error) throw new InfluxError(`${what}: ${result.error}`, undefined, result.error);
    for (const series of result.series ?? []) {
      for (const values of series.values ?? []) {
        const row: Row = { ...series.tags };
        series.columns.forEach((column, i) => {
          row[column] = values[i];
        });
        rows.push(row);
      }
    }
  }
  return rows;
}
