#!/usr/bin/env bash
# The product's boundary (docs/architecture.md): src/l1 never includes src/l0 and src/l0
# never includes src/l1; src/vmm (the L1's machine) never includes src/l0 either.
set -u
root=${1:?source dir}
status=0
check() {  # check <folder> <forbidden include prefix>
  local hits
  hits=$(grep -rnE "#include[[:space:]]*[\"<]$2/" "$root/src/$1" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "boundary violation: src/$1 includes $2/:"
    echo "$hits"
    status=1
  fi
}
check l1 l0
check vmm l0
check l0 l1
check l0 vmm
check isa l0
check isa l1
check gsb l0
check gsb l1
[ $status -eq 0 ] && echo "boundary ok: l1/vmm and l0 meet only at papr/abi.hpp"
exit $status
