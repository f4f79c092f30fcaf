# Recurrent layers and embedding (loops_rnn.c) and sequence data. Included by
# tests/CMakeLists.txt; paths are relative to this file.
#   rnn.loops.*      the loop IR of each model builds, passes loop_check and shows its formulas
#   rnn.interp.*     the loop IR interpreted in f64 (loop_eval.c): backward vs finite differences
set(RNN_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

add_executable(loop_eval ${RNN_TEST_DIR}/loop_eval.c)
target_link_libraries(loop_eval PRIVATE nnlc_core)

file(GLOB RNN_MODELS CONFIGURE_DEPENDS ${RNN_TEST_DIR}/models/*.nn)
foreach(model ${RNN_MODELS})
    get_filename_component(name ${model} NAME_WE)
    add_test(NAME rnn.interp.${name} COMMAND loop_eval ${model})
endforeach()
