import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/**
 * True when the Authorization header carries `Bearer <expected>`. Both sides are hashed first so
 * the comparison is constant-time and its length does not depend on the token's.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer[ \t]+(.+)$/i.exec(header?.trim() ?? "");
  const given = match ? match[1]!.trim() : "";
  const equal = timingSafeEqual(digest(given), digest(expected));
  return match !== null && equal;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Loopback: 127.0.0.0/8, ::1, the IPv4-mapped 127.x.y.z, or the name "localhost". */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) {
    if (bare === "::1" || /^0*(:0*){6}:0*1$/.test(bare)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped !== null && mapped[1]!.startsWith("127.");
  }
  return false;
}
