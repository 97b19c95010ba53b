// The one tree walk over a process table, shared by /proc (proc-table.ts) and the koffi backend's
// Toolhelp32 snapshot (win32-koffi.ts; the addon's C++ walk in native/tree_win32.cc is the same).

/** A process and its parent, as /proc or a Toolhelp32 snapshot lists them. */
export interface ParentLink {
  pid: number;
  ppid: number;
}

/**
 * Every process below `root`, breadth first (a parent before its children), in time linear in
 * the table: one pass files each process under its parent, one pass walks from the root. The walk
 * does not enter `skip`. A pid met twice counts once: on Windows a parent pid is never cleared, so
 * a dead parent's pid reused by its own descendant makes a cycle.
 */
export function descendantsOf(root: number, table: readonly ParentLink[], skip: ReadonlySet<number> = new Set()): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) {
    if (pid === ppid) continue; // Windows' idle process is its own parent
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const seen = new Set([root]);
  const visit = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      if (seen.has(child) || skip.has(child)) continue;
      seen.add(child);
      out.push(child);
    }
  };
  visit(root);
  for (let i = 0; i < out.length; i++) visit(out[i]!);
  return out;
}
