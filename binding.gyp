{
  # The optional native backend (src/platform/addon.ts). Built by scripts/build-native.mjs
  # (npm install tries it, npm run build:native insists); output: build/Release/agent_exec.node.
  # The Windows cross-build from Linux does not use gyp: scripts/build-native-win32.sh.
  "targets": [
    {
      "target_name": "agent_exec",
      "sources": ["native/agent_exec.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fno-exceptions", "-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='win'", {
          "sources": ["native/tree_win32.cc"],
          "defines": ["WIN32_LEAN_AND_MEAN", "_HAS_EXCEPTIONS=0"],
          "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 0, "AdditionalOptions": ["/std:c++17"] } }
        }, {
          "sources": ["native/tree_posix.cc"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "10.15"
          }
        }]
      ]
    }
  ]
}
