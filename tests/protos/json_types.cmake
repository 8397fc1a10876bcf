# json_types_proto: tests/protos/json_types*.proto as C++ messages, for the
# JSON codec's test and fuzz target. Included by tests/CMakeLists.txt and
# tests/fuzz/CMakeLists.txt, whichever comes first defines it.
if(NOT TARGET json_types_proto)
  set(json_types_gen "${CMAKE_BINARY_DIR}/gen-test")
  file(MAKE_DIRECTORY "${json_types_gen}")
  set(json_types_srcs)
  foreach(name json_types json_types_proto2)
    set(src "${CMAKE_CURRENT_LIST_DIR}/${name}.proto")
    set(outs "${json_types_gen}/${name}.pb.cc" "${json_types_gen}/${name}.pb.h")
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc -I "${CMAKE_CURRENT_LIST_DIR}" -I "${Protobuf_INCLUDE_DIR}"
              --cpp_out=${json_types_gen} "${src}"
      DEPENDS "${src}" protobuf::protoc
      COMMENT "protoc ${name}.proto"
      VERBATIM)
    list(APPEND json_types_srcs ${outs})
  endforeach()
  add_library(json_types_proto STATIC ${json_types_srcs})
  target_include_directories(json_types_proto PUBLIC "${json_types_gen}")
  target_link_libraries(json_types_proto PUBLIC protobuf::libprotobuf)
endif()
