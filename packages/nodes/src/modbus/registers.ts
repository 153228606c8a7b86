/** A register map entry: where a value lives and how to decode it. */
export type RegisterFunction = "input" | "holding" | "coil" | "discrete";
export type RegisterType = "int16" | "uint16" | "int32" | "uint32" | "float32" | "string" | "bool";

export interface RegisterDef {
  /** Dotted output path, e.g. `pv_array.voltage`. */
  name: string;
  address: number;
  function: RegisterFunction;
  type: RegisterType;
  /** Registers a string spans. */
  length?: number;
  /** 32-bit values: which word comes first. */
  wordOrder?: "low-first" | "high-first";
  byteOrder?: "big" | "little";
  /** Multiplier applied after decoding (0.01 for /100). */
  scale?: number;
  unit?: string;
  /** Bit field: the value is (raw >> shift) & mask. */
  bits?: { shift: number; mask: number };
}

export function registerCount(def: RegisterDef): number {
  if (def.function === "coil" || def.function === "discrete") return 1;
  if (def.type === "string") return def.length ?? 1;
  return def.type === "int32" || def.type === "uint32" || def.type === "float32" ? 2 : 1;
}

/** One request: contiguous registers of one function, at most 125 (the protocol's limit). */
export interface ReadBlock {
  function: RegisterFunction;
  address: number;
  length: number;
  defs: RegisterDef[];
}

/**
 * Groups a map into as few requests as possible. Only strictly contiguous
 * registers share a request: some devices (Epever) answer an exception for
 * any unimplemented address inside a range.
 */
export function planReads(defs: readonly RegisterDef[], maxLength = 125): ReadBlock[] {
  const sorted = [...defs].sort((a, b) => (a.function === b.function ? a.address - b.address : a.function.localeCompare(b.function)));
  const blocks: ReadBlock[] = [];
  for (const def of sorted) {
    const count = registerCount(def);
    const last = blocks[blocks.length - 1];
    const end = last ? last.address + last.length : -1;
    if (last && last.function === def.function && def.address <= end && def.address + count - last.address <= maxLength) {
      last.length = Math.max(last.length, def.address + count - last.address);
      last.defs.push(def);
    } else if (last && last.function === def.function && def.address === end && last.length + count <= maxLength) {
      last.length += count;
      last.defs.push(def);
    } else {
      blocks.push({ function: def.function, address: def.address, length: count, defs: [def] });
    }
  }
  return blocks;
}

function word(words: readonly number[], i: number, byteOrder: "big" | "little"): number {
  const w = words[i]! & 0xffff;
  return byteOrder === "little" ? ((w & 0xff) << 8) | (w >> 8) : w;
}

/** Decodes one value from the words (or bits) of its block. */
export function decode(def: RegisterDef, block: ReadBlock, data: readonly number[] | readonly boolean[]): number | string | boolean {
  const offset = def.address - block.address;
  if (def.function === "coil" || def.function === "discrete") return Boolean(data[offset]);
  const words = data as readonly number[];
  const byteOrder = def.byteOrder ?? "big";
  let value: number;
  switch (def.type) {
    case "bool":
      return word(words, offset, byteOrder) !== 0;
    case "string": {
      const bytes: number[] = [];
      for (let i = 0; i < (def.length ?? 1); i++) {
        const w = word(words, offset + i, byteOrder);
        bytes.push(w >> 8, w & 0xff);
      }
      return Buffer.from(bytes).toString("latin1").replace(/\0+$/, "").trim();
    }
    case "uint16":
      value = word(words, offset, byteOrder);
      break;
    case "int16": {
      const w = word(words, offset, byteOrder);
      value = w >= 0x8000 ? w - 0x10000 : w;
      break;
    }
    default: {
      const a = word(words, offset, byteOrder);
      const b = word(words, offset + 1, byteOrder);
      const [hi, lo] = def.wordOrder === "high-first" ? [a, b] : [b, a];
      const buf = Buffer.alloc(4);
      buf.writeUInt16BE(hi, 0);
      buf.writeUInt16BE(lo, 2);
      value = def.type === "float32" ? buf.readFloatBE(0) : def.type === "int32" ? buf.readInt32BE(0) : buf.readUInt32BE(0);
    }
  }
  if (def.bits) value = (value >> def.bits.shift) & def.bits.mask;
  if (def.scale !== undefined) value = Math.round(value * def.scale * 1e6) / 1e6;
  return value;
}
