import { lines } from "./text.js";

// JSON: a shape line (the reference's "object keys=N [key:type, …]", "array len=N item_shape=(…)",
// "ndjson rows=N") and, when it pays, the value itself with long arrays and strings elided.

const ARRAY_ITEMS = 3;
const OBJECT_KEYS = 25;
const STRING_CHARS = 120;
const DEPTH = 6;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "boolean" ? "bool" : typeof value;
}

export function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `array len=${value.length} item_shape=(${value.length === 0 ? "empty" : shapeOf(value[0])})`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    const fields = entries.slice(0, 20).map(([k, v]) => `${k}:${typeOf(v)}`).join(", ");
    return `object keys=${entries.length} [${fields}${entries.length > 20 ? ", …" : ""}]`;
  }
  return typeOf(value);
}

/** The value with arrays cut to their first items, long strings and deep levels elided. */
export function elide(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return value.length > STRING_CHARS ? `${value.slice(0, STRING_CHARS)}…(+${value.length - STRING_CHARS} chars)` : value;
  }
  if (Array.isArray(value)) {
    if (depth >= DEPTH) return `[… ${value.length} items]`;
    const head = value.slice(0, ARRAY_ITEMS).map((item) => elide(item, depth + 1));
    return value.length > ARRAY_ITEMS ? [...head, `… ${value.length - ARRAY_ITEMS} more items`] : head;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (depth >= DEPTH) return `{… ${entries.length} keys}`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries.slice(0, OBJECT_KEYS)) out[k] = elide(v, depth + 1);
    if (entries.length > OBJECT_KEYS) out["…"] = `${entries.length - OBJECT_KEYS} more keys`;
    return out;
  }
  return value;
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The JSON document `text` is, when it starts like one and parses; else undefined. */
export function jsonDocument(text: string): { value: unknown } | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  const doc = parse(text);
  return doc.ok ? doc : undefined;
}

export type JsonObject = Record<string, unknown>;
export const isJsonObject = (value: unknown): value is JsonObject => value !== null && typeof value === "object" && !Array.isArray(value);

/** A report read from a JSON document: its view, and the document's lines (trimmed), which the
 *  view stands for, declared to the safety net so that it does not put the document back. */
export function reportView(text: string, report: string): { text: string; declared: Set<string> } {
  return { text: report, declared: new Set(lines(text).map((line) => line.trim())) };
}

/** A whole document as its shape and, when that pays, its elided value; `text` is what it was parsed from. */
export function documentView(value: unknown, text: string): string {
  const shape = shapeOf(value);
  const body = JSON.stringify(elide(value));
  // The elided value is worth its tokens only when it is much smaller than the raw text.
  return body.length * 2 < text.trim().length ? `${shape}\n${body}` : shape;
}

export function compressJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  const whole = parse(trimmed);
  if (whole.ok) return documentView(whole.value, trimmed);
  // Only a line that opens and closes an object or array can be an NDJSON row; trying the others
  // would throw, one exception per line of a pretty-printed fragment (a tail cut into a document).
  const row = (line: string): ReturnType<typeof parse> => (/^[[{].*[}\]]$/.test(line) ? parse(line) : { ok: false });
  const rows = lines(trimmed).map((line) => row(line.trim()));
  if (!rows.some((row) => row.ok)) return undefined;
  const shapes = new Map<string, number>();
  for (const row of rows) if (row.ok) shapes.set(shapeOf(row.value), (shapes.get(shapeOf(row.value)) ?? 0) + 1);
  const first = rows.find((row) => row.ok) as { value: unknown };
  const last = [...rows].reverse().find((row) => row.ok) as { value: unknown };
  const out = [`ndjson rows=${rows.length} sample_shapes:`];
  for (const [shape, n] of [...shapes].slice(0, 10)) out.push(n > 1 ? `${shape} (${n}x)` : shape);
  if (shapes.size > 10) out.push(`… ${shapes.size - 10} more shapes`);
  const unparsed = rows.filter((row) => !row.ok).length;
  if (unparsed > 0) out.push(`${unparsed} lines are not JSON`);
  out.push(`first: ${JSON.stringify(elide(first.value))}`);
  if (rows.length > 1) out.push(`last: ${JSON.stringify(elide(last.value))}`);
  return out.join("\n");
}
