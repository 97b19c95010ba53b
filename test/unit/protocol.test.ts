import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { errorEnvelope, formatEnvelope, okEnvelope, SCHEMA_VERSION } from "../../src/protocol/envelope.js";
import { AgentExecError, ioError, isAgentExecError, type ErrorCode } from "../../src/protocol/errors.js";

const ALL_CODES: ErrorCode[] = [
  "usage_error",
  "invalid_argument",
  "invalid_job_id",
  "job_not_found",
  "ambiguous_job_id",
  "invalid_state",
  "corrupt_job",
  "spawn_failed",
  "signal_failed",
  "stdin_required",
  "stdin_too_large",
  "io_error",
  "internal_error",
];

describe("okEnvelope", () => {
  it("puts schema_version, ok and type first, then the data", () => {
    const envelope = okEnvelope("status", { job_id: "01X", state: "running" });
    expect(envelope).toEqual({ schema_version: "0.1", ok: true, type: "status", job_id: "01X", state: "running" });
    expect(Object.keys(envelope).slice(0, 3)).toEqual(["schema_version", "ok", "type"]);
    expect(SCHEMA_VERSION).toBe("0.1");
  });
});

describe("errorEnvelope", () => {
  it("has code, message and retryable, and no details key when there are none", () => {
    const envelope = errorEnvelope(new AgentExecError("job_not_found", "job not found: X"));
    expect(envelope).toEqual({
      schema_version: "0.1",
      ok: false,
      type: "error",
      error: { code: "job_not_found", message: "job not found: X", retryable: false },
    });
    expect(Object.keys(envelope.error as object)).not.toContain("details");
  });

  it("includes details when present", () => {
    const details = { candidates: ["A", "B"], truncated: false };
    const envelope = errorEnvelope(new AgentExecError("ambiguous_job_id", "ambiguous", { details }));
    expect(envelope.error).toEqual({ code: "ambiguous_job_id", message: "ambiguous", retryable: false, details });
  });

  it("reports an io_error that can pass (EIO) as retryable, with its errno", () => {
    const envelope = errorEnvelope(ioError(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }), "read", "/x/state.json"));
    expect(envelope.error).toMatchObject({ code: "io_error", retryable: true, details: { errno: "EIO" } });
  });
});

describe("formatEnvelope", () => {
  const envelope = okEnvelope("tail", {
    stdout: "line 1\nline 2\n",
    stderr: "tab\there, quote \" and unicode é ✓",
    range: [0, 14],
    nothing: null,
    absent: undefined,
    nested: { also_absent: undefined, kept: 1 },
  });
  const expected = JSON.parse(JSON.stringify(envelope));

  it("JSON: exactly one line ending in a newline", () => {
    const text = formatEnvelope(envelope, false);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(text)).toEqual(expected);
  });

  it("JSON: drops undefined fields", () => {
    const parsed = JSON.parse(formatEnvelope(envelope, false));
    expect("absent" in parsed).toBe(false);
    expect("also_absent" in parsed.nested).toBe(false);
    expect(parsed.nothing).toBeNull();
  });

  it("YAML: parses back to the same object as the JSON, without undefined fields", () => {
    const text = formatEnvelope(envelope, true);
    expect(text.trimStart().startsWith("{")).toBe(false); // real YAML, not JSON
    const parsed = parseYaml(text);
    expect(parsed).toEqual(expected);
    expect("absent" in parsed).toBe(false);
    expect("also_absent" in parsed.nested).toBe(false);
    expect(text).not.toContain("absent");
  });

  it("YAML: error envelopes round-trip too", () => {
    const error = errorEnvelope(new AgentExecError("ambiguous_job_id", "two: matches", { details: { candidates: ["A"] } }));
    expect(parseYaml(formatEnvelope(error, true))).toEqual(error);
  });
});

describe("AgentExecError", () => {
  it.each(ALL_CODES)("%s: retryable only for io_error", (code) => {
    const error = new AgentExecError(code, "m");
    expect(error.retryable).toBe(code === "io_error");
    expect(error.code).toBe(code);
    expect(error.name).toBe("AgentExecError");
    expect(error).toBeInstanceOf(Error);
  });

  it("retryable can be overridden", () => {
    expect(new AgentExecError("internal_error", "m", { retryable: true }).retryable).toBe(true);
    expect(new AgentExecError("io_error", "m", { retryable: false }).retryable).toBe(false);
  });

  it("keeps the cause", () => {
    const cause = new Error("root cause");
    expect(new AgentExecError("internal_error", "m", { cause }).cause).toBe(cause);
  });

  it("ioError names the action and the path", () => {
    const cause = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const error = ioError(cause, "write", "/root/x.json");
    expect(error.code).toBe("io_error");
    expect(error.message).toBe("write /root/x.json: EACCES: permission denied");
    expect(error.cause).toBe(cause);
    expect(ioError("plain string", "read", "/p").message).toBe("read /p: plain string");
  });
});

describe("ioError retryable by errno", () => {
  const fsError = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

  // A retry of the same request would fail the same way: the path or its permissions are wrong.
  it.each(["EACCES", "EPERM", "ENOTDIR", "EISDIR", "ENOENT", "EROFS", "ELOOP", "ENAMETOOLONG", "EEXIST", "EXDEV"])("%s is not retryable", (code) => {
    expect(ioError(fsError(code), "write", "/p")).toMatchObject({ code: "io_error", retryable: false, details: { errno: code } });
  });

  // These pass without the caller changing anything: space is freed, descriptors close, a device recovers.
  it.each(["EAGAIN", "EBUSY", "EINTR", "EIO", "EMFILE", "ENFILE", "ENOSPC", "ENOMEM", "EDQUOT"])("%s is retryable", (code) => {
    expect(ioError(fsError(code), "write", "/p")).toMatchObject({ code: "io_error", retryable: true, details: { errno: code } });
  });

  it("an error without an errno (a lock that kept changing hands) is retryable", () => {
    expect(ioError(new Error("it kept changing hands"), "lock", "/p").retryable).toBe(true);
  });
});

describe("isAgentExecError", () => {
  it("recognises its own errors", () => {
    expect(isAgentExecError(new AgentExecError("usage_error", "m"))).toBe(true);
  });

  it("recognises an error from another copy of the module (brand symbol, not instanceof)", () => {
    const foreign = Object.assign(new Error("m"), { code: "job_not_found", [Symbol.for("agent-exec.error")]: true });
    expect(isAgentExecError(foreign)).toBe(true);
  });

  it.each([
    ["a plain Error", new Error("m")],
    ["an object with a code", { code: "job_not_found", message: "m", retryable: false }],
    ["null", null],
    ["undefined", undefined],
    ["a string", "job_not_found"],
    ["a number", 1],
  ])("rejects %s", (_label, value) => {
    expect(isAgentExecError(value)).toBe(false);
  });
});
