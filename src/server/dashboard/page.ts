// GET /: the dashboard, one self-contained page (no CDN, no other file). It holds no job data, so
// it is served without the token (the page asks for it and sends it with every call it makes);
// the Host/Origin guard has already run. The Content-Security-Policy allows only this page's own
// script and style (by hash) and connections to this server: an injected tag or handler does not run.
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { CLIENT_JS } from "./client.js";

const STYLE = `
[hidden] { display: none !important; }
:root { color-scheme: light dark; --fg: #1d1f21; --bg: #fbfbfb; --muted: #6b7280; --line: #e5e7eb; --pane: #111418; --pane-fg: #d8dee9; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --bg: #15171a; --muted: #9ca3af; --line: #2d3139; } }
body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1em; margin: 0; } header a { color: inherit; text-decoration: none; }
#status { color: var(--muted); font-size: .85em; }
main { padding: .6em 1em; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; }
.muted { color: var(--muted); }
.error { color: #dc2626; }
.filters { display: flex; gap: .5em; margin-bottom: .4em; flex-wrap: wrap; }
input, select, button { font: inherit; padding: .25em .5em; }
button.danger { background: #b91c1c; color: white; border: 1px solid #7f1d1d; border-radius: 3px; }
button:disabled { opacity: .5; }
table.jobs { border-collapse: collapse; width: 100%; }
table.jobs th, table.jobs td { text-align: left; padding: .3em .5em; border-bottom: 1px solid var(--line); vertical-align: top; }
td.cmd, p.cmd { max-width: 32em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
p.cmd { white-space: pre-wrap; max-width: none; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .85em; background: #9ca3af; color: white; }
.badge.running { background: #2563eb; } .badge.exited { background: #16a34a; } .badge.killed { background: #b45309; }
.badge.failed { background: #dc2626; } .badge.created { background: #6b7280; } .badge.unknown { background: #7c3aed; }
tr.state-failed td:first-child { border-left: 3px solid #dc2626; }
.tag { display: inline-block; margin: 0 .25em .1em 0; padding: 0 .4em; border: 1px solid var(--line); border-radius: 3px; font-size: .85em; }
.actions, .confirm { display: flex; gap: .5em; align-items: center; margin: .5em 0; }
.confirm { padding: .5em; border: 1px solid #b91c1c; border-radius: 4px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; } dt { color: var(--muted); } dd { margin: 0; }
pre.log { background: var(--pane); color: var(--pane-fg); padding: .6em; max-height: 40vh; min-height: 3em; overflow: auto; white-space: pre-wrap; word-break: break-all; margin: 0 0 1em; }
pre.stderr { border-left: 3px solid #b45309; }
.b { font-weight: bold; }
.c30, .c90 { color: #6b7280; } .c31, .c91 { color: #f87171; } .c32, .c92 { color: #4ade80; } .c33, .c93 { color: #facc15; }
.c34, .c94 { color: #60a5fa; } .c35, .c95 { color: #e879f9; } .c36, .c96 { color: #22d3ee; } .c37, .c97 { color: #f3f4f6; }
#token-form { max-width: 28em; display: grid; gap: .5em; }
`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>agent-exec</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1><a href="#/">agent-exec</a></h1><span id="status"></span></header>
<main id="main"></main>
<script>${CLIENT_JS}</script>
</body>
</html>
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${hash(CLIENT_JS)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function sendPage(res: ServerResponse): void {
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(HTML),
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  });
  res.end(HTML);
}
