/**
 * `JSON.parse(JSON.stringify(value))` for plain JSON data, without the text in between: the
 * simulation copies every resource of a stack's state on each `up`, and the round trip through a
 * string was its largest cost. Same result as the round trip: undefined, functions and symbols
 * dropped from objects (null in arrays), non-finite numbers null, `toJSON` honoured. Anything else
 * (class instances, boxed primitives, bigint) takes the real round trip, so it fails alike too.
 */
export function jsonCopy<T>(value: T): T {
  return copyValue(value, "") as T;
}

function copyValue(value: unknown, key: string): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null; // -0 is written "0"
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    case "object":
      break;
    default:
      return roundTrip(value);
  }
  if (value === null) return null;
  const obj = value as Record<string, unknown>;
  if (typeof obj.toJSON === "function") return copyValue(obj.toJSON(key), key);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i], String(i)) ?? null;
    return out;
  }
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) return roundTrip(value);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const v = copyValue(obj[k], k);
    if (v === undefined) continue;
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}
