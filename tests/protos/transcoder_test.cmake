# transcoder_test_proto: tests/protos/transcoder_test.proto as C++ messages,
# the generic rules' service of the request transcoder's test. It imports
# google/api annotations and field_behavior, whose generated messages are in
# gateway_messages (protobuf only, like the pure core). Included by
# tests/CMakeLists.txt.
if(NOT TARGET transcoder_test_proto)
  set(transcoder_test_gen "${CMAKE_BINARY_DIR}/gen-test")
  file(MAKE_DIRECTORY "${transcoder_test_gen}")
  set(transcoder_test_src "${CMAKE_CURRENT_LIST_DIR}/transcoder_test.proto")
  set(transcoder_test_outs "${transcoder_test_gen}/transcoder_test.pb.cc"
                            "${transcoder_test_gen}/transcoder_test.pb.h")
  add_custom_command(
    OUTPUT ${transcoder_test_outs}
    COMMAND protobuf::protoc ${PROTO_INCLUDES} -I "${CMAKE_CURRENT_LIST_DIR}"
            --cpp_out=${transcoder_test_gen} "${transcoder_test_src}"
    DEPENDS "${transcoder_test_src}" protobuf::protoc
    COMMENT "protoc transcoder_test.proto"
    VERBATIM)
  add_library(transcoder_test_proto STATIC ${transcoder_test_outs})
  target_include_directories(transcoder_test_proto PUBLIC "${transcoder_test_gen}")
  target_link_libraries(transcoder_test_proto PUBLIC gateway_messages protobuf::libprotobuf)
endif()
