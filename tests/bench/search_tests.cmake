# tests of the search part
fp_test(search_test ${CMAKE_CURRENT_LIST_DIR}/search_test.cpp)
target_compile_definitions(search_test PRIVATE FP_TESTS_DIR="${PROJECT_SOURCE_DIR}/tests")
fp_test(fpctl_bench_cli_test ${CMAKE_CURRENT_LIST_DIR}/fpctl_bench_cli_test.cpp)
