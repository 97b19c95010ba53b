// The dashboard's endpoints over real HTTP, without a browser: paging with a cursor and the
// output stream from a byte cursor. Marker dash-3674 belongs to this file.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { useJobFixture } from "../helpers/jobs.js";
import { useServe } from "./serve.js";
import { ajv } from "../helpers/schema.js";

const fx = useJobFixture(["dash-3674"]);
const serve = useServe(() => fx.root, () => fx.work);

function expectValid(envelope: any, definition: string): void {
  for (const schema of [`agent-exec#/definitions/${definition}`, "agent-exec"]) {
    const validate = ajv.getSchema(schema)!;
    expect(validate(envelope), `${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(envelope)}`).toBe(true);
  }
}

async function get(url: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json() };
}

describe("dashboard endpoints", () => {
  test("/dashboard/jobs pages through list's order with a cursor, with each job's command and cwd", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(fx.x(["run", "--tag", i % 2 ? "odd" : "even", "--", "echo", `job-${i}`]).json.job_id);
    const listed = fx.x(["list", "--all"]).json.jobs.map((job: any) => job.job_id);
    const { url } = await serve();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(`${url}/dashboard/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ ok: true, type: "dashboard_jobs", total: 5, states: { exited: 5 } });
      for (const job of page.body.jobs) expect(job).toMatchObject({ command: ["echo", expect.stringMatching(/^job-\d$/)], cwd: fx.work, state: "exited", exit_code: 0 });
      expectValid(page.body, "DashboardJobsResponse");
      seen.push(...page.body.jobs.map((job: any) => job.job_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(listed);
    expect(new Set(seen)).toEqual(new Set(ids));
    const odd = await get(`${url}/dashboard/jobs?tag=odd`);
    expect(odd.body.jobs.map((job: any) => job.command[1])).toEqual(["job-3", "job-1"]);
    expect((await get(`${url}/dashboard/jobs?limit=0`)).body.error.code).toBe("invalid_request");
    expect((await get(`${url}/dashboard/jobs?state=bogus`)).status).toBe(400);
  });

  test("/dashboard/stream sends what is written after the cursor, then the state, then ends", async () => {
    const id = fx.x(["run", "--until", "0", "--", "sh", "-c", "printf 'héllo\\n'; echo oops >&2; sleep 30; : dash-3674"]).json.job_id;
    const { url } = await serve("t0ken");
    const detail = await get(`${url}/dashboard/job/${id}`, "t0ken");
    expect(detail.body).toMatchObject({ type: "dashboard_job", state: "running", command: ["sh", "-c", expect.stringContaining("dash-3674")], cwd: fx.work });
    expectValid(detail.body, "DashboardJobResponse");
    expect((await fetch(`${url}/dashboard/stream/${id}`)).status).toBe(401);
    const res = await fetch(`${url}/dashboard/stream/${id}?stdout=1&stderr=0`, { headers: { authorization: "Bearer t0ken" } });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: { event: string; data: any }[] = [];
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let appended = false;
    let killed = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let cut = buffer.indexOf("\n\n"); cut >= 0; buffer = buffer.slice(cut + 2), cut = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, cut);
        if (frame.startsWith(":")) continue;
        const [, event, data] = /^event: (\w+)\ndata: (.*)$/s.exec(frame)!;
        events.push({ event: event!, data: JSON.parse(data!) });
      }
      const out = events.filter((e) => e.event === "output" && e.data.stream === "stdout").map((e) => e.data.text).join("");
      if (!appended && out.includes("\n")) {
        appendFileSync(join(fx.jobDir(id), "stdout.log"), "appended\n"); // as the supervisor appends
        appended = true;
      }
      // Killed once the appended line has arrived, so the killed state is the last thing before
      // the end (output the server reads after seeing the state would come after it).
      if (!killed && out.includes("appended\n")) {
        killed = true;
        expect(fx.x(["kill", id]).code).toBe(0);
      }
    }
    const text = (stream: string) => events.filter((e) => e.event === "output" && e.data.stream === stream).map((e) => e.data.text).join("");
    expect(text("stdout")).toBe("éllo\nappended\n"); // from byte 1: "h" was before the cursor
    expect(text("stderr")).toBe("oops\n");
    expect(events[0]).toMatchObject({ event: "state", data: { state: "running" } });
    expect(events.at(-2)).toMatchObject({ event: "state", data: { state: "killed" } });
    expect(events.at(-1)).toEqual({ event: "end", data: { stdout: Buffer.byteLength("héllo\nappended\n"), stderr: 5 } });
  });

  test("a stream ends cleanly when the server shuts down, instead of holding SIGTERM for its grace", async () => {
    const id = fx.x(["run", "--until", "0", "--", "sh", "-c", "while :; do echo dash-3674; sleep 0.2; done"]).json.job_id;
    const { url, child } = await serve();
    const res = await fetch(`${url}/dashboard/stream/${id}`);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is under way
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    // Ended by the server (done), not cut off when the shutdown grace ran out (a socket error).
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
    expect(await exited).toBe(0);
  });
});
