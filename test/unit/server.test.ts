import { describe, expect, test } from "vitest";
import { bearerMatches, isLoopbackHost } from "../../src/server/auth.js";
import { DEFAULT_BIND, httpStatusOf, parseBind, portProblem } from "../../src/server/http.js";

describe("serve helpers", () => {
  test("loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "[::]", "192.168.1.10", "10.0.0.1", "::ffff:10.0.0.1", "example.com", "128.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  test("bearer tokens", () => {
    expect(bearerMatches("Bearer s3cret", "s3cret")).toBe(true);
    expect(bearerMatches("bearer  s3cret ", "s3cret")).toBe(true);
    expect(bearerMatches(undefined, "s3cret")).toBe(false);
    expect(bearerMatches("", "s3cret")).toBe(false);
    expect(bearerMatches("s3cret", "s3cret")).toBe(false);
    expect(bearerMatches("Basic s3cret", "s3cret")).toBe(false);
    expect(bearerMatches("Bearer s3cre", "s3cret")).toBe(false);
    expect(bearerMatches("Bearer s3cret2", "s3cret")).toBe(false);
  });

  test("--bind and --port", () => {
    expect(parseBind("127.0.0.1:19263")).toEqual({ host: "127.0.0.1", port: 19263 });
    expect(parseBind("127.0.0.1")).toEqual({ host: "127.0.0.1", port: 19263 });
    expect(parseBind("127.0.0.1:8080", 0)).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseBind("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(parseBind("localhost:1")).toEqual({ host: "localhost", port: 1 });
    for (const bad of ["", ":80", "127.0.0.1:70000", "127.0.0.1:x", "::1:80"]) {
      expect(() => parseBind(bad), bad).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    }
    // The message names the flag that was wrong: a bad --port used to blame --bind's default.
    expect(() => parseBind(DEFAULT_BIND, 99999)).toThrow(/^invalid --port 99999: expected a port number 0-65535$/);
    expect(() => parseBind("127.0.0.1:99999")).toThrow(/^invalid --bind "127.0.0.1:99999": expected a port number 0-65535$/);
    for (const bad of [-1, 1.5, NaN, 65536]) expect(() => parseBind(DEFAULT_BIND, bad), String(bad)).toThrow(/--port/);
  });

  test("one port rule for --port, --bind and the library", () => {
    for (const good of [0, 1, 65535, "0", "8080", "65535"]) expect(portProblem(good), String(good)).toBeUndefined();
    for (const bad of [-1, 65536, 99999, 1.5, NaN, "", "abc", "99999", "1e3", "0x50", "-1", null]) expect(portProblem(bad), String(bad)).toBeDefined();
  });

  test("error codes map to HTTP statuses", () => {
    expect(httpStatusOf("invalid_request")).toBe(400);
    expect(httpStatusOf("usage_error")).toBe(400);
    expect(httpStatusOf("invalid_job_id")).toBe(400);
    expect(httpStatusOf("ambiguous_job_id")).toBe(400);
    expect(httpStatusOf("invalid_state")).toBe(400);
    expect(httpStatusOf("unauthorized")).toBe(401);
    expect(httpStatusOf("job_not_found")).toBe(404);
    expect(httpStatusOf("not_found")).toBe(404);
    expect(httpStatusOf("method_not_allowed")).toBe(405);
    expect(httpStatusOf("payload_too_large")).toBe(413);
    expect(httpStatusOf("corrupt_job")).toBe(500);
    expect(httpStatusOf("io_error")).toBe(500);
    expect(httpStatusOf("internal_error")).toBe(500);
  });
});
