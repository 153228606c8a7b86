/**
 * Immutable property paths (`payload.battery.voltage`, `items[2].name`).
 * Setting returns a new object that shares every branch it did not touch.
 */
export type PathSegment = string | number;

export class PathError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`invalid property path "${path}": ${reason}`);
    this.name = "PathError";
  }
}

const cache = new Map<string, PathSegment[]>();

export function parsePath(path: string): PathSegment[] {
  const hit = cache.get(path);
  if (hit) return hit;
  const segments: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[["']([^"']*)["']\]/gy;
  let pos = 0;
  while (pos < path.length) {
    if (path[pos] === "." && pos > 0) pos += 1;
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) throw new PathError(path, `unexpected "${path[pos]}" at ${pos}`);
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3] ?? "");
    pos = re.lastIndex;
  }
  if (segments.length === 0) throw new PathError(path, "empty path");
  if (cache.size < 10_000) cache.set(path, segments);
  return segments;
}

export function getPath(root: unknown, path: string | PathSegment[]): unknown {
  const segments = typeof path === "string" ? parsePath(path) : path;
  let cur: unknown = root;
  for (const seg of segments) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function shallowCopy(value: unknown, nextSeg: PathSegment | undefined): Record<string | number, unknown> | unknown[] {
  if (Array.isArray(value)) return value.slice();
  if (value !== null && typeof value === "object") {
    // Assigning an own "__proto__" key (parsed JSON has them) would set the copy's prototype; spread defines it.
    return Object.hasOwn(value, "__proto__") ? { ...(value as Record<string, unknown>) } : Object.assign({}, value as Record<string, unknown>);
  }
  return typeof nextSeg === "number" ? [] : {};
}

/** `obj[key] = value`, except that a "__proto__" key stays an own property instead of replacing the prototype. */
function put(obj: Record<string | number, unknown>, key: PathSegment, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

export function setPath<T extends object>(root: T, path: string | PathSegment[], value: unknown): T {
  const segments = typeof path === "string" ? parsePath(path) : path;
  const out = shallowCopy(root, segments[0]) as Record<string | number, unknown>;
  let dst = out;
  let src: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i]!;
    src = src !== null && typeof src === "object" ? (src as Record<string | number, unknown>)[seg] : undefined;
    const copy = shallowCopy(src, segments[i + 1]) as Record<string | number, unknown>;
    put(dst, seg, copy);
    dst = copy;
  }
  put(dst, segments[segments.length - 1]!, value);
  return out as T;
}

export function deletePath<T extends object>(root: T, path: string | PathSegment[]): T {
  const segments = typeof path === "string" ? parsePath(path) : path;
  if (getPath(root, segments.slice(0, -1)) === undefined && segments.length > 1) return root;
  const parentPath = segments.slice(0, -1);
  const last = segments[segments.length - 1]!;
  const parent = parentPath.length ? getPath(root, parentPath) : root;
  if (parent === null || typeof parent !== "object" || !(last in (parent as object))) return root;
  const copy = shallowCopy(parent, undefined) as Record<string | number, unknown>;
  if (Array.isArray(copy) && typeof last === "number") copy.splice(last, 1);
  else delete copy[last];
  return parentPath.length ? setPath(root, parentPath, copy) : (copy as T);
}
