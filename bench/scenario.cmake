# sources of the scenario part (see CMakeLists.txt)
target_sources(fp_bench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario_yaml.cpp
  ${CMAKE_CURRENT_LIST_DIR}/locustfile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/builtin_scenarios.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/builtin_scenarios_data.cpp)

# The built-in scenarios are YAML files kept in templates/scenarios/ (readable, and the same format
# users write), compiled into the library so `fpctl bench` needs no file at run time.
set(FP_BUILTIN_SCENARIOS fp-orders crud)
set(FP_BUILTIN_SCENARIO_ENTRIES "")
foreach(scenario IN LISTS FP_BUILTIN_SCENARIOS)
  set(scenario_file ${PROJECT_SOURCE_DIR}/templates/scenarios/${scenario}.yaml)
  file(READ ${scenario_file} scenario_yaml)
  # The text goes into a raw string literal; its closing delimiter must not occur inside.
  string(FIND "${scenario_yaml}" ")fp_yaml\"" delimiter_at)
  if(NOT delimiter_at EQUAL -1)
    message(FATAL_ERROR "${scenario_file} contains the raw-string delimiter )fp_yaml\"")
  endif()
  string(APPEND FP_BUILTIN_SCENARIO_ENTRIES "    {\"${scenario}\", R\"fp_yaml(${scenario_yaml})fp_yaml\"},\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${scenario_file})
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/builtin_scenarios_data.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/builtin_scenarios_data.cpp @ONLY)
