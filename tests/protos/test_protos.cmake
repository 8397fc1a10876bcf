# NAME_proto: tests/protos/NAME.proto as C++ messages, one library for each
# test service that protoc compiles into its test's generated pool:
#   transcoder_test  the request transcoder's generic rules
#   translator_test  the response translator's response_body
# They import google/api annotations and field_behavior, whose generated
# messages are in gateway_messages (protobuf only, like the pure core).
# Included by tests/CMakeLists.txt.
set(test_protos_gen "${CMAKE_BINARY_DIR}/gen-test")
file(MAKE_DIRECTORY "${test_protos_gen}")
foreach(name transcoder_test translator_test)
  if(TARGET ${name}_proto)
    continue()
  endif()
  set(src "${CMAKE_CURRENT_LIST_DIR}/${name}.proto")
  set(outs "${test_protos_gen}/${name}.pb.cc" "${test_protos_gen}/${name}.pb.h")
  add_custom_command(
    OUTPUT ${outs}
    COMMAND protobuf::protoc ${PROTO_INCLUDES} -I "${CMAKE_CURRENT_LIST_DIR}"
            --cpp_out=${test_protos_gen} "${src}"
    DEPENDS "${src}" protobuf::protoc
    COMMENT "protoc ${name}.proto"
    VERBATIM)
  add_library(${name}_proto STATIC ${outs})
  target_include_directories(${name}_proto PUBLIC "${test_protos_gen}")
  target_link_libraries(${name}_proto PUBLIC gateway_messages protobuf::libprotobuf)
endforeach()
