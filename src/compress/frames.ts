import { primer } from "./regex.js";

// Stack frames inside the runtime or an installed library: node's own modules, node_modules, the
// Rust standard library (its sources sit under /rustc/<commit>/ or the toolchain's rustlib) or a
// crate from the registry, Go's standard library (GOROOT/src) or module cache, Python's standard
// library and site-packages. They name files and lines,
// so a view that drops them counts them and names the full log; the program's own frames stay.

/** A JS frame inside node itself ("at … (node:internal/…)", "at … (node:dns:122:26)"). */
export const NODE_FRAME = /^\s*at (?:.*\()?(?:node:|internal\/)/;
/** A JS frame inside node itself or an installed package. */
const JS_FRAME = /^\s*at (?:.*\()?(?:node:|internal\/|(?:file:\/\/)?\S*\/node_modules\/)/;
/** A Python frame inside an installed library, pip's build env or the standard library; group 1 is its indent. */
export const LIBRARY_FRAME = /^(\s*)File "[^"]*(?:\/site-packages\/|\/dist-packages\/|\/pip-build-env-|\/lib\/python\d[.\d]*\/)[^"]*", line \d+/;
/** The location line of a Rust backtrace frame inside the standard library or a registry crate. */
const RUST_FRAME_AT = /^\s+at (?:\/rustc\/[0-9a-f]+\/|\S*\/(?:\.cargo\/registry|rustlib)\/)/;
/** The location line of a Go goroutine frame inside the standard library (GOROOT/src/…) or the module cache. */
const GO_FRAME_AT = /^\t(?:\S*\/go[^/\s]*\/(?:[^/\s]+\/)*src\/(?:runtime|testing|reflect|sync|internal|syscall|os|net|fmt|io|bufio|strings|strconv|sort|errors|context|time|encoding|bytes)\/|\S*\/pkg\/mod\/)\S+\.go:\d+(?: \+0x[0-9a-f]+)?$/;
/** The function line of a Go goroutine frame ("testing.tRunner(0xc0000d61a0, 0x52f608)", "created by testing.(*T).Run"); its location follows. */
export const GO_FRAME_SYMBOL = /^(?:created by \S+|[\w.*()/-]+\(.*\))(?: in goroutine \d+)?$/;
/** The symbol line of a Rust backtrace frame ("   4: core::panicking::assert_failed"); its location follows. */
export const RUST_FRAME_SYMBOL = /^\s+\d+: \S/;

/** Compiles the frame regexes to machine code (regex.ts), for a stream that has stack frames. */
export const primeFrames = primer([JS_FRAME, LIBRARY_FRAME, RUST_FRAME_AT, RUST_FRAME_SYMBOL, GO_FRAME_AT, GO_FRAME_SYMBOL]);

/** A JS, Rust or Go frame line inside the runtime or a library (Python frames carry their source below: LIBRARY_FRAME). */
export function isRuntimeFrame(line: string): boolean {
  return JS_FRAME.test(line) || RUST_FRAME_AT.test(line) || (line.startsWith("\t") && GO_FRAME_AT.test(line));
}
