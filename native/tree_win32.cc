// Windows: Job Objects and the Toolhelp32 tree walk, in C++. Same algorithm and the same results
// as src/platform/win32-koffi.ts (read its header comment for why the supervisor puts itself in
// the job before it starts anything):
//
//   containSelf(name)                    create the named job, assign the current process to it;
//                                        returns { job } (an opaque handle, kept open for the
//                                        process's whole life) or { call, error }
//   signalTree(root, jobName, spare, own) end every process in the job (`own`, else the job opened
//                                        by name) except the pids in `spare`, pass after pass
//                                        until it is empty; without a job, the Toolhelp32
//                                        descendants of `root`, children first. Returns
//                                        { delivered } | { call, error } | { busy: true }
//                                        | { refused } (the root is this process or a spared one)
//   isAlive(pid)                         OpenProcess + GetExitCodeProcess != STILL_ACTIVE
//   processStartTime(pid)                GetProcessTimes' creation time as a decimal string, or null
//   queryJob(jobName, own)               the job's pids and accounting (CPU time of every process
//                                        it ever held, PeakJobMemoryUsed): { pids, user, kernel,
//                                        peak } (times in 100 ns) | null (no such job) | { call, error }
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <tlhelp32.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tree.h"

namespace agent_exec {
namespace {

constexpr DWORD kInvalidParameter = 87;  // OpenProcess on a pid that no longer exists
constexpr DWORD kMoreData = 234;         // ERROR_MORE_DATA: the pid list did not fit
constexpr DWORD kStillActive = 259;
constexpr UINT kTerminatedExitCode = 1;  // what libuv uses for TerminateProcess, too
constexpr int kMaxPasses = 50;           // a job that keeps spawning while we end it gets this many
constexpr size_t kInitialCapacity = 1024;

// The first Win32 call that failed, and GetLastError() right after it.
struct Failure {
  std::string call;
  DWORD error = 0;
  bool busy = false;
  bool failed() const { return busy || !call.empty(); }
};

Napi::Object Delivered(Napi::Env env, bool delivered) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("delivered", Napi::Boolean::New(env, delivered));
  return result;
}

Napi::Object Failed(Napi::Env env, const Failure& failure) {
  Napi::Object result = Napi::Object::New(env);
  if (failure.busy) {
    result.Set("busy", Napi::Boolean::New(env, true));
  } else {
    result.Set("call", Napi::String::New(env, failure.call));
    result.Set("error", Napi::Number::New(env, static_cast<double>(failure.error)));
  }
  return result;
}

bool ReadPid(const Napi::Value& value, DWORD* out) {
  if (!value.IsNumber()) return false;
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number != std::floor(number) || number < 0 || number > 4294967295.0) return false;
  *out = static_cast<DWORD>(number);
  return true;
}

/** Ends one process. Sets *ended when it did; an already-gone process is no failure. */
void Terminate(DWORD pid, bool* ended, Failure* failure) {
  HANDLE process = OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process == nullptr) {
    DWORD err = GetLastError();
    if (err == kInvalidParameter) return;
    *failure = {"OpenProcess(" + std::to_string(pid) + ")", err};
    return;
  }
  DWORD code = 0;
  // Exited already, while something still holds a handle to it (its parent, say): gone, and
  // TerminateProcess must not count it as ended (Wine reports success for a dead process).
  if (GetExitCodeProcess(process, &code) && code != kStillActive) {
    CloseHandle(process);
    return;
  }
  if (TerminateProcess(process, kTerminatedExitCode)) {
    *ended = true;
  } else {
    DWORD err = GetLastError();
    // TerminateProcess is refused for a process that is already exiting: that is success too.
    if (!(GetExitCodeProcess(process, &code) && code != kStillActive)) {
      *failure = {"TerminateProcess(" + std::to_string(pid) + ")", err};
    }
  }
  CloseHandle(process);
}

/** Pids currently in the job. */
bool JobPids(HANDLE job, std::vector<DWORD>* pids, Failure* failure) {
  size_t capacity = kInitialCapacity;
  for (;;) {
    const size_t bytes = offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList) + capacity * sizeof(ULONG_PTR);
    std::vector<unsigned char> buffer(bytes);
    auto* list = reinterpret_cast<JOBOBJECT_BASIC_PROCESS_ID_LIST*>(buffer.data());
    if (QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, static_cast<DWORD>(bytes), nullptr)) {
      const size_t count = std::min<size_t>(list->NumberOfProcessIdsInList, capacity);
      pids->assign(list->ProcessIdList, list->ProcessIdList + count);
      return true;
    }
    DWORD err = GetLastError();
    // More processes than room: grow once per pass rather than miss some (koffi stops at 1024).
    if (err == kMoreData && capacity < (1u << 20)) {
      capacity = std::max<size_t>(capacity * 2, static_cast<size_t>(list->NumberOfAssignedProcesses) + 64);
      continue;
    }
    *failure = {"QueryInformationJobObject", err};
    return false;
  }
}

/** Ends every process in the job but the spared ones, until none is left. */
bool TerminateJob(HANDLE job, const std::unordered_set<DWORD>& spare, Failure* failure) {
  bool any = false;
  for (int pass = 0; pass < kMaxPasses; pass++) {
    std::vector<DWORD> pids;
    if (!JobPids(job, &pids, failure)) return false;
    std::vector<DWORD> targets;
    for (DWORD pid : pids) {
      if (!spare.count(pid)) targets.push_back(pid);
    }
    if (targets.empty()) return any;
    for (DWORD pid : targets) {
      Terminate(pid, &any, failure);
      if (failure->failed()) return false;
    }
  }
  failure->busy = true;
  return false;
}

/** Fallback without a job: the Toolhelp32 snapshot's descendants of `root`, children first. */
bool TerminateDescendants(DWORD root, const std::unordered_set<DWORD>& spare, Failure* failure) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE || snapshot == nullptr) {
    *failure = {"CreateToolhelp32Snapshot", GetLastError()};
    return false;
  }
  std::unordered_map<DWORD, std::vector<DWORD>> children;
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof(entry);
  for (BOOL ok = Process32FirstW(snapshot, &entry); ok; ok = Process32NextW(snapshot, &entry)) {
    if (entry.th32ProcessID != entry.th32ParentProcessID) {
      children[entry.th32ParentProcessID].push_back(entry.th32ProcessID);
    }
    entry.dwSize = sizeof(entry);
  }
  CloseHandle(snapshot);

  // Breadth first from the root (a pid seen twice, e.g. through a reused parent pid, counts once).
  std::vector<DWORD> order{root};
  std::unordered_set<DWORD> seen{root};
  for (size_t i = 0; i < order.size(); i++) {
    auto found = children.find(order[i]);
    if (found == children.end()) continue;
    for (DWORD child : found->second) {
      if (seen.insert(child).second) order.push_back(child);
    }
  }
  bool any = false;
  for (auto pid = order.rbegin(); pid != order.rend(); ++pid) {
    if (spare.count(*pid)) continue;
    Terminate(*pid, &any, failure);
    if (failure->failed()) return false;
  }
  return any;
}

// containSelf(name: string) -> { job: External } | { call, error }
Napi::Value ContainSelf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "the job name must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::u16string name = info[0].As<Napi::String>().Utf16Value();
  HANDLE job = CreateJobObjectW(nullptr, reinterpret_cast<LPCWSTR>(name.c_str()));
  if (job == nullptr) return Failed(env, {"CreateJobObjectW", GetLastError()});
  if (!AssignProcessToJobObject(job, GetCurrentProcess())) {
    Failure failure{"AssignProcessToJobObject", GetLastError()};
    CloseHandle(job);
    return Failed(env, failure);
  }
  // Never closed: the handle keeps the job (and its name) alive while this process lives.
  Napi::Object result = Napi::Object::New(env);
  result.Set("job", Napi::External<void>::New(env, job));
  return result;
}

// signalTree(root: number, jobName: string | null, spare: number[], ownJob?: External)
Napi::Value SignalTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DWORD root = 0;
  // Root 0 (the idle process) would make the Toolhelp32 walk reach System and everything under it.
  if (info.Length() < 3 || !ReadPid(info[0], &root) || root == 0 || !(info[1].IsString() || info[1].IsNull()) ||
      !info[2].IsArray()) {
    Napi::TypeError::New(env, "signalTree(root: pid > 0, jobName: string | null, spare: number[], ownJob?)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::unordered_set<DWORD> spare;
  Napi::Array spareList = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < spareList.Length(); i++) {
    DWORD pid = 0;
    if (ReadPid(spareList.Get(i), &pid)) spare.insert(pid);
  }
  // Root 1 never names a job's workload; a spared root (this process, the supervisor) would make
  // the walk end everything they started. Refused before anything is opened.
  if (root == 1 || spare.count(root)) {
    Napi::Object refused = Napi::Object::New(env);
    refused.Set("refused", Napi::String::New(env, root == GetCurrentProcessId() ? "self" : "supervisor"));
    return refused;
  }
  Failure failure;
  bool any = false;
  if (info.Length() > 3 && info[3].IsExternal()) {
    any = TerminateJob(static_cast<HANDLE>(info[3].As<Napi::External<void>>().Data()), spare, &failure);
  } else {
    HANDLE job = nullptr;
    if (info[1].IsString()) {
      std::u16string name = info[1].As<Napi::String>().Utf16Value();
      job = OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, FALSE, reinterpret_cast<LPCWSTR>(name.c_str()));
    }
    if (job == nullptr) {
      any = TerminateDescendants(root, spare, &failure);
    } else {
      any = TerminateJob(job, spare, &failure);
      CloseHandle(job);
    }
  }
  if (failure.failed()) return Failed(env, failure);
  return Delivered(env, any);
}

// The first argument as a pid, or a TypeError thrown into JavaScript.
bool PidArgument(const Napi::CallbackInfo& info, DWORD* pid) {
  if (info.Length() >= 1 && ReadPid(info[0], pid)) return true;
  Napi::TypeError::New(info.Env(), "pid must be a whole number").ThrowAsJavaScriptException();
  return false;
}

// isAlive(pid) -> boolean. A process we may not open (access denied) exists, so it is alive.
Napi::Value IsAlive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DWORD pid = 0;
  if (!PidArgument(info, &pid)) return env.Undefined();
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process == nullptr) return Napi::Boolean::New(env, GetLastError() == ERROR_ACCESS_DENIED);
  DWORD code = 0;
  bool alive = GetExitCodeProcess(process, &code) && code == kStillActive;
  CloseHandle(process);
  return Napi::Boolean::New(env, alive);
}

// processStartTime(pid) -> string | null: the creation time, which a later process with the same
// pid cannot share. Readable while any handle keeps the process object, even after it exited.
Napi::Value ProcessStartTime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DWORD pid = 0;
  if (!PidArgument(info, &pid)) return env.Undefined();
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process == nullptr) return env.Null();
  FILETIME created, exited, kernel, user;
  BOOL ok = GetProcessTimes(process, &created, &exited, &kernel, &user);
  CloseHandle(process);
  if (!ok) return env.Null();
  unsigned long long ticks = (static_cast<unsigned long long>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
  return Napi::String::New(env, std::to_string(ticks));
}

// queryJob(jobName: string | null, ownJob?: External)
Napi::Value QueryJob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HANDLE job = nullptr;
  bool opened = false;
  if (info.Length() > 1 && info[1].IsExternal()) {
    job = static_cast<HANDLE>(info[1].As<Napi::External<void>>().Data());
  } else if (info.Length() > 0 && info[0].IsString()) {
    std::u16string name = info[0].As<Napi::String>().Utf16Value();
    job = OpenJobObjectW(JOB_OBJECT_QUERY, FALSE, reinterpret_cast<LPCWSTR>(name.c_str()));
    opened = job != nullptr;
  }
  if (job == nullptr) return env.Null();
  Failure failure;
  std::vector<DWORD> pids;
  JOBOBJECT_BASIC_ACCOUNTING_INFORMATION accounting{};
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  if (JobPids(job, &pids, &failure)) {
    if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &accounting, sizeof accounting, nullptr)) {
      failure = {"QueryInformationJobObject(BasicAccounting)", GetLastError()};
    } else if (!QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits, nullptr)) {
      failure = {"QueryInformationJobObject(ExtendedLimit)", GetLastError()};
    }
  }
  if (opened) CloseHandle(job);
  if (failure.failed()) return Failed(env, failure);
  Napi::Object result = Napi::Object::New(env);
  Napi::Array list = Napi::Array::New(env, pids.size());
  for (uint32_t i = 0; i < pids.size(); i++) list.Set(i, Napi::Number::New(env, static_cast<double>(pids[i])));
  result.Set("pids", list);
  result.Set("user", Napi::Number::New(env, static_cast<double>(accounting.TotalUserTime.QuadPart)));
  result.Set("kernel", Napi::Number::New(env, static_cast<double>(accounting.TotalKernelTime.QuadPart)));
  result.Set("peak", Napi::Number::New(env, static_cast<double>(limits.PeakJobMemoryUsed)));
  return result;
}

}  // namespace

const char* RegisterTreeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("containSelf", Napi::Function::New(env, ContainSelf, "containSelf"));
  exports.Set("signalTree", Napi::Function::New(env, SignalTree, "signalTree"));
  exports.Set("isAlive", Napi::Function::New(env, IsAlive, "isAlive"));
  exports.Set("processStartTime", Napi::Function::New(env, ProcessStartTime, "processStartTime"));
  exports.Set("queryJob", Napi::Function::New(env, QueryJob, "queryJob"));
  return "win32";
}

}  // namespace agent_exec
