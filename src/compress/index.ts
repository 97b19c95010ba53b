import { foldRepeatedBlocks } from "./blocks.js";
import { compressDiagnostics } from "./diagnostics.js";
import { compressErrors } from "./errors.js";
import { safetyNet, withFailureMemo } from "./failure.js";
import { compressGit } from "./git.js";
import { compressJson, jsonDocument } from "./json.js";
import { jsonDiagnostics } from "./json-diagnostics.js";
import { jsonTestReport } from "./json-tests.js";
import { compressLogs } from "./logs.js";
import type { CompressionMode } from "./modes.js";
import { packageView } from "./packages.js";
import { route, type DetectedKind } from "./route.js";
import { compressEnv, compressFileText, compressList, compressSearch, compressTable } from "./system.js";
import { compressTests } from "./tests.js";
import { boundedSummary, byteLength, stripAnsi } from "./text.js";

// Inline output compression: beside the raw excerpts (which never change), a condensed view of
// what a command printed, for an agent that pays per token. One pure function; the CLI, HTTP and
// MCP call it on the excerpts they already return (already masked), and add the result as
// `compression` unless the mode is `off`.

export { COMPRESSION_MODES, DEFAULT_COMPRESSION_MODE, effectiveCompressionMode, isCompressionMode, parseCompressionMode, resolveCliCompression } from "./modes.js";
export type { CompressionMode } from "./modes.js";
export type { DetectedKind } from "./route.js";

export interface CompressInput {
  mode: CompressionMode;
  /** The job's argv (a shell's -c script is looked into). */
  command: readonly string[];
  stdout: string;
  stderr: string;
  /** Bytes of the raw excerpts; defaults to their UTF-8 length. */
  stdoutOriginalBytes?: number;
  stderrOriginalBytes?: number;
  /** Named in the view when it cannot show every failure line. */
  stdoutLogPath?: string;
  stderrLogPath?: string;
}

/** The `compression` object of run/start/restart/tail (schema: CompressionData). */
export interface Compression {
  mode: Exclude<CompressionMode, "off">;
  applied: boolean;
  detected_kind: DetectedKind;
  stdout: string;
  stderr: string;
  stdout_original_bytes: number;
  stderr_original_bytes: number;
  stdout_compressed_bytes: number;
  stderr_compressed_bytes: number;
  omitted: boolean;
  strategy: string[];
}

const MODE_KIND: Record<Exclude<CompressionMode, "off" | "route">, DetectedKind> = {
  errors: "errors", tests: "tests", logs: "logs", git: "git", json: "json", summary: "summary",
};

type FamilyView = string | { text: string; declared: Set<string> } | undefined;

interface Family {
  strategy: string;
  /** The view; or the view and the failure lines it declares dropped (counted, full log named). */
  compress: (text: string, kind: DetectedKind, logPath: string | undefined) => FamilyView;
  /** For a stream that is one JSON document (jest --json, eslint --format json): its view, or
   *  undefined to read it as text. `text` is what `doc` was parsed from. */
  report?: (doc: unknown, text: string, logPath: string | undefined) => FamilyView;
  /** Whether lines naming errors are failures (in test output) or content (in a diff, a grep). */
  failures: boolean;
}

const diagnostics: Family = { strategy: "diagnostic-focus", compress: compressDiagnostics, report: jsonDiagnostics, failures: true };
const tests: Family = { strategy: "test-failure-focus", compress: (text, _kind, logPath) => compressTests(text, logPath), report: jsonTestReport, failures: true };
const logs: Family = { strategy: "dedupe-normalized-log-lines", compress: (text, _kind, logPath) => compressLogs(text, logPath), failures: true };
const packages: Family = { strategy: "package-summary", compress: (text, _kind, logPath) => packageView(text, logPath), failures: true };
const table: Family = { strategy: "table-summary", compress: compressTable, failures: false };

function family(kind: DetectedKind): Family {
  switch (kind) {
    case "errors": return { strategy: "failure-focus", compress: compressErrors, failures: true };
    case "tests": case "cargo-test": case "js-test": case "python-test": case "go-test": return tests;
    case "typescript": case "js-lint": case "python-lint": case "python-typecheck": case "go-diagnostics":
    case "rust-diagnostics": case "c-diagnostics": return diagnostics;
    case "js-packages": case "python-packages": case "rust-packages": case "system-packages": return packages;
    case "logs": case "docker-logs": case "kubernetes-logs": return logs;
    case "docker-table": case "kubernetes-table": return table;
    case "json": case "json-structure": return { strategy: "json-structure", compress: compressJson, failures: false };
    case "search": return { strategy: "search-summary", compress: compressSearch, failures: false };
    case "list": return { strategy: "directory-grouping", compress: compressList, failures: false };
    case "env": return { strategy: "env-mask-and-prefix-group", compress: compressEnv, failures: false };
    // A file read with cat or tail is often a log: its failure lines are failures.
    case "file-text": return { strategy: "head-tail-text-summary", compress: compressFileText, failures: true };
    case "summary": return { strategy: "bounded-summary", compress: (text) => boundedSummary(text), failures: false };
    default: return { strategy: `${kind}-summary`, compress: (text, k) => compressGit(k, text), failures: false };
  }
}

interface View { text: string; restored: boolean; folded: boolean }

function view(f: Family, kind: DetectedKind, raw: string, logPath: string | undefined): View {
  if (raw === "") return { text: "", restored: false, folded: false };
  // A command's output (not a diff's or a document's content) is looked at once per repeated block.
  const plain = stripAnsi(raw);
  const { text, notes } = f.failures ? foldRepeatedBlocks(plain) : { text: plain, notes: [] };
  const doc = f.report === undefined ? undefined : jsonDocument(text);
  const result = (doc === undefined ? undefined : f.report!(doc.value, text, logPath)) ?? f.compress(text, kind, logPath);
  let out = typeof result === "object" ? result.text : result;
  if (out === undefined || (out === "" && text.trim() !== "")) out = boundedSummary(text);
  if (notes.length > 0) out = [out, ...notes].join("\n");
  if (!f.failures) return { text: out, restored: false, folded: false };
  // The copies folded away hold the lines of the copy kept: the kept text has every failure line.
  const net = safetyNet(text, out, logPath, typeof result === "object" ? result.declared : undefined);
  return { text: net.view, restored: net.restored, folded: notes.length > 0 };
}

export function compressOutput(input: CompressInput): Compression | undefined {
  return input.mode === "off" ? undefined : withFailureMemo(() => compress(input, input.mode as Exclude<CompressionMode, "off">));
}

function compress(input: CompressInput, mode: Exclude<CompressionMode, "off">): Compression {
  const kind = mode === "route" ? route(input.command, input.stdout, input.stderr) : MODE_KIND[mode];
  const [rawOut, rawErr] = [byteLength(input.stdout), byteLength(input.stderr)];
  const base = {
    mode,
    detected_kind: kind,
    stdout_original_bytes: input.stdoutOriginalBytes ?? rawOut,
    stderr_original_bytes: input.stderrOriginalBytes ?? rawErr,
  };
  const guarded = { ...base, applied: false, stdout: "", stderr: "", stdout_compressed_bytes: 0, stderr_compressed_bytes: 0, omitted: false, strategy: ["expansion-guard"] };
  // The view of no output is no view (a command that was not found: 0.2.31's shell printed "not
  // found" there), and a silent run need not build one to find out.
  if (rawOut + rawErr === 0) return guarded;
  const f = family(kind);
  const stdout = view(f, kind, input.stdout, input.stdoutLogPath);
  const stderr = view(f, kind, input.stderr, input.stderrLogPath);
  const [outBytes, errBytes] = [byteLength(stdout.text), byteLength(stderr.text)];
  // The expansion guard: a view that is not smaller than its raw stream is no view at all.
  if ((rawOut > 0 && outBytes >= rawOut) || (rawErr > 0 && errBytes >= rawErr)) return guarded;
  const omitted = outBytes < rawOut || errBytes < rawErr;
  const strategy = [f.strategy];
  if (stdout.folded || stderr.folded) strategy.push("repeated-blocks-folded");
  if (stdout.restored || stderr.restored) strategy.push("failure-lines-kept");
  if (omitted) strategy.push("truncation");
  return { ...base, applied: true, stdout: stdout.text, stderr: stderr.text, stdout_compressed_bytes: outBytes, stderr_compressed_bytes: errBytes, omitted, strategy };
}
