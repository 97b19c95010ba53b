import { primer } from "./regex.js";

// Stack frames inside the runtime or an installed library: node's own modules, node_modules, the
// Rust standard library (its sources sit under /rustc/<commit>/ or the toolchain's rustlib) or a
// crate from the registry, Go's standard library (GOROOT/src) or module cache, Python's standard
// library and site-packages. They name files and lines,
// so a view that drops them counts them and names the full log; the program's own frames stay.

/** A JS frame inside node itself ("at … (node:internal/…)", "at … (node:dns:122:26)"). */
export const NODE_FRAME = /^\s*at (?:.*\()?(?:node:|internal\/)/;
/** A JS frame inside node itself or an installed package (POSIX or Windows paths). */
const JS_FRAME = /^\s*at (?:.*\()?(?:node:|internal\/|(?:file:\/\/)?\S*[\\/]node_modules[\\/])/;
/** A Python frame inside an installed library, pip's build env or the standard library (…/lib/python3.11/ or
 *  Windows' …\Lib\); group 1 is its indent. */
export const LIBRARY_FRAME = /^(\s*)File "[^"]*(?:[\\/](?:site|dist)-packages[\\/]|[\\/]pip-build-env-|\/lib\/python\d[.\d]*\/|\\Lib\\)[^"]*", line \d+/;
/** The location line of a Rust backtrace frame inside the standard library or a registry crate. */
const RUST_FRAME_AT = /^\s+at (?:\/rustc\/[0-9a-f]+\/|\S*\/(?:\.cargo\/registry|rustlib)\/)/;
/** The location line of a Go goroutine frame inside the standard library (GOROOT/src/…, "C:/Program Files/Go/src/…") or the module cache. */
const GO_FRAME_AT = /^\t(?:[^\t]*\/[Gg]o[^/]*\/(?:[^/]+\/)*src\/(?:runtime|testing|reflect|sync|internal|syscall|os|net|fmt|io|bufio|strings|strconv|sort|errors|context|time|encoding|bytes)\/|[^\t]*\/pkg\/mod\/)\S+\.go:\d+(?: \+0x[0-9a-f]+)?$/;
/** The function line of a Go goroutine frame ("testing.tRunner(0xc0000d61a0, 0x52f608)", "created by testing.(*T).Run"); its location follows. */
const GO_FRAME_SYMBOL = /^(?:created by \S+|[\w.*()/-]+\(.*\))(?: in goroutine \d+)?$/;
/** The symbol line of a Rust backtrace frame ("   4: core::panicking::assert_failed"); its location follows. */
const RUST_FRAME_SYMBOL = /^\s+\d+: \S/;

/** Where a frame inside the runtime or a library may start (asked of every line: primed by its family). */
export const FRAME_START = /^\s*(at |File )/;

/** Compiles the frame regexes to machine code (regex.ts), for a stream with backtraces. */
const primeFrames = primer([JS_FRAME, LIBRARY_FRAME, RUST_FRAME_AT, RUST_FRAME_SYMBOL, GO_FRAME_AT, GO_FRAME_SYMBOL]);

/** A JS, Rust or Go frame line inside the runtime or a library (Python frames carry their source below: LIBRARY_FRAME). */
export function isRuntimeFrame(line: string): boolean {
  return JS_FRAME.test(line) || RUST_FRAME_AT.test(line) || (line.startsWith("\t") && GO_FRAME_AT.test(line));
}

/** One stream's frames inside the runtime or a library, dropped: how many, and which lines (trimmed). */
export class RuntimeFrames {
  count = 0;
  readonly declared = new Set<string>();
  private libraryIndent = -1; // a dropped Python library frame's indent: its source lines below go too
  private readonly rust: boolean;
  private readonly go: boolean;

  constructor(text: string) {
    this.rust = text.includes("stack backtrace:");
    this.go = text.includes("goroutine ");
    if (this.rust || this.go) primeFrames();
  }

  /** Whether the stream has a Rust backtrace. */
  get backtrace(): boolean {
    return this.rust;
  }

  /** A Rust or Go frame's symbol line ("   4: core::panicking::…", "testing.tRunner(…)"): it goes with the location under it. */
  isSymbol(line: string): boolean {
    return (this.rust && RUST_FRAME_SYMBOL.test(line)) || (this.go && GO_FRAME_SYMBOL.test(line));
  }

  /** Drops a symbol line and the location line under it when that location is inside the runtime. */
  dropsPair(symbol: string, location: string): boolean {
    if (!isRuntimeFrame(location)) return false;
    this.drop(symbol);
    this.drop(location);
    return true;
  }

  /** Drops `line` when it is a JS or Python frame inside the runtime or a library, or the source under a dropped Python one. */
  drops(line: string): boolean {
    const lead = this.libraryIndent >= 0 ? line.trimStart() : line;
    if (this.libraryIndent >= 0 && line.length - lead.length > this.libraryIndent && !lead.startsWith("File ")) {
      this.drop(line);
      return true;
    }
    this.libraryIndent = -1;
    const start = FRAME_START.exec(line)?.[1];
    const library = start === "File " ? LIBRARY_FRAME.exec(line) : null;
    if (library === null && !(start === "at " && isRuntimeFrame(line))) return false;
    this.libraryIndent = library ? library[1]!.length : -1;
    this.drop(line);
    return true;
  }

  private drop(line: string): void {
    this.count++;
    this.declared.add(line.trim());
  }
}
