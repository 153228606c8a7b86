/**
 * Newline framing over a byte stream with a size limit, for one connection.
 * Works on bytes, not text, so a multi-byte character split across TCP
 * chunks is reassembled before anything decodes it, and an over-long line is
 * never held in memory: past the limit its bytes are only counted.
 */

export interface LineSink {
  /** A complete line without its `\n` or `\r\n`. The bytes are only valid during the call. */
  line(bytes: Buffer, lineNo: number): void;
  /**
   * A line longer than the limit. `complete` is false when the splitter
   * stopped at the limit (`stopOnOversize`), so `bytes` is a lower bound.
   */
  oversize(bytes: number, lineNo: number, complete: boolean): void;
}

export interface LineSplitterOptions {
  maxLineBytes: number;
  /** Stop reading at the first oversize line instead of skipping to its end. */
  stopOnOversize?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private stopped = false;
  private lineNo = 0;
  private paused = false;
  /** The unread rest of the chunk that was being split when `pause()` was called. */
  private held: Buffer | null = null;
  private endWhenResumed = false;

  constructor(
    private readonly options: LineSplitterOptions,
    private readonly sink: LineSink,
  ) {}

  /** True once `stopOnOversize` hit a long line, or after `stop()`: further input is ignored. */
  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.parts = [];
    this.held = null;
  }

  /**
   * Stops handing out lines, even in the middle of a chunk (a sink may call
   * it from `line`): a chunk can hold thousands of lines, more than a
   * downstream queue takes. The rest is kept until `resume()`.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = null;
    if (held) this.push(held);
    if (this.endWhenResumed && !this.paused) this.end();
  }

  push(chunk: Buffer): void {
    if (this.paused) {
      // Only the rest of one chunk is ever held: the owner stops reading the socket while paused.
      this.held = this.held ? Buffer.concat([this.held, chunk]) : chunk;
      return;
    }
    let start = 0;
    while (!this.stopped) {
      if (this.paused) {
        if (start < chunk.length) this.held = chunk.subarray(start);
        return;
      }
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        if (start < chunk.length) this.hold(chunk.subarray(start));
        return;
      }
      this.finish(chunk.subarray(start, nl));
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.stopped) return;
    if (this.paused) {
      this.endWhenResumed = true;
      return;
    }
    if (this.pendingBytes > 0 || this.discarding) this.finish(EMPTY);
    this.stopped = true;
  }

  private hold(rest: Buffer): void {
    this.pendingBytes += rest.length;
    if (this.discarding) return;
    // One byte of slack: a line of exactly the limit may be waiting for the `\n` of its `\r\n`.
    if (this.pendingBytes <= this.options.maxLineBytes + 1) {
      this.parts.push(rest);
      return;
    }
    this.parts = [];
    if (this.options.stopOnOversize) {
      this.lineNo += 1;
      this.stop();
      this.sink.oversize(this.pendingBytes, this.lineNo, false);
      return;
    }
    this.discarding = true;
  }

  private finish(tail: Buffer): void {
    this.lineNo += 1;
    const total = this.pendingBytes + tail.length;
    const wasDiscarding = this.discarding;
    const parts = this.parts;
    this.parts = [];
    this.pendingBytes = 0;
    this.discarding = false;
    if (wasDiscarding) {
      this.sink.oversize(total, this.lineNo, true);
      return;
    }
    let line = parts.length === 0 ? tail : Buffer.concat([...parts, tail], total);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.options.maxLineBytes) {
      if (this.options.stopOnOversize) this.stop();
      this.sink.oversize(line.length, this.lineNo, true);
      return;
    }
    this.sink.line(line, this.lineNo);
  }
}
