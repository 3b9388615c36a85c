# tests of the scenario part
fp_test(template_test template_test.cpp)
fp_test(scenario_test scenario_test.cpp)
fp_test(scenario_yaml_test scenario_yaml_test.cpp)
fp_test(locustfile_test locustfile_test.cpp)
# Fixtures are read from the source tree; the course's locustfile from the shared reference.
foreach(test IN ITEMS scenario_yaml_test locustfile_test)
  target_compile_definitions(${test} PRIVATE
    FP_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data"
    FP_COURSE_LOCUSTFILE="${PROJECT_SOURCE_DIR}/../shared/reference/seed/locustfile.py")
endforeach()
