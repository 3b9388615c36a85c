# sources of the search part (max-rps, peak-users)
target_sources(fp_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR}/search.cpp)
