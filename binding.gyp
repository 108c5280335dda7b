{
  # One C11 add-on: the media core (csrc/core, no Node; one folder per layer,
  # included as "layer/file.h") plus the N-API glue (csrc/napi). System libraries come from pkg-config. OpenSSL is NOT linked:
  # the headers are Node's own (node-gyp puts <node>/include/node first on the
  # include path) and the symbols resolve against the node binary at load time,
  # so the process holds one OpenSSL. See docs/architecture.md.
  "targets": [
    {
      "target_name": "livechat_calls",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('csrc/core').flatMap(d=>require('fs').readdirSync('csrc/core/'+d).filter(f=>f.endsWith('.c')).map(f=>'csrc/core/'+d+'/'+f)).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('csrc/napi').filter(f=>f.endsWith('.c')).map(f=>'csrc/napi/'+f).join(' ')\")"
      ],
      "include_dirs": [
        "csrc/core",
        "<!@(pkg-config --cflags-only-I nice glib-2.0 libsrtp2 opus ogg libopusenc libcjson | sed 's/-I//g')"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags": [
        "-std=c11",
        "-D_GNU_SOURCE",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fvisibility=hidden"
      ],
      "conditions": [
        ["'<!(echo $LCC_SANITIZE)'=='1'", {
          "cflags": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ],
      "libraries": [
        "<!@(pkg-config --libs nice glib-2.0 libsrtp2 opus ogg libopusenc libcjson)",
        "-lm",
        "-lpthread"
      ],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
