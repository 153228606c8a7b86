import { InfluxDB } from "@influxdata/influxdb-client";
import { baseUrl, InfluxError, request, type InfluxClient, type Row } from "./client.js";

export interface V2Options {
  url: string;
  org: string;
  bucket: string;
  token: string;
  timeoutMs: number;
}

/**
 * InfluxDB 2.x, and 3.x through its v2-compatible `/api/v2/write`. Writes
 * are plain fetch calls: the library's WriteApi buffers and retries by
 * itself, which would hide from us whether a batch was stored, and that
 * answer is what completes messages. Flux queries use the library's CSV parser.
 */
export class V2Client implements InfluxClient {
  readonly version = "v2";
  readonly target: string;
  private readonly base: string;
  private readonly influx: InfluxDB;

  constructor(private readonly o: V2Options) {
    this.base = baseUrl(o.url);
    this.target = `${this.base} bucket "${o.bucket}" (org "${o.org}")`;
    this.influx = new InfluxDB({ url: this.base, token: o.token, timeout: o.timeoutMs });
  }

  async write(lines: readonly string[]): Promise<void> {
    const q = new URLSearchParams({ org: this.o.org, bucket: this.o.bucket, precision: "ms" });
    await request(`InfluxDB write to ${this.target}`, `${this.base}/api/v2/write?${q}`, {
      method: "POST",
      headers: { authorization: `Token ${this.o.token}`, "content-type": "text/plain; charset=utf-8" },
      body: lines.join("\n"),
    }, this.o.timeoutMs);
  }

  async query(q: string): Promise<Row[]> {
    try {
      return await this.influx.getQueryApi(this.o.org).collectRows<Row>(q);
    } catch (err) {
      const e = err as Error & { statusCode?: number };
      // The library's HttpError carries the server's message; its request options (with the token) are not in it.
      throw new InfluxError(`Flux query on ${this.target}: ${e.statusCode ? `HTTP ${e.statusCode} ` : ""}${e.message}`, e.statusCode, e.message);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await request("ping", `${this.base}/ping`, {}, this.o.timeoutMs);
      return true;
    } catch {
      return false;
    }
  }
}
