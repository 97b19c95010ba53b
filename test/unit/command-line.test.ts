import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CALLER_PATH_VAR, defaultShellWrapper, parseShellWrapper, workloadCommand, workloadEnv } from "../../src/supervisor/command-line.js";

const posixOnly = it.skipIf(process.platform === "win32");

describe("workloadCommand (POSIX)", () => {
  // A known shell's script begins by putting the caller's PATH back (see CALLER_PATH_VAR).
  const afterPathRestore = (body: string) => expect.stringMatching(new RegExp(`^if \\[ -n "\\$\\{${CALLER_PATH_VAR}\\+x\\}" \\][^\\n]*; fi; ${body.replace(/[$&|"]/g, "\\$&")}$`));

  it("passes a single argument to the wrapper as a shell string", () => {
    expect(workloadCommand(["sh", "-lc"], ["echo hi && exit 3"], false)).toEqual({
      file: "sh",
      args: ["-lc", afterPathRestore("echo hi && exit 3")],
      options: { detached: true },
    });
  });

  it('passes two or more arguments as argv through exec "$@" with -- as $0', () => {
    expect(workloadCommand(["sh", "-lc"], ["printf", "%s\\n", "a b"], false)).toEqual({
      file: "sh",
      args: ["-lc", afterPathRestore('exec "$@"'), "--", "printf", "%s\\n", "a b"],
      options: { detached: true },
    });
  });

  it("a wrapper that is not a known shell gets the command as it is, and no carrier variable", () => {
    expect(workloadCommand(["nice", "sh", "-c"], ["x"], false).args).toEqual(["sh", "-c", "x"]);
    expect(workloadEnv(["nice", "sh", "-c"], { PATH: "/a" }, false)).toEqual({ PATH: "/a" });
    expect(workloadEnv(["sh", "-lc"], { PATH: "/a" }, false)).toEqual({ PATH: "/a", [CALLER_PATH_VAR]: "/a" });
    expect(workloadEnv(["cmd", "/C"], { PATH: "/a" }, true)).toEqual({ PATH: "/a" });
  });

  it("always spawns detached, so the workload leads its own process group", () => {
    expect(workloadCommand(["sh", "-c"], ["x"], false).options.detached).toBe(true);
    expect(workloadCommand(["sh", "-c"], ["x", "y"], false).options.detached).toBe(true);
  });

  it("works with a wrapper that has no flags or several", () => {
    expect(workloadCommand(["bash", "-e", "-c"], ["true"], false).args).toEqual(["-e", "-c", afterPathRestore("true")]);
    expect(workloadCommand(["zsh"], ["a", "b"], false)).toMatchObject({ file: "zsh", args: [afterPathRestore('exec "$@"'), "--", "a", "b"] });
  });

  it("throws on an empty wrapper", () => {
    expect(() => workloadCommand([], ["true"], false)).toThrow(/empty/);
    expect(() => workloadCommand([], ["a", "b"], true)).toThrow(/empty/);
  });

  it("does not mutate its inputs", () => {
    const wrapper = ["sh", "-c"];
    const command = ["echo", "x"];
    workloadCommand(wrapper, command, false);
    expect(wrapper).toEqual(["sh", "-c"]);
    expect(command).toEqual(["echo", "x"]);
  });

  posixOnly("argv mode hands the workload exactly its arguments, unexpanded", () => {
    const argv = ["printf", "[%s]", "a b", "$HOME", "--", "-x", "*", ""];
    const { file, args } = workloadCommand(["sh", "-c"], argv, false);
    const result = spawnSync(file, args, { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("[a b][$HOME][--][-x][*][]");
  });

  posixOnly("argv mode execs: the shell is replaced, so the workload's parent is the spawner", () => {
    const { file, args } = workloadCommand(["sh", "-c"], [process.execPath, "-e", "console.log(process.ppid)"], false);
    const result = spawnSync(file, args, { encoding: "utf8" });
    expect(Number(result.stdout.trim())).toBe(process.pid);
  });

  posixOnly("shell-string mode runs the string through the shell", () => {
    const { file, args } = workloadCommand(["sh", "-c"], ["echo one && echo two; exit 3"], false);
    const result = spawnSync(file, args, { encoding: "utf8" });
    expect(result.stdout).toBe("one\ntwo\n");
    expect(result.status).toBe(3);
  });
});

describe("workloadCommand (Windows rules, checked on any platform)", () => {
  it("argv mode runs the program itself, without the wrapper", () => {
    expect(workloadCommand(["cmd", "/C"], ["node", "-e", "1"], true)).toEqual({
      file: "node",
      args: ["-e", "1"],
      options: { detached: false },
    });
  });

  it("a string for cmd goes through /d /s /c with verbatim, quoted arguments", () => {
    for (const cmd of ["cmd", "CMD.EXE", "C:/Windows/System32/cmd.exe"]) {
      expect(workloadCommand([cmd, "/C"], ["echo a & echo b"], true)).toEqual({
        file: cmd,
        args: ["/d", "/s", "/c", '"echo a & echo b"'],
        options: { detached: false, windowsVerbatimArguments: true },
      });
    }
  });

  it("a string for another wrapper gets the wrapper's flags", () => {
    expect(workloadCommand(["pwsh", "-Command"], ["Get-Date"], true)).toEqual({
      file: "pwsh",
      args: ["-Command", "Get-Date"],
      options: { detached: false },
    });
  });
});

describe("parseShellWrapper", () => {
  it.each([
    ["bash -lc", ["bash", "-lc"]],
    ["  bash   -lc  ", ["bash", "-lc"]],
    ["bash\t-e\n-c", ["bash", "-e", "-c"]],
    ["sh", ["sh"]],
    ["", []],
    ["   ", []],
  ])("%j → %j", (text, expected) => {
    expect(parseShellWrapper(text)).toEqual(expected);
  });

  it("the default wrapper is sh -lc on POSIX, cmd /C on Windows", () => {
    expect(defaultShellWrapper()).toEqual(process.platform === "win32" ? ["cmd", "/C"] : ["sh", "-lc"]);
  });
});
