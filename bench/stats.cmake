# sources of the stats part (see CMakeLists.txt): histograms, statistics, reports, thresholds
target_sources(fp_bench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/histogram.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_console.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/report_html.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg_chart.cpp
  ${CMAKE_CURRENT_LIST_DIR}/thresholds.cpp
)
