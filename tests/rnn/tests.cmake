# Recurrent layers and embedding (compiler/loops_rnn.c) and sequence data. Included by
# tests/CMakeLists.txt; paths are relative to this file.
#   rnn.interp.*     each model's loop IR run by an f64 interpreter (loop_eval.c): backward
#                    against finite differences, independently of the LLVM backend
#   rnn.gradcheck.*  the same models compiled by nnlc (f64) and checked by the trainer's
#                    --gradcheck on a CSV the test writes
#   rnn.loops.*, rnn.embedding_range, rnn.learn.*, rnn.series.*  see below
set(RNN_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
set(RNN_WORK ${CMAKE_CURRENT_BINARY_DIR}/rnn_work)
set(RNN_EXPECT ${RNN_TEST_DIR}/../runtime/expect.sh)

add_executable(loop_eval ${RNN_TEST_DIR}/loop_eval.c)
target_link_libraries(loop_eval PRIVATE nnlc_core)

# rnn_model(NAME FEATURES TARGET [VOCAB]): TARGET is real, binary or a class count.
function(rnn_model name features target)
    set(model ${RNN_TEST_DIR}/models/${name}.nn)
    add_test(NAME rnn.interp.${name} COMMAND loop_eval ${model})
    add_test(NAME rnn.gradcheck.${name}
             COMMAND ${RNN_TEST_DIR}/gradcheck.sh $<TARGET_FILE:nnlc> ${model} ${RNN_WORK}/gradcheck
                     ${features} ${target} ${ARGN})
endfunction()

rnn_model(simple_rnn_last 15 real)
rnn_model(simple_rnn_seq 15 3)
rnn_model(lstm_last 15 3)
rnn_model(lstm_seq 15 real)
rnn_model(gru_last 15 real)
rnn_model(gru_seq 15 binary)
rnn_model(gru_reset_before 15 real)
rnn_model(gru_reset_before_seq 15 3)
rnn_model(stacked 15 real)
rnn_model(activations 15 real)
rnn_model(embedding 6 binary 7)
rnn_model(embedding_flat 6 3 7)

# At batch 7 the recurrence and backward through time take both their paths: a block of 4
# examples and the 3 left, one at a time.
foreach(name simple_rnn_seq lstm_last gru_seq gru_reset_before_seq stacked)
    add_test(NAME rnn.interp.batch7.${name} COMMAND loop_eval ${RNN_TEST_DIR}/models/${name}.nn --batch 7)
endforeach()

# An index outside the embedding's table is refused before training, naming the place.
add_test(NAME rnn.embedding_range COMMAND ${RNN_TEST_DIR}/embedding_range.sh $<TARGET_FILE:nnlc>
                                   ${RNN_TEST_DIR}/models/embedding_flat.nn ${RNN_WORK}/embedding_range)

# --emit=loops shows each recurrent layer with its formulas and source line, the input
# projection as one product over B·T rows, and the recurrence parallel over blocks of
# examples (where it can be: these models are too small for loop_schedule to keep it, so
# --parallel-min-work=0).
function(rnn_loops name regex)
    add_test(NAME rnn.loops.${name}
             COMMAND sh -c "'$<TARGET_FILE:nnlc>' --parallel-min-work=0 --emit=loops '${RNN_TEST_DIR}/models/${name}.nn' | tr '\\n' '~' | grep -Eq '${regex}'")
endfunction()
rnn_loops(lstm_last "# lstm forward \\(line 4\\): Keras LSTM.*c_t = f·c_\\{t-1\\} \\+ i·c~;  h_t = o·tanh\\(c_t\\).*Z = A·W \\+ b in tiles.*parallel for rb in 0..B/4:.*for t in 0..5:.*the last B mod 4 examples.*lstm.backward.*parallel for rb in 0..B/4:.*for s in 0..5:.*\\(4 - s\\)")
rnn_loops(gru_last "reset_after: \\[xz xr xh\\] = x_t·W \\+ b_in.*gru.zh\\[.*\\] = gru.b\\[12 \\+ j\\]")
rnn_loops(gru_reset_before "reset before: z = sigmoid.*gru.rh\\[")
rnn_loops(embedding "embedding.y\\[.*\\] = embedding.E\\[index\\(x\\[r\\*6 \\+ t\\], 7\\)\\*3 \\+ j\\].*scatter-add")

# Short runs that must learn synthetic sequence tasks (learn.sh states the thresholds),
# and series() end to end against the naive forecast (series.sh).
foreach(task window_sum rising contains)
    add_test(NAME rnn.learn.${task}
             COMMAND ${RNN_TEST_DIR}/learn.sh $<TARGET_FILE:nnlc> ${task} ${RNN_WORK}/learn)
endforeach()
add_test(NAME rnn.series COMMAND ${RNN_TEST_DIR}/series.sh $<TARGET_FILE:nnlc> ${RNN_WORK}/series)
