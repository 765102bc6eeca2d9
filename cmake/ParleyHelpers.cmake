# Small helpers shared by every CMakeLists in the tree.

# parley_library(<name> SOURCES ... DEPS ...): a static library with the project's warnings,
# include root at the repository top (includes are by full path: "common/status/status.h").
function(parley_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${PARLEY_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# parley_test(<name> LABEL unit|db|e2e SOURCES ... DEPS ...): one GoogleTest binary, discovered
# by CTest with the given label. db and e2e tests read their servers from the environment that
# scripts/test.sh sets; run alone without it they skip with a message.
function(parley_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${PARLEY_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 60)
endfunction()

# parley_proto_library(<name> PROTOS ... DEPS ... [NO_GRPC]): generated C++ and gRPC code for one
# API. Protos import each other from the proto/ root ("parley/contacts/v1/school.proto"). NO_GRPC:
# messages only (no services), without a gRPC dependency.
function(parley_proto_library name)
  cmake_parse_arguments(ARG "NO_GRPC" "" "PROTOS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_PROTOS})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  target_include_directories(${name} PUBLIC ${PROTO_GEN_DIR})
  protobuf_generate(TARGET ${name} LANGUAGE cpp
    IMPORT_DIRS ${PROTO_ROOT} PROTOC_OUT_DIR ${PROTO_GEN_DIR})
  if(NOT ARG_NO_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
    protobuf_generate(TARGET ${name} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${PROTO_ROOT} PROTOC_OUT_DIR ${PROTO_GEN_DIR})
  endif()
endfunction()
