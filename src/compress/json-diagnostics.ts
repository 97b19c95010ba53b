import { documentView, isJsonObject as isObj, type JsonObject as Obj, reportView } from "./json.js";

// A linter's or compiler's JSON report (eslint --format json, ruff/mypy/pyright -o json, SARIF-like
// lists): every diagnostic object found in it, grouped by file like the text reports are ("path",
// then "  line:col severity message rule"). A JSON document without any is shown by its shape, as
// the json family would, never dropped.

interface Diagnostic { loc: string; text: string }

const FILE_KEYS = ["filePath", "file", "filename", "path", "uri"] as const;
const MESSAGE_KEYS = ["message", "msg", "text", "description"] as const;
const CODE_KEYS = ["ruleId", "code", "rule", "check_name", "symbol"] as const;
const DEPTH = 8;

const str = (o: Obj, keys: readonly string[]): string | undefined => {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === "string" && v !== "") return v;
    if (isObj(v) && typeof v.text === "string") return v.text; // { message: { text } }
  }
  return undefined;
};
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

/** "line:col" of a diagnostic: its own fields, or a location/start object's. */
function locationOf(o: Obj): string | undefined {
  for (const at of [o, o.location, o.start, isObj(o.location) ? o.location.start : undefined, o.range]) {
    if (!isObj(at)) continue;
    const line = num(at.line) ?? num(at.lineNumber) ?? num(at.row) ?? num(at.startLine);
    if (line === undefined) continue;
    const col = num(at.column) ?? num(at.col) ?? num(at.character) ?? num(at.startColumn);
    return col === undefined ? String(line) : `${line}:${col}`;
  }
  return undefined;
}

function severityOf(o: Obj): string | undefined {
  const s = o.severity ?? o.level ?? o.type;
  if (s === 2 || s === "2") return "error";
  if (s === 1 || s === "1") return "warning";
  return typeof s === "string" && /^[a-z]+$/i.test(s) ? s.toLowerCase() : undefined;
}

function collect(value: unknown, file: string | undefined, out: Map<string, Diagnostic[]>, depth: number): void {
  if (depth > DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, file, out, depth + 1);
    return;
  }
  if (!isObj(value)) return;
  const own = str(value, FILE_KEYS) ?? file;
  const message = str(value, MESSAGE_KEYS);
  const loc = locationOf(value);
  if (own !== undefined && message !== undefined && loc !== undefined) {
    const text = [severityOf(value), message, str(value, CODE_KEYS)].filter((part) => part !== undefined).join(" ");
    const list = out.get(own) ?? [];
    list.push({ loc, text });
    out.set(own, list);
    return;
  }
  for (const child of Object.values(value)) if (typeof child === "object") collect(child, own, out, depth + 1);
}

/** The view of a JSON document from a linter (`text` is what it was parsed from): its diagnostics, or its shape when it holds none. */
export function jsonDiagnostics(doc: unknown, text: string, logPath: string | undefined): string | { text: string; declared: Set<string> } {
  const byFile = new Map<string, Diagnostic[]>();
  collect(doc, undefined, byFile, 0);
  if (byFile.size === 0) return documentView(doc, text);
  const out: string[] = [];
  let total = 0;
  for (const [file, diagnostics] of byFile) {
    out.push(file);
    for (const d of diagnostics) out.push(`  ${d.loc} ${d.text}`);
    total += diagnostics.length;
  }
  out.push(`(${total} diagnostics in ${byFile.size} files, from the JSON report; full log: ${logPath ?? "the job's log file"})`);
  return reportView(text, out.join("\n"));
}
