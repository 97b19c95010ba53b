import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, test } from "vitest";
import { CLI, cli, eventually } from "../helpers/cli.js";
import { failed, ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { ajv, SHIPPED } from "../helpers/schema.js";

// Every envelope a real command prints must validate against the shipped schema, and each response
// type is described with additionalProperties: false, so a field added or renamed in code fails here.
const validate = ajv.getSchema("agent-exec")!;

/** The definition whose `type` const matches the envelope's, for a precise error message. */
function definitionFor(type: string): string {
  // A definition's own properties, or (WaitResponse, in 0.2.31's shape) those of its allOf parts.
  const describes = (d: any): boolean => d.properties?.type?.const === type || d.properties?.type?.enum?.includes(type) || (d.allOf ?? []).some(describes);
  const name = Object.entries(SHIPPED.definitions as Record<string, any>).find(([, d]) => describes(d))?.[0];
  if (!name) throw new Error(`the schema has no definition for type ${type}`);
  return name;
}

function expectValid(envelope: unknown): void {
  const type = (envelope as { type: string }).type;
  const specific = ajv.getSchema(`agent-exec#/definitions/${definitionFor(type)}`)!;
  expect(specific(envelope), `${type}: ${ajv.errorsText(specific.errors)}\n${JSON.stringify(envelope)}`).toBe(true);
  expect(validate(envelope), `${type} against the whole schema: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

// Each test spawns the CLI many times; on a loaded machine that can outlast the default 60 s.
describe("schema", { timeout: 180_000 }, () => {
  const f = useJobFixture(["sleep 3791", "sleep 3793", "sleep 3792"]);

  // 0.2.31's schema test reads WaitResponse.allOf[1]: the envelope first, then the wait fields inline.
  test("WaitResponse has 0.2.31's shape: allOf [Envelope, the wait fields], closed to other fields", () => {
    const wait = (SHIPPED.definitions as any).WaitResponse;
    expect(wait.allOf[0]).toEqual({ $ref: "#/definitions/Envelope" });
    const body = wait.allOf[1];
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(["job_id", "state", "stdout", "stderr", "encoding", "stdout_range", "stderr_range", "stdout_total_bytes", "stderr_total_bytes"]));
    expect([body.properties.encoding.type, body.properties.updated_at.type, body.properties.stdout_range.minItems, body.properties.stderr_range.maxItems]).toEqual(["string", "string", 2, 2]);
    const check = ajv.getSchema("agent-exec#/definitions/WaitResponse")!;
    expect(check({ schema_version: "0.1", ok: true, type: "wait", surprise: 1 })).toBe(false);
  });

  test("prints the shipped schema with its format and date", () => {
    const r = ok(cli(["schema"]), "schema");
    expect(r.schema).toEqual(SHIPPED);
    expect(r.schema_format).toBe("json-schema-draft-07");
    expect(r.generated_at).toBe(SHIPPED.$comment);
    expect(Object.keys(r)).toEqual(["schema_version", "ok", "type", "schema_format", "schema", "generated_at"]);
    expectValid(r);
  });

  test("--yaml prints the same object as YAML; extra arguments are usage errors", () => {
    const r = cli(["schema", "--yaml"]);
    expect(r.code).toBe(0);
    expect(parseYaml(r.stdout)).toEqual(ok(cli(["schema"]), "schema"));
    const extra = cli(["schema", "extra"]);
    expect(extra.code).toBe(2);
    expect(extra.stdout).toBe("");
  });

  const types = new Set<string>();
  afterAll(() => {
    // Together the tests below printed every response type there is.
    expect(types).toEqual(new Set(["run", "create", "start", "restart", "status", "tail", "wait", "list", "kill", "tag_set", "notify.set", "delete", "gc", "doctor", "install_skills", "error"]));
  });
  function expectAllValid(responses: any[]): void {
    for (const r of responses) {
      expectValid(r);
      types.add(r.type);
    }
  }

  test("run, status, tail, wait, list, ps and kill responses validate", () => {
    const finished = ok(f.x(["run", "--env", "A=1", "--mask", "A", "--tag", "t", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]), "run");
    const running = ok(f.x(["run", "--no-wait", "--", "sleep", "3791"]), "run");
    const timedOut = ok(f.x(["run", "--timeout", "0.2", "--", "sleep", "3791"]), "run");
    const responses = [
      finished,
      running,
      timedOut,
      ok(f.x(["status", finished.job_id]), "status"),
      ok(f.x(["status", running.job_id]), "status"),
      ok(f.x(["tail", finished.job_id]), "tail"),
      ok(f.x(["wait", "--until", "0", running.job_id]), "wait"),
      ok(f.x(["wait", finished.job_id]), "wait"),
      ok(f.x(["list"]), "list"),
      ok(f.x(["list", "--all", "--state", "exited"]), "list"),
      ok(f.x(["ps"]), "list"),
      ok(f.x(["kill", running.job_id]), "kill"),
      ok(f.x(["kill", finished.job_id]), "kill"),
    ];
    const second = ok(f.x(["run", "--no-wait", "--", "sleep", "3791"]), "run");
    responses.push(ok(f.x(["kill", "--no-wait", "--signal", "KILL", second.job_id]), "kill"));
    expectAllValid(responses);
  });

  test("excerpts, cursors, until_output and tail --since validate (run, wait, tail)", () => {
    const both = ok(f.x(["run", "--excerpt", "both", "--max-bytes", "4", "--until-output", "b", "--", "sh", "-c", "echo aaaa; echo bbbb; echo cccc"]), "run");
    expect(both.until_output.matched).toBe(true);
    expect(both.stdout_truncated).toBe(true);
    const waited = ok(f.x(["wait", "--excerpt", "both", "--until-output", "nothing-prints-this", both.job_id]), "wait");
    expect(waited.until_output).toEqual({ pattern: "nothing-prints-this", matched: false });
    const since = ok(f.x(["tail", "--since", both.cursor, both.job_id]), "tail");
    const reset = ok(f.x(["tail", "--since", "v1.1.1.0", both.job_id]), "tail");
    expect(reset.since_reset).toBe("restarted");
    expectAllValid([both, waited, since, reset]);
  });

  test("kill responses with escalated_to and with a hint validate", async () => {
    const stubborn = () => ok(f.x(["run", "--no-wait", "--", "sh", "-c", "trap '' TERM; sleep 3793"]), "run").job_id;
    const [first, second] = [stubborn(), stubborn()];
    // Both sleeps running means both traps are set: a TERM before that would end a shell at once.
    await eventually(() => processesWithArgv(["sleep", "3793"]).length === 2, 20_000);
    const escalated = ok(f.x(["kill", "--grace", "0.3", first]), "kill");
    expect(escalated.escalated_to).toBe("SIGKILL");
    const hinted = ok(f.x(["kill", second]), "kill");
    expect(hinted.hint).toBeDefined();
    expectAllValid([escalated, hinted, ok(f.x(["kill", "--signal", "KILL", second]), "kill")]);
  });

  test("live_processes, tree_usage and containment validate (run, status, wait, list, kill)", () => {
    const leftover = ok(f.x(["run", "--", "sleep 3792 & echo started"]), "run");
    expect(leftover.live_processes.count).toBe(1);
    expect(leftover.tree_usage).toBeDefined();
    const responses = [
      leftover,
      ok(f.x(["status", leftover.job_id]), "status"),
      ok(f.x(["wait", leftover.job_id]), "wait"),
      ok(f.x(["list"]), "list"),
      ok(f.x(["kill", leftover.job_id]), "kill"),
    ];
    expect(responses[1].containment).toBeDefined();
    expect(responses[4].ended_processes).toBe(1);
    expectAllValid(responses);
  });

  test("create, start, restart, tag set, delete and gc responses validate", () => {
    const created = ok(f.x(["create", "--tag", "a.b", "--", "true"]), "create");
    const started = ok(f.x(["start", created.job_id]), "start");
    expectAllValid([
      created,
      started,
      ok(f.x(["restart", started.job_id]), "restart"),
      ok(f.x(["tag", "set", created.job_id, "--tag", "c"]), "tag_set"),
      ok(f.x(["delete", "--dry-run", "--all"]), "delete"),
      ok(f.x(["delete", created.job_id]), "delete"),
      ok(f.x(["gc", "--older-than", "0s", "--dry-run"]), "gc"),
      ok(f.x(["gc", "--max-jobs", "1"]), "gc"),
    ]);
  });

  test("compression objects validate: applied, expansion-guarded, on run, start, restart and tail", () => {
    const repeated = "for i in $(seq 1 20); do printf 'same\\n'; done";
    const applied = ok(f.x(["run", "--compress", "logs", "--", "sh", "-c", repeated]), "run");
    expect(applied.compression).toMatchObject({ mode: "logs", applied: true });
    const guarded = ok(f.x(["run", "--compress", "json", "--", "sh", "-c", "printf '%s' '{\"a\":1}'"]), "run");
    expect(guarded.compression).toMatchObject({ applied: false, strategy: ["expansion-guard"] });
    const created = ok(f.x(["create", "--", "sh", "-c", repeated]), "create");
    const responses = [
      applied,
      guarded,
      ok(f.x(["start", "--rtk", "errors", created.job_id]), "start"),
      ok(f.x(["restart", "--compress", "route", created.job_id]), "restart"),
      ok(f.x(["tail", "--compress", "summary", applied.job_id]), "tail"),
    ];
    for (const r of responses) expect(r.compression).toBeDefined();
    expectAllValid(responses);
  });

  test("doctor, install-skills and error responses validate", () => {
    const responses = [ok(f.x(["doctor"]), "doctor"), ok(f.x(["install-skills"]), "install_skills")];
    for (const [result, code] of [
      [f.x(["status", "NOPE"]), "job_not_found"],
      [f.x(["status", "../etc"]), "invalid_job_id"],
      [f.x(["doctor"], { env: { AGENT_EXEC_BACKEND: "bogus" } }), "invalid_argument"],
    ] as const) {
      failed(result, code);
      responses.push(JSON.parse(result.stdout));
    }
    expectAllValid(responses);
  });

  test("notify set, and the event files a job leaves in its directory, validate", async () => {
    const job = ok(
      f.x(["run", "--notify-command", "cat >/dev/null", "--notify-file", join(f.root, "events.ndjson"), "--output-pattern", "hit", "--output-file", join(f.root, "matches.ndjson"), "--", "sh", "-c", "echo hit; echo hit >&2"]),
      "run",
    );
    const dir = join(f.root, job.job_id);
    // Delivery follows the terminal state, so the file may not be there (or complete) yet.
    const completion = await eventually(() => {
      try {
        const record = JSON.parse(readFileSync(join(dir, "completion_event.json"), "utf8"));
        return record.delivery_results.length === 2 ? record : undefined;
      } catch {
        return undefined;
      }
    });
    const matches = readFileSync(join(dir, "notification_events.ndjson"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(matches).toHaveLength(2);
    for (const [value, definition] of [[completion, "CompletionEvent"], ...matches.map((m) => [m, "OutputMatchEvent"])]) {
      const check = ajv.getSchema(`agent-exec#/definitions/${definition}`)!;
      expect(check(value), `${definition}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value)}`).toBe(true);
    }
    expectAllValid([
      ok(f.x(["notify", "set", job.job_id, "--command", "true", "--output-match-type", "regex", "--output-stream", "stderr"]), "notify.set"),
      ok(f.x(["notify", "set", job.job_id, "--command", "", "--output-pattern", ""]), "notify.set"),
    ]);
  });

  test("the serve envelope validates", async () => {
    const child = spawn(process.execPath, ["--", CLI, "serve", "--root", f.root, "--port", "0", "--allow-origin", "https://app.example.com"], { stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((done, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) done(out);
      });
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
    });
    child.kill("SIGTERM");
    expect(JSON.parse(line).allow_origin).toBe("https://app.example.com");
    expectValid(JSON.parse(line));
  });

  test("a response that drifts from the schema is rejected", () => {
    const r = ok(cli(["schema"]), "schema");
    expect(validate({ ...r, surprise: 1 })).toBe(false);
    expect(validate({ schema_version: "0.1", ok: true, type: "status", job_id: "01M84Y64M667KS29ESV72X51BB", created_at: "2026-11-23T19:30:06.099Z" })).toBe(false);
  });
});
