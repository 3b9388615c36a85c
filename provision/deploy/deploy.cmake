# fp_deploy: the deploy steps against a Host (a droplet over SSH, or this machine), and the
# rollout of a whole architecture. Included from CMakeLists.txt.
add_library(fp_deploy STATIC
  paths.cpp
  ssh_host.cpp
  local_host.cpp
  steps.cpp
  database_step.cpp
  open_host.cpp
  host_sampler.cpp
  rollout.cpp)
target_include_directories(fp_deploy PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/..)
target_link_libraries(fp_deploy PUBLIC fp_deploy_files fp_ssh tl::expected nlohmann_json::nlohmann_json Threads::Threads PRIVATE fp_common fp_warnings)
