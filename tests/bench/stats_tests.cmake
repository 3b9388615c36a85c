# tests of the stats part
fp_test(histogram_test ${CMAKE_CURRENT_LIST_DIR}/histogram_test.cpp)
fp_test(stats_test ${CMAKE_CURRENT_LIST_DIR}/stats_test.cpp)
fp_test(report_csv_test ${CMAKE_CURRENT_LIST_DIR}/report_csv_test.cpp)
fp_test(report_test ${CMAKE_CURRENT_LIST_DIR}/report_test.cpp)
fp_test(thresholds_test ${CMAKE_CURRENT_LIST_DIR}/thresholds_test.cpp)
