import { describe, expect, test } from "vitest";
import { httpStatusOf } from "../../src/server/http.js";
import { parseAllowOrigin, requestGuard } from "../../src/server/request-guard.js";

describe("request guard", () => {
  test("a loopback bind answers to the loopback names and its own address, with its port", () => {
    expect([...requestGuard({ host: "127.0.0.1", port: 19263 }).hosts!].sort()).toEqual(["127.0.0.1:19263", "[::1]:19263", "localhost:19263"]);
    expect(requestGuard({ host: "127.0.0.2", port: 5 }).hosts).toEqual(new Set(["127.0.0.1:5", "localhost:5", "[::1]:5", "127.0.0.2:5"]));
    expect(requestGuard({ host: "::ffff:127.0.0.1", port: 5 }).hosts!.has("[::ffff:127.0.0.1]:5")).toBe(true);
    // port 80 is left out of Host by clients
    const web = requestGuard({ host: "::1", port: 80 }).hosts!;
    for (const host of ["localhost", "127.0.0.1", "[::1]", "localhost:80"]) expect(web.has(host), host).toBe(true);
    expect(requestGuard({ host: "127.0.0.1", port: 8080 }).hosts!.has("localhost")).toBe(false);
  });

  test("a non-loopback bind accepts any Host (it requires a token instead)", () => {
    expect(requestGuard({ host: "0.0.0.0", port: 1 }, "https://a.example").hosts).toBeUndefined();
    expect(requestGuard({ host: "192.168.1.10", port: 1 }).hosts).toBeUndefined();
  });

  test("--allow-origin takes one http(s) origin, serialized as browsers send it", () => {
    expect(parseAllowOrigin("https://app.example.com")).toBe("https://app.example.com");
    expect(parseAllowOrigin("HTTPS://App.Example.COM:443/")).toBe("https://app.example.com");
    expect(parseAllowOrigin("http://localhost:3000")).toBe("http://localhost:3000");
    expect(parseAllowOrigin("http://[::1]:8080")).toBe("http://[::1]:8080");
    for (const bad of ["*", " * ", "", "null", "app.example.com", "https://app.example.com/x", "https://app.example.com?q", "https://app.example.com#f", "https://u:p@app.example.com", "file:///tmp", "ftp://a.example"]) {
      expect(() => parseAllowOrigin(bad), bad).toThrow(expect.objectContaining({ code: "invalid_config" }));
    }
  });

  test("refusals map to 403 and 415", () => {
    expect(httpStatusOf("forbidden_origin")).toBe(403);
    expect(httpStatusOf("invalid_host")).toBe(403);
    expect(httpStatusOf("unsupported_media_type")).toBe(415);
  });
});
