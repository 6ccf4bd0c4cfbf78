// NV2_ASSIGN(var, expr): evaluate an Expected, return its error from the caller, else bind
// the value to `var` (the companion of util/expected.hpp's NV2_TRY).
#pragma once

#include "util/expected.hpp"

#define NV2_CONCAT_INNER(a, b) a##b
#define NV2_CONCAT(a, b) NV2_CONCAT_INNER(a, b)
#define NV2_ASSIGN(var, expr) NV2_ASSIGN_IMPL(var, expr, NV2_CONCAT(nv2_assign_, __LINE__))
#define NV2_ASSIGN_IMPL(var, expr, tmp)                      \
  auto tmp = (expr);                                         \
  if (!tmp) return ::nv2::Unexpected{tmp.error()};           \
  var = std::move(*tmp)
