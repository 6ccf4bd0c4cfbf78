# Warnings as design (style-examples.md, "Also adopt"): adding an hcall, status or
# element class must break the build wherever it is unhandled.
add_library(nv2_warnings INTERFACE)
target_compile_options(nv2_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast
  -Wcast-qual -Wzero-as-null-pointer-constant -Wsuggest-override -Wswitch-enum
  -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(NV2_WERROR)
  target_compile_options(nv2_warnings INTERFACE -Werror)
endif()
