// The dashboard in a real browser: Debian's headless Chromium driven by puppeteer-core against a
// real `agent-exec serve` and real jobs. Only 127.0.0.1 traffic ("rebind.test" is mapped to it
// inside the browser). Markers dash-3671..3673 belong to this file.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { useJobFixture } from "../helpers/jobs.js";
import { useServe } from "./serve.js";

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => path && existsSync(path));
const fx = useJobFixture(["dash-3671", "dash-3672", "dash-3673"]);
const TOKEN = "browser-s3cret";

let browser: Browser | undefined;
const pages: Server[] = [];
const serve = useServe(() => fx.root, () => fx.work);

beforeAll(async () => {
  if (!CHROMIUM) return;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ["--no-sandbox", "--host-resolver-rules=MAP rebind.test 127.0.0.1"],
  });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(() => {
  for (const server of pages.splice(0)) server.close();
});

function runJob(args: string[]): string {
  const r = fx.x(["run", "--until", "0", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.json.job_id as string;
}

async function openWithToken(page: Page, url: string, token: string): Promise<void> {
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  await page.waitForSelector("#token");
  await page.type("#token", token);
  await page.click("#token-form button");
}

const text = (page: Page, selector: string) => page.$eval(selector, (node) => node.textContent ?? "");

/** The largest N of the "tick-N" lines in the page's stdout pane. */
const lastTick = (page: Page) => page.$eval("#stdout", (pre) => Math.max(0, ...[...(pre.textContent ?? "").matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]))));

// A browser on a loaded 2-core machine can take a while: limits, not timing assertions.
const LIMITS = { timeout: 150_000 };

describe.skipIf(!CHROMIUM)(`dashboard in Chromium${CHROMIUM ? "" : " (skipped: no Chromium binary; apt-get install chromium, or set CHROMIUM_PATH)"}`, LIMITS, () => {
  test("lists a running job, shows its output as it is written, and its kill button ends it", async () => {
    const failing = runJob(["--tag", "ci.lint", "--", "sh", "-c", "echo dash-3672 failing; exit 3"]);
    const live = runJob([
      "--tag", "web",
      "--", "sh", "-c",
      // Job-provided text that would run script if it reached the DOM as markup.
      "echo '<img src=x id=injected>'; printf '\\033[31mred\\033[0m\\n'; i=0; while :; do i=$((i+1)); echo tick-$i dash-3671; sleep 0.1; done",
    ]);
    await fx.settledStatus(failing);
    const { url } = await serve(TOKEN);
    const page = await browser!.newPage();
    page.setDefaultTimeout(60_000);
    const first = await page.goto(url);
    const csp = first!.headers()["content-security-policy"];
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^ ;]+'; style-src 'sha256-[^ ;]+'; connect-src 'self'/);
    expect(csp).not.toContain("unsafe");
    await openWithToken(page, url, TOKEN);

    // The list: both jobs, newest first, with state, command, tags and the failing one's exit code.
    const liveRow = `tr[data-job-id="${live}"]`;
    await page.waitForSelector(`${liveRow} .badge.running`);
    const ids = await page.$$eval("#jobs tr", (rows) => rows.map((row) => row.getAttribute("data-job-id")));
    expect(ids).toEqual([live, failing]);
    expect(await text(page, `${liveRow} .cmd`)).toContain("<img src=x id=injected>");
    expect(await text(page, `tr[data-job-id="${failing}"]`)).toMatch(/exited.*ci\.lint.*exit 3/);
    expect(await page.$("#injected")).toBeNull();

    // The state filter asks the server for running jobs only.
    await page.select("#f-state", "running");
    await page.waitForFunction((f) => !document.querySelector(`tr[data-job-id="${f}"]`) && document.querySelectorAll("#jobs tr").length === 1, {}, failing);

    // A job started now shows up without a reload (the list refreshes itself).
    const later = runJob(["--", "sh", "-c", "echo dash-3671 later; sleep 30; : dash-3671"]);
    await page.waitForSelector(`tr[data-job-id="${later}"] .badge.running`);
    expect(await page.$$eval("#jobs tr", (rows) => rows.map((row) => row.getAttribute("data-job-id")))).toEqual([later, live]);

    // The job's page follows stdout while the job writes it.
    await page.click(`${liveRow} a`);
    await page.waitForFunction(() => /tick-\d+/.test(document.querySelector("#stdout")?.textContent ?? ""));
    const seen = await lastTick(page);
    await page.waitForFunction((n) => [...(document.querySelector("#stdout")?.textContent ?? "").matchAll(/tick-(\d+)/g)].some((m) => Number(m[1]) > n), {}, seen);
    expect(await page.$("#injected")).toBeNull(); // the output's markup is text
    expect(await text(page, "#stdout")).toContain("<img src=x id=injected>");
    expect(await page.$eval("#stdout .c31", (span) => span.textContent)).toBe("red"); // ANSI red rendered, escapes gone
    expect(await text(page, "#stdout")).not.toContain("\x1b");

    // Kill: it asks first, with a grace choice, then the state turns killed.
    await page.click("#kill");
    await page.waitForSelector("#confirm:not([hidden])");
    await page.select("#grace", "2");
    await page.click("#confirm-kill");
    await page.waitForFunction(() => document.querySelector("#job-state")?.textContent === "killed");
    expect(fx.readState(live).job.status).toBe("killed");
    await page.waitForFunction(() => document.querySelector("#stream-note")?.textContent?.includes("ended"));
    expect(await text(page, "#note")).toMatch(/^kill: killed/);
    await page.close();
  });

  test("a wrong token is refused and nothing is shown", async () => {
    const id = runJob(["--", "sh", "-c", "echo dash-3673; sleep 30; : dash-3673"]);
    const { url } = await serve(TOKEN);
    const context = await browser!.createBrowserContext();
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on("response", (res) => res.url().includes("/dashboard/") && statuses.push(res.status()));
    await openWithToken(page, url, "not-the-token");
    await page.waitForSelector("#token-refused");
    expect(await page.$("#jobs")).toBeNull();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([401]));
    // The right token, typed next, opens the list (the form was the only thing in the way).
    await page.type("#token", TOKEN);
    await page.click("#token-form button");
    await page.waitForSelector(`tr[data-job-id="${id}"]`);
    await context.close();
  });

  test("a foreign origin and a rebound host name are refused, the page itself included", async () => {
    const id = runJob(["--", "sh", "-c", "echo dash-3673; sleep 30; : dash-3673"]);
    const { url } = await serve(); // no token: the Host/Origin checks are all that stands in the way
    const target = new URL(url);
    // Another site on this machine tries the simple requests a page may send without asking.
    const foreign = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" }).end(`<!doctype html><img src="${url}/"><script>
        fetch(${JSON.stringify(`${url}/kill/${id}`)}, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: "{}" });
        fetch(${JSON.stringify(`${url}/dashboard/jobs`)}).catch(() => {});
      </script>`);
    });
    pages.push(foreign);
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    const page = await browser!.newPage();
    page.setDefaultTimeout(60_000);
    // What the server answered, from the browser's network layer: a refused cross-origin answer
    // never reaches the page (CORS, ORB), so puppeteer's "response" event does not see it either.
    // The ExtraInfo event may come before or after requestWillBeSent for the same request, so the
    // two halves are kept by request id and joined when read.
    const statuses = new Map<string, number>();
    const urls = new Map<string, string>();
    const answers = () =>
      [...statuses].flatMap(([requestId, status]) => {
        const at = urls.get(requestId);
        return at !== undefined && new URL(at).port === target.port ? [{ path: new URL(at).pathname, status }] : [];
      });
    const cdp = await page.createCDPSession();
    cdp.on("Network.requestWillBeSent", (event) => urls.set(event.requestId, event.request.url));
    cdp.on("Network.responseReceivedExtraInfo", (event) => statuses.set(event.requestId, event.statusCode));
    await cdp.send("Network.enable");
    await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    await expect.poll(() => answers().map((a) => a.path).sort(), { timeout: 60_000 }).toEqual(["/", "/dashboard/jobs", `/kill/${id}`]);
    expect(answers().every((a) => a.status === 403)).toBe(true);
    expect(fx.readState(id).job.status).toBe("running");

    // A name re-pointed at 127.0.0.1 (DNS rebinding) gets neither the page nor the API.
    const rebound = await page.goto(`http://rebind.test:${target.port}/`);
    expect(rebound?.status()).toBe(403);
    expect(await rebound?.json()).toMatchObject({ ok: false, error: { code: "invalid_host" } });
    const api = await page.goto(`http://rebind.test:${target.port}/dashboard/jobs`);
    expect(api?.status()).toBe(403);
    await page.close();
  });
});
