// The dashboard's browser code, served inline in the page (page.ts) and allowed by its hash in the
// Content-Security-Policy. Plain ES2020 in a string: the project's build is tsc alone, and the page
// needs no bundler. Rules it keeps: every job-provided text reaches the DOM through textContent
// (never innerHTML); the token lives in sessionStorage and travels only in the Authorization
// header; it calls only read endpoints and /kill (the server has no other way to run anything).
export const CLIENT_JS = String.raw`
"use strict";
const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "agent-exec.token";
const PAGE = 100;
const STATES = ["", "running", "created", "exited", "killed", "failed", "unknown"];
let token = sessionStorage.getItem(TOKEN_KEY) || "";
let view = null; // the current view's stop function

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

class HttpError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, init) {
  const headers = Object.assign({}, (init && init.headers) || {});
  if (token) headers.Authorization = "Bearer " + token;
  const res = await fetch(path, Object.assign({}, init, { headers, cache: "no-store", credentials: "omit" }));
  if (res.status === 401) { askToken(true); throw new HttpError(401, "unauthorized", "token refused"); }
  return res;
}

async function apiJson(path, init) {
  const res = await api(path, init);
  const body = await res.json();
  if (!body.ok) throw new HttpError(res.status, body.error.code, body.error.message);
  return body;
}

function askToken(refused) {
  stopView();
  const input = el("input", { type: "password", id: "token", autocomplete: "off", placeholder: "token" });
  const form = el("form", { id: "token-form", onsubmit: (event) => {
    event.preventDefault();
    token = input.value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    route();
  } },
    el("p", { text: "This server requires a token (AGENT_EXEC_SERVE_TOKEN). It is kept for this tab only." }),
    refused && token ? el("p", { class: "error", id: "token-refused", text: "The token was refused." }) : null,
    input, el("button", { type: "submit", text: "Open" }));
  $("#main").replaceChildren(form);
  input.focus();
}

function stopView() { if (view) view(); view = null; }

function showError(error) {
  if (error.status === 401) return;
  $("#status").textContent = error.message;
}

// ---- time and figures ----

function ago(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
function duration(job) {
  const start = job.started_at && Date.parse(job.started_at);
  if (job.duration_ms != null) return seconds(job.duration_ms);
  if (!start) return "";
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return seconds(end - start);
}
function seconds(ms) {
  if (ms < 1000) return ms + " ms";
  const s = ms / 1000;
  if (s < 120) return s.toFixed(1) + " s";
  if (s < 7200) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  return (s / 3600).toFixed(1) + " h";
}
function bytes(n) {
  if (n == null) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}
function outcome(job) {
  if (job.signal) return job.signal;
  if (job.exit_code != null) return "exit " + job.exit_code;
  return "";
}
function usage(job) {
  const u = job.tree_usage;
  const parts = [];
  if (job.containment) parts.push(job.containment);
  if (u) {
    parts.push("cpu " + seconds(u.user_ms + u.system_ms));
    if (u.peak_memory_bytes != null) parts.push("peak " + bytes(u.peak_memory_bytes));
    else if (u.max_rss_bytes != null) parts.push("rss " + bytes(u.max_rss_bytes));
  }
  if (job.live_processes) parts.push("live processes: " + job.live_processes.count);
  return parts.join(" · ");
}
function commandText(job) { return job.command ? job.command.join(" ") : ""; }

// ---- the list ----

function listView() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const filters = { state: params.get("state") || "", tag: params.get("tag") || "", cwd: params.get("cwd") || "" };
  let loaded = PAGE;
  let timer = 0;
  let stopped = false;
  const state = el("select", { id: "f-state" }, ...STATES.map((s) => el("option", { value: s, text: s || "any state" })));
  state.value = filters.state;
  const tag = el("input", { id: "f-tag", placeholder: "tag or prefix.*", value: filters.tag });
  const cwd = el("input", { id: "f-cwd", placeholder: "cwd (exact directory)", value: filters.cwd });
  const apply = () => {
    const q = new URLSearchParams();
    if (state.value) q.set("state", state.value);
    if (tag.value.trim()) q.set("tag", tag.value.trim());
    if (cwd.value.trim()) q.set("cwd", cwd.value.trim());
    location.hash = "#/" + (q.toString() ? "?" + q : "");
  };
  state.addEventListener("change", apply);
  const form = el("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); apply(); } },
    state, tag, cwd, el("button", { type: "submit", text: "Filter" }));
  const body = el("tbody", { id: "jobs" });
  const table = el("table", { class: "jobs" },
    el("thead", {}, el("tr", {}, ...["state", "job", "command", "cwd", "tags", "started", "duration", "result", "containment / usage"].map((h) => el("th", { text: h })))),
    body);
  const summary = el("p", { id: "summary", class: "muted" });
  const more = el("button", { id: "more", text: "Load more", onclick: () => { loaded += PAGE; refresh(); } });
  $("#main").replaceChildren(form, summary, table, more);

  async function refresh() {
    clearTimeout(timer);
    const began = Date.now();
    try {
      const q = new URLSearchParams({ limit: String(Math.min(loaded, 1000)) });
      if (filters.state) q.set("state", filters.state);
      if (filters.tag) q.set("tag", filters.tag);
      if (filters.cwd) q.set("cwd", filters.cwd);
      const page = await apiJson("/dashboard/jobs?" + q);
      if (stopped) return;
      body.replaceChildren(...page.jobs.map(row));
      const counts = Object.entries(page.states).map(([s, n]) => s + " " + n).join(", ");
      summary.textContent = page.total + " job" + (page.total === 1 ? "" : "s") + (counts ? " (" + counts + ")" : "") + " in " + page.root;
      more.hidden = !page.next_cursor;
      $("#status").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (error) { showError(error); if (error.status === 401) return; }
    // Every 2 s, or less often when the server takes long to list (a large root, a busy machine).
    if (!stopped) timer = setTimeout(refresh, Math.max(2000, 4 * (Date.now() - began)));
  }
  refresh();
  return () => { stopped = true; clearTimeout(timer); };
}

function row(job) {
  const link = el("a", { href: "#/job/" + encodeURIComponent(job.job_id), text: job.short_job_id });
  return el("tr", { class: "job state-" + job.state, "data-job-id": job.job_id },
    el("td", {}, el("span", { class: "badge " + job.state, text: job.state })),
    el("td", { class: "mono" }, link),
    el("td", { class: "mono cmd", text: commandText(job), title: commandText(job) }),
    el("td", { class: "mono", text: job.cwd || "" }),
    el("td", {}, ...job.tags.map((t) => el("span", { class: "tag", text: t }))),
    el("td", { text: ago(job.started_at) }),
    el("td", { text: duration(job) }),
    el("td", { text: outcome(job), title: job.reason || "" }),
    el("td", { class: "muted", text: usage(job) }));
}

// ---- a job ----

const SGR = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

const paneSizes = new WeakMap();

/** Appends text with its ANSI colours as classed spans; other escape sequences are dropped. */
function appendAnsi(pre, text, style) {
  let last = 0;
  const flush = (to) => {
    if (to <= last) return;
    const piece = text.slice(last, to);
    if (style.fg || style.bold) pre.append(el("span", { class: [style.fg, style.bold ? "b" : ""].join(" ").trim(), text: piece }));
    else pre.append(document.createTextNode(piece));
  };
  for (const m of text.matchAll(SGR)) {
    flush(m.index);
    last = m.index + m[0].length;
    if (m[1] === undefined) continue;
    for (const code of (m[1] || "0").split(";").map(Number)) {
      if (code === 0) { style.fg = ""; style.bold = false; }
      else if (code === 1) style.bold = true;
      else if (code === 22) style.bold = false;
      else if (code === 39) style.fg = "";
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) style.fg = "c" + code;
    }
  }
  flush(text.length);
  // Bound the page: the oldest output goes first (the full log stays one click away).
  let size = (paneSizes.get(pre) || 0) + text.length;
  while (size > 2000000 && pre.firstChild) { size -= pre.firstChild.textContent.length; pre.firstChild.remove(); }
  paneSizes.set(pre, size);
}

function jobView(id) {
  let stopped = false;
  let timer = 0;
  const controller = new AbortController();
  const head = el("div", { class: "job-head" });
  const panes = {};
  const styles = { stdout: {}, stderr: {} };
  for (const s of ["stdout", "stderr"]) panes[s] = el("pre", { id: s, class: "log " + s });
  const note = el("p", { id: "note", class: "muted" }); // what the kill button did
  const streamNote = el("p", { id: "stream-note", class: "muted" }); // where the output stream is
  const grace = el("select", { id: "grace" },
    el("option", { value: "", text: "TERM, no grace" }), el("option", { value: "2", text: "TERM, then KILL after 2 s" }),
    el("option", { value: "10", text: "TERM, then KILL after 10 s", selected: "" }), el("option", { value: "30", text: "TERM, then KILL after 30 s" }),
    el("option", { value: "KILL", text: "KILL now" }));
  const confirmBox = el("div", { id: "confirm", class: "confirm", hidden: "" },
    el("span", { text: "Kill this job and its whole process tree? " }), grace,
    el("button", { id: "confirm-kill", class: "danger", text: "Kill", onclick: doKill }),
    el("button", { id: "cancel-kill", text: "Cancel", onclick: () => { confirmBox.hidden = true; } }));
  const killButton = el("button", { id: "kill", class: "danger", text: "Kill…", onclick: () => { confirmBox.hidden = false; } });
  const full = el("button", { id: "full-log", text: "Full log", onclick: fullLog });
  $("#main").replaceChildren(el("p", {}, el("a", { href: "#/", text: "← all jobs" })), head,
    el("div", { class: "actions" }, killButton, full), confirmBox, note, streamNote,
    el("h3", { text: "stdout" }), panes.stdout, el("h3", { text: "stderr" }), panes.stderr);

  function showJob(job) {
    head.replaceChildren(
      el("h2", {}, el("span", { id: "job-state", class: "badge " + job.state, text: job.state }), " ", el("span", { class: "mono", text: job.job_id })),
      el("p", { class: "mono cmd", id: "job-command", text: commandText(job) }),
      el("dl", {}, ...[["cwd", job.cwd], ["tags", job.tags.join(", ")], ["started", ago(job.started_at)], ["duration", duration(job)],
        ["result", outcome(job) + (job.reason ? " (" + job.reason + ")" : "")], ["containment / usage", usage(job)]]
        .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v || "—" })])));
    killButton.disabled = !(job.state === "running" || job.state === "created");
  }

  async function refresh() {
    try { const body = await apiJson("/dashboard/job/" + encodeURIComponent(id)); if (!stopped) showJob(body); }
    catch (error) { showError(error); }
  }

  async function doKill() {
    confirmBox.hidden = true;
    const body = grace.value === "KILL" ? { signal: "KILL" } : grace.value ? { signal: "TERM", grace: Number(grace.value) } : { signal: "TERM" };
    note.textContent = "killing…";
    try {
      const res = await apiJson("/kill/" + encodeURIComponent(id), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      note.textContent = "kill: " + res.state + (res.terminated_signal ? " by " + res.terminated_signal : "") + (res.hint ? " — " + res.hint : "");
    } catch (error) { note.textContent = "kill failed: " + error.message; }
    refresh();
  }

  async function fullLog() {
    for (const s of ["stdout", "stderr"]) {
      try {
        const res = await api("/dashboard/log/" + encodeURIComponent(id) + "?stream=" + s);
        if (!res.ok) throw new Error((await res.json()).error.message);
        const text = await res.text();
        panes[s].replaceChildren();
        paneSizes.delete(panes[s]);
        styles[s] = {};
        appendAnsi(panes[s], text, styles[s]);
      } catch (error) { note.textContent = "full log: " + error.message; }
    }
  }

  async function follow() {
    // Start where the view starts: the last lines, then everything written after them.
    const cursor = { stdout: 0, stderr: 0 };
    try {
      const tail = await apiJson("/tail/" + encodeURIComponent(id) + "?tail_lines=200");
      for (const s of ["stdout", "stderr"]) {
        if (tail[s + "_range"][0] > 0) panes[s].append(el("span", { class: "muted", text: "… earlier output in the full log\n" }));
        appendAnsi(panes[s], tail[s], styles[s]);
        cursor[s] = tail[s + "_range"][1];
      }
    } catch (error) { showError(error); return; }
    while (!stopped) {
      try {
        const res = await api("/dashboard/stream/" + encodeURIComponent(id) + "?stdout=" + cursor.stdout + "&stderr=" + cursor.stderr, { signal: controller.signal });
        if (!res.ok) throw new Error((await res.json()).error.message);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        let ended = false;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = "message";
            let data = "";
            for (const line of frame.split("\n")) {
              if (line.startsWith("event: ")) event = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (!data) continue;
            const msg = JSON.parse(data);
            if (event === "output") {
              if (msg.skipped) panes[msg.stream].append(el("span", { class: "muted", text: "\n… " + bytes(msg.skipped) + " skipped (see the full log)\n" }));
              appendAnsi(panes[msg.stream], msg.text, styles[msg.stream]);
              cursor[msg.stream] = msg.to;
              const pane = panes[msg.stream];
              pane.scrollTop = pane.scrollHeight;
            } else if (event === "state") refresh();
            else if (event === "end") ended = true;
            else if (event === "error") streamNote.textContent = "stream: " + msg.message;
          }
        }
        if (ended) { streamNote.textContent = "the job has ended; all output shown"; return; }
      } catch (error) {
        if (stopped) return;
        if (error.status === 401) return;
        streamNote.textContent = "stream interrupted (" + error.message + "); reconnecting…";
      }
      await new Promise((r) => { timer = setTimeout(r, 1000); });
    }
  }

  refresh();
  follow();
  return () => { stopped = true; clearTimeout(timer); controller.abort(); };
}

function route() {
  stopView();
  $("#status").textContent = "";
  const match = /^#\/job\/([^?]+)/.exec(location.hash);
  view = match ? jobView(decodeURIComponent(match[1])) : listView();
}

window.addEventListener("hashchange", route);
route();
`;
