// Module entry point: version, ABI and the platform's process-tree functions.
#include "tree.h"

#define AGENT_EXEC_STR2(x) #x
#define AGENT_EXEC_STR(x) AGENT_EXEC_STR2(x)

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, "agent_exec native " AGENT_EXEC_NATIVE_VERSION
                                                " (N-API " AGENT_EXEC_STR(NAPI_VERSION) ")"));
  exports.Set("abi", Napi::Number::New(env, AGENT_EXEC_NATIVE_ABI));
  exports.Set("platform", Napi::String::New(env, agent_exec::RegisterTreeFunctions(env, exports)));
  return exports;
}

}  // namespace

NODE_API_MODULE(agent_exec, Init)
