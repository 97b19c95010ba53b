import koffi from "koffi";
import { descendantsOf, type ParentLink } from "./descendants.js";
import { jobInfoOf, type JobInfo, type ProcessTreeBackend, type TreeTarget } from "./process-tree.js";
import type { ResolvedSignal } from "./signals.js";
import { guardTarget } from "./target-guard.js";
import { win32ContainmentFailure, win32JobBusy, win32SignalFailure } from "./tree-errors.js";

// kernel32 Job Objects and Toolhelp32 through koffi.
//
// Why the supervisor puts *itself* in the job before it starts anything (cargo's pattern):
// Node (libuv) assigns a non-detached child to its own job *after* CreateProcess and that job
// allows silent breakaway, so the child's children are never in it; a detached child is in no job
// at all. A process, however, inherits its parent's job at creation, and a child that breaks away
// from a job allowing it stops at the first enclosing job that does not. Our job allows no
// breakaway, so every descendant of the supervisor is in it from its first instruction: there is
// no window in which a grandchild can be started outside it. Ending the tree then means ending
// every process in the job except the supervisor, which stays to record the outcome.

const JOB_OBJECT_ALL_ACCESS = 0x1f001f;
const PROCESS_TERMINATE = 0x0001;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const JOB_OBJECT_BASIC_PROCESS_ID_LIST = 3;
const JOB_OBJECT_BASIC_ACCOUNTING_INFORMATION = 1;
const JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9;
const JOB_OBJECT_QUERY = 0x0004;
// JOBOBJECT_EXTENDED_LIMIT_INFORMATION on x64: BasicLimitInformation (64 bytes), IoInfo (48),
// then four SIZE_T: ProcessMemoryLimit, JobMemoryLimit, PeakProcessMemoryUsed, PeakJobMemoryUsed.
const EXTENDED_LIMIT_SIZE = 144;
const PEAK_JOB_MEMORY_OFFSET = 136;
const TH32CS_SNAPPROCESS = 0x2;
const ERROR_INVALID_PARAMETER = 87; // OpenProcess on a pid that no longer exists
const STILL_ACTIVE = 259;
const TERMINATED_EXIT_CODE = 1; // what libuv uses for TerminateProcess, too
// A job that keeps spawning while we end it gets this many passes.
const MAX_PASSES = 50;

type Handle = unknown;

// koffi registers a struct's name once per process, so the bindings are made once and shared by
// every backend created here (a second createWin32KoffiBackend() must not redeclare PROCESSENTRY32W).
let bindings: ReturnType<typeof bind> | undefined;

function bind() {
  const k32 = koffi.load("kernel32.dll");
  const PROCESSENTRY32W = koffi.struct("PROCESSENTRY32W", {
    dwSize: "uint32",
    cntUsage: "uint32",
    th32ProcessID: "uint32",
    th32DefaultHeapID: "uintptr_t",
    th32ModuleID: "uint32",
    cntThreads: "uint32",
    th32ParentProcessID: "uint32",
    pcPriClassBase: "int32",
    dwFlags: "uint32",
    szExeFile: koffi.array("char16_t", 260, "String"),
  });
  const api = {
    CreateJobObjectW: k32.func("void * __stdcall CreateJobObjectW(void *attrs, str16 name)"),
    OpenJobObjectW: k32.func("void * __stdcall OpenJobObjectW(uint32 access, bool inherit, str16 name)"),
    AssignProcessToJobObject: k32.func("bool __stdcall AssignProcessToJobObject(void *job, void *process)"),
    QueryInformationJobObject: k32.func(
      "bool __stdcall QueryInformationJobObject(void *job, int infoClass, _Out_ uint8_t *info, uint32 length, _Out_ uint32 *returned)",
    ),
    GetCurrentProcess: k32.func("void * __stdcall GetCurrentProcess()"),
    OpenProcess: k32.func("void * __stdcall OpenProcess(uint32 access, bool inherit, uint32 pid)"),
    TerminateProcess: k32.func("bool __stdcall TerminateProcess(void *process, uint32 exitCode)"),
    GetExitCodeProcess: k32.func("bool __stdcall GetExitCodeProcess(void *process, _Out_ uint32 *code)"),
    GetProcessTimes: k32.func(
      "bool __stdcall GetProcessTimes(void *process, _Out_ uint8_t *created, _Out_ uint8_t *exited, _Out_ uint8_t *kernel, _Out_ uint8_t *user)",
    ),
    CloseHandle: k32.func("bool __stdcall CloseHandle(void *handle)"),
    GetLastError: k32.func("uint32 __stdcall GetLastError()"),
    CreateToolhelp32Snapshot: k32.func("void * __stdcall CreateToolhelp32Snapshot(uint32 flags, uint32 pid)"),
    Process32FirstW: k32.func("bool __stdcall Process32FirstW(void *snapshot, _Inout_ PROCESSENTRY32W *entry)"),
    Process32NextW: k32.func("bool __stdcall Process32NextW(void *snapshot, _Inout_ PROCESSENTRY32W *entry)"),
  };
  return { api, entrySize: koffi.sizeof(PROCESSENTRY32W) };
}

export function createWin32KoffiBackend(): ProcessTreeBackend {
  bindings ??= bind();
  const { api, entrySize } = bindings;
  // The supervisor's job handle: open for the process's whole life, so the job (and its name) live on.
  let ownJob: Handle | undefined;

  /** Pids currently in the job. */
  function jobPids(job: Handle): number[] {
    const capacity = 1024;
    const buffer = Buffer.alloc(8 + capacity * 8);
    if (!api.QueryInformationJobObject(job, JOB_OBJECT_BASIC_PROCESS_ID_LIST, buffer, buffer.length, [0])) {
      throw win32SignalFailure("QueryInformationJobObject", api.GetLastError());
    }
    const count = buffer.readUInt32LE(4);
    return Array.from({ length: Math.min(count, capacity) }, (_, i) => Number(buffer.readBigUInt64LE(8 + i * 8)));
  }

  /** Ends one process. False when it was already gone; throws when a live process survives. */
  function terminate(pid: number): boolean {
    const handle = api.OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
    if (!handle) {
      const err = api.GetLastError();
      if (err === ERROR_INVALID_PARAMETER) return false;
      throw win32SignalFailure(`OpenProcess(${pid})`, err);
    }
    try {
      const code = [0];
      // Exited already, while something still holds a handle to it (its parent, say): gone, and
      // TerminateProcess must not count it as ended (Wine reports success for a dead process).
      if (api.GetExitCodeProcess(handle, code) && code[0] !== STILL_ACTIVE) return false;
      if (api.TerminateProcess(handle, TERMINATED_EXIT_CODE)) return true;
      const err = api.GetLastError();
      // TerminateProcess is refused for a process that is already exiting: that is success too.
      if (api.GetExitCodeProcess(handle, code) && code[0] !== STILL_ACTIVE) return false;
      throw win32SignalFailure(`TerminateProcess(${pid})`, err);
    } finally {
      api.CloseHandle(handle);
    }
  }

  /** Ends every process in the job but the supervisor (and us), until none is left. */
  function terminateJob(job: Handle, spare: Set<number>): boolean {
    let any = false;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const targets = jobPids(job).filter((pid) => !spare.has(pid));
      if (targets.length === 0) return any;
      for (const pid of targets) any = terminate(pid) || any;
    }
    throw win32JobBusy();
  }

  /** Fallback without a job: the Toolhelp32 snapshot's descendants of `root`, children first. */
  function terminateDescendants(root: number, spare: Set<number>): boolean {
    const order = [root, ...descendantsOf(root, snapshot())];
    let any = false;
    for (const pid of order.reverse()) if (!spare.has(pid)) any = terminate(pid) || any;
    return any;
  }

  function snapshot(): ParentLink[] {
    const snap = api.CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (!snap || koffi.address(snap) === 0xffffffffffffffffn) throw win32SignalFailure("CreateToolhelp32Snapshot", api.GetLastError());
    try {
      const out: ParentLink[] = [];
      const entry = { dwSize: entrySize } as Record<string, number>;
      for (let ok = api.Process32FirstW(snap, entry); ok; ok = api.Process32NextW(snap, entry)) {
        out.push({ pid: entry.th32ProcessID!, ppid: entry.th32ParentProcessID! });
        entry.dwSize = entrySize;
      }
      return out;
    } finally {
      api.CloseHandle(snap);
    }
  }

  return {
    name: "koffi",
    version: koffi.version,
    containSelf(jobId: string): string {
      const name = `AgentExec-${jobId}`;
      const job = api.CreateJobObjectW(null, name);
      if (!job) throw win32ContainmentFailure(name, "CreateJobObjectW", api.GetLastError());
      if (!api.AssignProcessToJobObject(job, api.GetCurrentProcess())) {
        const err = api.GetLastError();
        api.CloseHandle(job);
        throw win32ContainmentFailure(name, "AssignProcessToJobObject", err);
      }
      ownJob = job;
      return name;
    },
    processStartTime(pid: number): string | null {
      const handle = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
      if (!handle) return null;
      try {
        // FILETIMEs read as bytes: a 64-bit count of 100 ns units, exact (the addon gives the same string).
        const [created, exited, kernel, user] = Array.from({ length: 4 }, () => Buffer.alloc(8));
        return api.GetProcessTimes(handle, created, exited, kernel, user) ? String(created!.readBigUInt64LE(0)) : null;
      } finally {
        api.CloseHandle(handle);
      }
    },
    signalTree(target: TreeTarget, _signal: ResolvedSignal): boolean {
      guardTarget(target);
      const spare = new Set([process.pid, ...(target.supervisorPid ? [target.supervisorPid] : [])]);
      if (!target.windowsJobName) return terminateDescendants(target.pid, spare);
      if (ownJob) return terminateJob(ownJob, spare);
      const job = api.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, false, target.windowsJobName);
      if (!job) return terminateDescendants(target.pid, spare);
      try {
        return terminateJob(job, spare);
      } finally {
        api.CloseHandle(job);
      }
    },
    becomeSubreaper: () => false,
    reapChild: () => false,
    childrenUsage: () => null,
    queryJob(jobName: string | null): JobInfo | null {
      const job = jobName === null ? ownJob : api.OpenJobObjectW(JOB_OBJECT_QUERY, false, jobName);
      if (!job) return null;
      try {
        const pids = jobPids(job);
        // JOBOBJECT_BASIC_ACCOUNTING_INFORMATION starts with TotalUserTime, TotalKernelTime (100 ns).
        const accounting = Buffer.alloc(48);
        if (!api.QueryInformationJobObject(job, JOB_OBJECT_BASIC_ACCOUNTING_INFORMATION, accounting, accounting.length, [0])) {
          throw win32SignalFailure("QueryInformationJobObject(BasicAccounting)", api.GetLastError());
        }
        const limits = Buffer.alloc(EXTENDED_LIMIT_SIZE);
        if (!api.QueryInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, limits, limits.length, [0])) {
          throw win32SignalFailure("QueryInformationJobObject(ExtendedLimit)", api.GetLastError());
        }
        const [user, kernel] = [accounting.readBigInt64LE(0), accounting.readBigInt64LE(8)];
        return jobInfoOf(pids, Number(user), Number(kernel), Number(limits.readBigUInt64LE(PEAK_JOB_MEMORY_OFFSET)));
      } finally {
        if (job !== ownJob) api.CloseHandle(job);
      }
    },
  };
}
