// POSIX: signal a workload's process group, falling back to the pid alone; liveness probes.
//
// The workload leads its own process group (the supervisor spawns it detached, i.e. setsid), so
// kill(-pgid) reaches every descendant that did not leave the group on purpose. This is the same
// algorithm as src/platform/posix-koffi.ts, done in one native call: no FFI marshalling, no libc
// binding at run time, errno read right after the call that set it.
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

#include <cmath>

#include "tree.h"

namespace agent_exec {
namespace {

// A pid argument: a whole number of at least `min`. Where it may be negated into a group (min 2),
// 0, -1 and 1 must never reach kill(): kill(0) and kill(-1) signal our own group or every process
// we may signal, and getpgid(1) == 1 would turn the group path into kill(-1).
bool ReadPid(const Napi::CallbackInfo& info, size_t index, pid_t* out, double min = 2) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsNumber()) {
    Napi::TypeError::New(env, "pid must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || value != std::floor(value) || value < min || value > 2147483647.0) {
    Napi::RangeError::New(env, min > 1 ? "pid must be a whole number greater than 1" : "pid must be a positive whole number")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<pid_t>(value);
  return true;
}

bool ReadSignal(const Napi::CallbackInfo& info, size_t index, int* out) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsNumber()) {
    Napi::TypeError::New(env, "signal must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || value != std::floor(value) || value < 0 || value > 1024) {
    Napi::RangeError::New(env, "signal must be a signal number").ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

// 0 when delivered, otherwise errno (ESRCH: nothing there).
int Send(pid_t pid, int sig) { return kill(pid, sig) == 0 ? 0 : errno; }

Napi::Object Delivered(Napi::Env env, bool delivered) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("delivered", Napi::Boolean::New(env, delivered));
  return result;
}

Napi::Object Failed(Napi::Env env, int err, bool group) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("errno", Napi::Number::New(env, err));
  result.Set("group", Napi::Boolean::New(env, group));
  return result;
}

Napi::Object Refused(Napi::Env env, const char* why) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("refused", Napi::String::New(env, why));
  return result;
}

// signalTree(pid, signal, supervisorPid?) -> { delivered } | { errno, group } | { refused }
// A pid that is our own process group, or the supervisor's, is refused before any signal: the
// group path below would otherwise end this process or the supervisor with the workload.
Napi::Value SignalTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid;
  int sig;
  if (!ReadPid(info, 0, &pid) || !ReadSignal(info, 1, &sig)) return env.Undefined();
  if (pid == getpgrp()) return Refused(env, "own_group");
  if (info.Length() > 2 && info[2].IsNumber()) {
    double supervisor = info[2].As<Napi::Number>().DoubleValue();
    if (supervisor > 1 && supervisor <= 2147483647.0 && supervisor == std::floor(supervisor) &&
        getpgid(static_cast<pid_t>(supervisor)) == pid) {
      return Refused(env, "supervisor_group");
    }
  }
  // The root leads its group, or is gone while the rest of its group may live on.
  pid_t pgid = getpgid(pid);
  if (pgid == pid || pgid == -1) {
    int err = Send(-pid, sig);
    if (err == 0) return Delivered(env, true);
    if (err != ESRCH) return Failed(env, err, true);
  }
  int err = Send(pid, sig);
  if (err == 0) return Delivered(env, true);
  if (err == ESRCH) return Delivered(env, false);
  return Failed(env, err, false);
}

// kill(target, 0): alive unless ESRCH (EPERM means it exists but is not ours).
bool Probe(pid_t target) { return kill(target, 0) == 0 || errno == EPERM; }

// isAlive(pid) -> boolean
Napi::Value IsAlive(const Napi::CallbackInfo& info) {
  pid_t pid;
  if (!ReadPid(info, 0, &pid, 1)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), Probe(pid));
}

// isGroupAlive(pgid) -> boolean: some process of the group still exists.
Napi::Value IsGroupAlive(const Napi::CallbackInfo& info) {
  pid_t pgid;
  if (!ReadPid(info, 0, &pgid)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), Probe(-pgid));
}

// processGroupOf(pid) -> number | null (null: no such process)
Napi::Value ProcessGroupOf(const Napi::CallbackInfo& info) {
  pid_t pid;
  if (!ReadPid(info, 0, &pid, 1)) return info.Env().Undefined();
  pid_t pgid = getpgid(pid);
  if (pgid == -1) return info.Env().Null();
  return Napi::Number::New(info.Env(), pgid);
}

// becomeSubreaper() -> boolean: orphaned descendants re-parent to this process (Linux only).
Napi::Value BecomeSubreaper(const Napi::CallbackInfo& info) {
#ifdef PR_SET_CHILD_SUBREAPER
  return Napi::Boolean::New(info.Env(), prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// reapChild(pid) -> boolean: waitpid(pid, WNOHANG) for one exited child; never 0 or -1, which
// would take a child libuv waits for by pid (libuv aborts when its waitpid finds it gone).
Napi::Value ReapChild(const Napi::CallbackInfo& info) {
  pid_t pid;
  if (!ReadPid(info, 0, &pid)) return info.Env().Undefined();
  int status = 0;
  return Napi::Boolean::New(info.Env(), waitpid(pid, &status, WNOHANG) == pid);
}

// childrenUsage() -> [utime_sec, utime_usec, stime_sec, stime_usec, maxrss] | null
Napi::Value ChildrenUsage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rusage usage;
  if (getrusage(RUSAGE_CHILDREN, &usage) != 0) return env.Null();
  Napi::Array out = Napi::Array::New(env, 5);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(usage.ru_utime.tv_sec)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(usage.ru_utime.tv_usec)));
  out.Set(2u, Napi::Number::New(env, static_cast<double>(usage.ru_stime.tv_sec)));
  out.Set(3u, Napi::Number::New(env, static_cast<double>(usage.ru_stime.tv_usec)));
  out.Set(4u, Napi::Number::New(env, static_cast<double>(usage.ru_maxrss)));
  return out;
}

}  // namespace

const char* RegisterTreeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("signalTree", Napi::Function::New(env, SignalTree, "signalTree"));
  exports.Set("isAlive", Napi::Function::New(env, IsAlive, "isAlive"));
  exports.Set("isGroupAlive", Napi::Function::New(env, IsGroupAlive, "isGroupAlive"));
  exports.Set("processGroupOf", Napi::Function::New(env, ProcessGroupOf, "processGroupOf"));
  exports.Set("becomeSubreaper", Napi::Function::New(env, BecomeSubreaper, "becomeSubreaper"));
  exports.Set("reapChild", Napi::Function::New(env, ReapChild, "reapChild"));
  exports.Set("childrenUsage", Napi::Function::New(env, ChildrenUsage, "childrenUsage"));
  return "posix";
}

}  // namespace agent_exec
