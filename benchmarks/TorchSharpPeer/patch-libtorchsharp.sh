#!/usr/bin/env bash
# TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 for one symbol (std::ios_base_library_init,
# GCC 13), which Debian 12's libstdc++ (GCC 12) lacks, so it does not load. Clearing that symbol's version and
# marking the GLIBCXX_3.4.32 requirement weak (weaken_version.py) lets it load; the symbol is only referenced. This patches the copy in this
# project's build output only (never the NuGet cache, never the product). Needs patchelf (apt-get install patchelf).
set -euo pipefail
cd "$(dirname "$0")"
lib=bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so
[[ -f $lib ]] || { echo "patch-libtorchsharp.sh: build first (dotnet build -c Release): $lib is missing" >&2; exit 2; }
command -v patchelf >/dev/null || { echo "patch-libtorchsharp.sh: patchelf is missing (apt-get install patchelf)" >&2; exit 2; }
# Both steps are idempotent. The build copies the file from the NuGet cache: patch a writable copy.
cp "$lib" "$lib.tmp" && chmod u+w "$lib.tmp" && mv "$lib.tmp" "$lib"
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$lib"
/usr/bin/python3 weaken_version.py "$lib" GLIBCXX_3.4.32
/usr/bin/python3 -c "import ctypes, sys; ctypes.CDLL(sys.argv[1])" "$(realpath "$lib")" \
  || { echo "patch-libtorchsharp.sh: $lib still does not load" >&2; exit 1; }
echo "patched $lib"
