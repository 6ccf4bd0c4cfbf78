# nv2_layer(<name> DEPS ...): a static library from every .cpp of src/<name>/ (globbed, so
# adding a file needs no edit here), or an INTERFACE library while the layer has none.
function(nv2_layer name)
  cmake_parse_arguments(L "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  if(srcs)
    add_library(nv2_${name} STATIC ${srcs})
    target_include_directories(nv2_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(nv2_${name} PUBLIC ${L_DEPS} PRIVATE nv2_warnings ${L_PRIVATE_DEPS})
  else()
    add_library(nv2_${name} INTERFACE)
    target_include_directories(nv2_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(nv2_${name} INTERFACE ${L_DEPS})
  endif()
endfunction()

# nv2_tests(<layer> DEPS ...): one GoogleTest executable per tests/<layer>/test_*.cpp, so
# a test file being edited never blocks the others. Files named test_*_concurrency.cpp
# are labelled "concurrency" (the TSan run picks them); everything else "unit".
function(nv2_tests layer)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.cpp)
  file(GLOB support CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/support_*.cpp)
  foreach(t ${tests})
    get_filename_component(stem ${t} NAME_WE)
    set(exe ${layer}_${stem})
    add_executable(${exe} ${t} ${support})
    target_link_libraries(${exe} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock nv2_warnings)
    target_compile_definitions(${exe} PRIVATE NV2_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                              NV2_BINARY_DIR="${CMAKE_BINARY_DIR}")
    if(stem MATCHES "_concurrency$")
      set(label concurrency)
    else()
      set(label unit)
    endif()
    # One label "<layer>-<kind>": gtest_discover_tests (CMake 3.25) splits a list value, so
    # "${layer};${label}" set only the first label and `ctest -L concurrency` found nothing.
    # ctest -L matches by regex: -L <layer> and -L concurrency both select these tests.
    gtest_discover_tests(${exe} PROPERTIES LABELS "${layer}-${label}" DISCOVERY_TIMEOUT 60)
  endforeach()
endfunction()
