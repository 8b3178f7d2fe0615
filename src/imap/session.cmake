# IMAP server sessions (included from CMakeLists.txt): every .cpp directly in src/imap.
file(GLOB imap_session_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
add_library(postamt_imap STATIC ${imap_session_sources})
target_include_directories(postamt_imap PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(postamt_imap PUBLIC postamt_session postamt_proto_imap postamt_net postamt_imap_render
  postamt_delivery PRIVATE postamt_warnings ZLIB::ZLIB)
