#!/usr/bin/env bash
# Prints the crashing thread of each .NET crash report in a folder (written by createdump when a test host dies with
# DOTNET_EnableCrashReport=1; see test.sh): its frames, native module and function or managed method, one a line.
# Plain awk on the report's one-key-a-line JSON, so a bare CI machine needs nothing more.
set -uo pipefail
dir="${1:?usage: crash-report.sh FOLDER}"
shopt -s nullglob
for report in "$dir"/*.crashreport.json; do
  echo "crash report $(basename "$report"):"
  awk '
    /"crashed": "true"/  { crashed = 1; frames = 0; print "  crashing thread" }
    /"crashed": "false"/ { crashed = 0 }
    /"managed_exception_type"|"exception_type"|"managed_exception_message"/ && crashed { gsub(/^ +/, ""); print "  " $0 }
    crashed && /"stack_frames"/ { inframes = 1 }
    crashed && inframes && /^ *\]/ { crashed = 0; inframes = 0 }
    crashed && inframes && /^ *\{/ { module = ""; name = "" }
    crashed && inframes && /"native_module"|"filename"/ { module = $0; sub(/.*: "/, "", module); sub(/",?$/, "", module) }
    crashed && inframes && /"unmanaged_name"|"method_name"/ { name = $0; sub(/.*: "/, "", name); sub(/",?$/, "", name) }
    crashed && inframes && /^ *\},?$/ && (module != "" || name != "") {
      if (frames++ < 40) printf "    %s!%s\n", module, (name == "" ? "?" : name); module = ""; name = "" }
  ' "$report"
done
