# sources of the engine part (see CMakeLists.txt)
target_sources(fp_bench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/target_url.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_loop.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_connection.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/closed_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/open_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/self_monitor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
)
