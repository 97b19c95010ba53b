// agent_exec native addon: the process-tree primitives behind src/platform/addon.ts.
//
// The addon never builds an AgentExecError itself: every function returns a plain result object
// ({ delivered } or the failing call and its error number) and addon.ts turns failures into the
// same coded errors, with the same messages, as the koffi backends. That keeps the JS contract in
// one place and lets the conformance suite (test/platform/) hold both backends to it.
#pragma once

#include <napi.h>

// Bumped whenever the functions below change shape: addon.ts refuses an addon built from other
// sources (a stale build/) instead of calling it with the wrong arguments.
#define AGENT_EXEC_NATIVE_ABI 3
#define AGENT_EXEC_NATIVE_VERSION "0.1.0"

namespace agent_exec {

// Adds the platform's functions to `exports` and returns the platform's name ("posix" or "win32").
const char* RegisterTreeFunctions(Napi::Env env, Napi::Object exports);

}  // namespace agent_exec
