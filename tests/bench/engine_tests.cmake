# tests of the engine part
fp_test(engine_units_test ${CMAKE_CURRENT_LIST_DIR}/engine_units_test.cpp)
fp_test(engine_test ${CMAKE_CURRENT_LIST_DIR}/engine_test.cpp)
fp_test(http_connection_test ${CMAKE_CURRENT_LIST_DIR}/http_connection_test.cpp)
fp_test(closed_model_test ${CMAKE_CURRENT_LIST_DIR}/closed_model_test.cpp)
fp_test(open_model_test ${CMAKE_CURRENT_LIST_DIR}/open_model_test.cpp)
