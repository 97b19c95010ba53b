import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveSignal, signalNameOf } from "../../src/platform/signals.js";

describe("resolveSignal", () => {
  it.each([
    ["TERM", "TERM"],
    ["term", "TERM"],
    ["SIGTERM", "SIGTERM"],
    ["sigterm", "SIGTERM"],
    ["15", "15"],
    [" TERM ", "TERM"],
  ])("%j → SIGTERM 15", (input, requested) => {
    expect(resolveSignal(input)).toEqual({ requested, name: "SIGTERM", number: 15 });
  });

  it.each([
    ["QUIT", "SIGQUIT", constants.signals.SIGQUIT],
    ["INT", "SIGINT", 2],
    ["HUP", "SIGHUP", 1],
    ["KILL", "SIGKILL", 9],
    ["9", "SIGKILL", 9],
    ["SIGKILL", "SIGKILL", 9],
    ["usr1", "SIGUSR1", constants.signals.SIGUSR1],
    ["2", "SIGINT", 2],
  ])("%j → %s", (input, name, number) => {
    expect(resolveSignal(input)).toMatchObject({ name, number });
  });

  it.each(["FOO", "SIGFOO", ""])("unknown name %j → SIGKILL, reporting what was asked", (input) => {
    expect(resolveSignal(input)).toEqual({ requested: input.toUpperCase(), name: "SIGKILL", number: 9 });
  });

  it.each(["0", "99", "-9", "+0"])("number %j that is not a signal is an invalid_argument error, never SIGKILL", (input) => {
    expect(() => resolveSignal(input)).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("keeps the requested spelling upper-cased", () => {
    expect(resolveSignal("foo").requested).toBe("FOO");
    expect(resolveSignal("Quit").requested).toBe("QUIT");
  });
});

describe("signalNameOf", () => {
  it("names known numbers and not unknown ones", () => {
    expect(signalNameOf(15)).toBe("SIGTERM");
    expect(signalNameOf(9)).toBe("SIGKILL");
    expect(signalNameOf(999)).toBeUndefined();
  });
});
