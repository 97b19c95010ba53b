// Who may talk to `serve` at all, checked before authentication and routing: a web page must not be
// able to drive it. A browser lets any site send a "simple" cross-origin request (a form or
// text/plain POST, an <img> GET) without asking the server first, and a DNS-rebound name makes the
// browser treat 127.0.0.1 as the attacker's own origin. So: refuse an Origin other than the one
// `--allow-origin` names, a cross-site fetch without one, a Host that is not a name of the loopback
// address we are bound to, and a POST body that is not JSON (no form can send application/json).
import type { IncomingMessage, ServerResponse } from "node:http";
import { MIMEType } from "node:util";
import { AgentExecError } from "../protocol/errors.js";
import { isLoopbackHost } from "./auth.js";

export interface RequestGuard {
  /** Host header values accepted (lowercase); undefined accepts any (a non-loopback bind). */
  hosts?: ReadonlySet<string>;
  /** The one origin that gets CORS answers (`--allow-origin`), in its serialized form. */
  origin?: string;
}

/**
 * The Host values a loopback server answers to: 127.0.0.1, localhost and [::1] with the bound port,
 * and the bound address itself (e.g. 127.0.0.2); without the port too when it is 80. A rebound name
 * (attacker.example resolving to 127.0.0.1) is none of these. On a non-loopback bind the names that
 * reach the machine cannot be known (its hostnames, container aliases, proxies, port mappings), and
 * the token that bind requires is a header no page can make a browser send, so any Host is accepted.
 */
export function requestGuard(bound: { host: string; port: number }, origin?: string): RequestGuard {
  if (!isLoopbackHost(bound.host)) return { origin };
  const exact = bound.host.includes(":") ? `[${bound.host}]` : bound.host;
  const names = new Set(["127.0.0.1", "localhost", "[::1]", exact.toLowerCase()]);
  const hosts = new Set([...names].map((name) => `${name}:${bound.port}`));
  if (bound.port === 80) for (const name of names) hosts.add(name);
  return { hosts, origin };
}

/** Checks `--allow-origin`: one http(s) origin, serialized as browsers send it; `*` is refused. */
export function parseAllowOrigin(value: string): string {
  if (value.trim() === "*") throw invalidOrigin(value, "the wildcard '*' is not allowed: name the one origin to allow");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOrigin(value, "expected an origin such as https://app.example.com");
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || `${url.origin}/` !== url.href.replace(/\/?$/, "/")) {
    throw invalidOrigin(value, "expected scheme://host[:port] (http or https), without a path, query or credentials");
  }
  return url.origin;
}

function invalidOrigin(value: string, reason: string): AgentExecError {
  return new AgentExecError("invalid_config", `invalid --allow-origin ${JSON.stringify(value)}: ${reason}`);
}

const PREFLIGHT_HEADERS = {
  "Access-Control-Allow-Methods": "GET, POST",
  "Access-Control-Allow-Headers": "Authorization, Content-Type",
  "Access-Control-Max-Age": "600",
};

/**
 * Throws forbidden_origin, invalid_host or unsupported_media_type; adds the CORS headers for the
 * allowed origin. Returns true when it has answered the request itself (a CORS preflight).
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse, guard: RequestGuard): boolean {
  const host = req.headers.host?.toLowerCase();
  if (guard.hosts && (host === undefined || !guard.hosts.has(host))) {
    throw new AgentExecError("invalid_host", `refusing Host ${JSON.stringify(req.headers.host ?? "")}: this server answers to ${[...guard.hosts].join(", ")}`);
  }
  if (guard.origin) res.setHeader("Vary", "Origin");
  const origin = req.headers.origin;
  // The dashboard's own page (GET /) sends its origin on a POST (its kill button): the Host it
  // names has just passed the check above, so that is this server, not another site.
  if (origin !== undefined && origin === `http://${host}` && origin !== guard.origin) {
    if (req.method === "POST") requireJsonBody(req);
    return false;
  }
  if (origin !== undefined) {
    if (origin !== guard.origin) {
      const hint = guard.origin ? `only ${guard.origin} is allowed` : "no origin is allowed (see --allow-origin)";
      throw new AgentExecError("forbidden_origin", `refusing a request from origin ${JSON.stringify(origin)}: ${hint}`);
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      // Chrome's Private Network Access asks before a public page may reach a loopback address.
      const pna = req.headers["access-control-request-private-network"] === "true" ? { "Access-Control-Allow-Private-Network": "true" } : {};
      res.writeHead(204, { ...PREFLIGHT_HEADERS, ...pna }).end();
      return true;
    }
  } else if (["cross-site", "same-site"].includes(String(req.headers["sec-fetch-site"]))) {
    // A browser's no-cors request (<img>, <script>, a link) carries no Origin, but says where it came from.
    throw new AgentExecError("forbidden_origin", `refusing a ${req.headers["sec-fetch-site"]} browser request without an Origin`);
  }
  if (req.method === "POST") requireJsonBody(req);
  return false;
}

/** A POST body must be declared application/json; a POST without a body needs no Content-Type. */
function requireJsonBody(req: IncomingMessage): void {
  const declared = req.headers["content-type"];
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) !== 0;
  if (declared === undefined && !hasBody) return;
  let essence: string | undefined;
  try {
    essence = declared === undefined ? undefined : new MIMEType(declared).essence;
  } catch {
    essence = undefined;
  }
  if (essence !== "application/json") {
    throw new AgentExecError(
      "unsupported_media_type",
      `a request body must be sent as Content-Type: application/json (got ${declared === undefined ? "no Content-Type" : JSON.stringify(declared)})`,
    );
  }
}
