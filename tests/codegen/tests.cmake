# Code generation end to end: models compiled by the built nnlc into trainers, and run.
# Included by tests/CMakeLists.txt; relies on the nnlc target and on tests/runtime for
# its data fixtures (rt_fixtures) and expect.sh.
#   codegen.gradcheck.LOSS.ACT   f64 gradient checks, 5 variants each (gradcheck.sh)
#   codegen.gradcheck.rejected   the loss/output pairs nnlc refuses (rejected.sh)
#   codegen.optimizer.CASE       3 optimizer steps against Keras' formulas (keras_opt.c)
#   codegen.optimizer.f32.CASE   the same in f32 (rmsprop, adagrad, adadelta)
#   codegen.optimizer.oracle     that reference against PyTorch where they coincide
#   codegen.optimizer.fused      updates fused into dense kernels' dW loops = unfused, bit for bit
#   codegen.checkpoint, .resume, .threads(.split)   checkpoints and determinism
#   codegen.fashion              one epoch on 5,000 Fashion-MNIST images, > 70% on the test set
#   codegen.error.*              bad data through a generated trainer
#   codegen.inputs, .outputs     data a trainer refuses or handles; the files and messages it writes
#   codegen.settings             fit()'s shuffle, verbose, validation_data and the options
#                                overriding them; --limit with --predict
#   codegen.exp                  the exponential of f32 trainers against double precision
#   codegen.activations          tanh, elu and gelu near 0 and in their tails, f32 and f64
#   codegen.zoo.*                unusual models (models/zoo_*.nn): Keras counts, gradcheck,
#                                threads, PyTorch oracle, and the bugs they found
set(CG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CG_DATA ${CMAKE_CURRENT_BINARY_DIR}/cg_data)
set(CG_WORK ${CMAKE_CURRENT_BINARY_DIR}/cg_work)
set(CG_NNLC $<TARGET_FILE:nnlc>)

add_executable(cg_tool ${CG_DIR}/cg_tool.c ${CG_DIR}/st.c ${CG_DIR}/keras_opt.c)
target_link_libraries(cg_tool PRIVATE m)

# Data sets, and the models the checkpoint and error tests share, built once per run.
add_test(NAME codegen.data COMMAND cg_tool data ${CG_DATA})
set_tests_properties(codegen.data PROPERTIES FIXTURES_SETUP cg_data)
add_test(NAME codegen.compile.checkpoint
         COMMAND ${CG_NNLC} --parallel-min-work=0 ${CG_DIR}/models/checkpoint.nn -o ${CG_WORK}/ck_trainer)
add_test(NAME codegen.compile.images COMMAND ${CG_NNLC} ${CG_DIR}/models/images.nn -o ${CG_WORK}/images_trainer)
add_test(NAME codegen.compile.split
         COMMAND ${CG_NNLC} --parallel-min-work=0 ${CG_DIR}/models/split.nn -o ${CG_WORK}/split_trainer)
set_tests_properties(codegen.compile.split PROPERTIES FIXTURES_SETUP cg_split FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.compile.conv_split
         COMMAND ${CG_NNLC} --parallel-min-work=0 ${CG_DIR}/models/conv_split.nn -o ${CG_WORK}/conv_split_trainer)
set_tests_properties(codegen.compile.conv_split PROPERTIES FIXTURES_SETUP cg_conv_split
                     FIXTURES_REQUIRED cg_dirs)
set_tests_properties(codegen.compile.checkpoint PROPERTIES FIXTURES_SETUP cg_checkpoint)
set_tests_properties(codegen.compile.images PROPERTIES FIXTURES_SETUP cg_images)
add_test(NAME codegen.mkdir COMMAND ${CMAKE_COMMAND} -E make_directory ${CG_WORK} ${CG_DATA})
set_tests_properties(codegen.mkdir PROPERTIES FIXTURES_SETUP cg_dirs)
set_tests_properties(codegen.data codegen.compile.checkpoint codegen.compile.images
                     PROPERTIES FIXTURES_REQUIRED cg_dirs)

# Every activation × every loss, each in the variants gradcheck.sh describes.
set(CG_ACTIVATIONS linear sigmoid tanh relu leaky_relu elu softmax gelu swish)
set(CG_LOSSES mse mae bce cce scce)
foreach(loss ${CG_LOSSES})
    foreach(act ${CG_ACTIVATIONS})
        add_test(NAME codegen.gradcheck.${loss}.${act}
                 COMMAND ${CG_DIR}/gradcheck.sh ${CG_NNLC} ${CG_DATA} ${CG_WORK}/gc/${loss}.${act}
                         ${loss} ${act} plain l2 dropout l2dropout actlayer width1)
        set_tests_properties(codegen.gradcheck.${loss}.${act} PROPERTIES FIXTURES_REQUIRED cg_data)
    endforeach()
endforeach()
add_test(NAME codegen.gradcheck.rejected COMMAND ${CG_DIR}/rejected.sh ${CG_NNLC} ${CG_WORK}/rejected)
set_tests_properties(codegen.gradcheck.rejected PROPERTIES FIXTURES_REQUIRED cg_dirs)

# ORDER OPT_CASES (keras_opt.c)
set(CG_OPT_CASES sgd sgd_default sgd_momentum sgd_nesterov sgd_l2 sgd_clipvalue adagrad
    adagrad_options rmsprop rmsprop_default rmsprop_momentum adadelta adadelta_options adam
    adam_default adam_options adam_amsgrad adam_clipnorm nadam adamw adamw_decay)
foreach(case ${CG_OPT_CASES})
    add_test(NAME codegen.optimizer.${case}
             COMMAND ${CG_DIR}/optimizer.sh ${CG_NNLC} $<TARGET_FILE:cg_tool> ${CG_DATA}
                     ${CG_WORK}/opt ${case})
    set_tests_properties(codegen.optimizer.${case} PROPERTIES FIXTURES_REQUIRED cg_data)
endforeach()
# The rules that divide by a square root, in f32 (weights, data and arithmetic in float).
foreach(case rmsprop adagrad adadelta)
    add_test(NAME codegen.optimizer.f32.${case}
             COMMAND ${CG_DIR}/optimizer.sh ${CG_NNLC} $<TARGET_FILE:cg_tool> ${CG_DATA}
                     ${CG_WORK}/opt ${case} f32)
    set_tests_properties(codegen.optimizer.f32.${case} PROPERTIES FIXTURES_REQUIRED cg_data)
endforeach()

# The optimizer's step taken in the loop that sums a dense kernel's gradient
# (backward_update) against backward then update: the same bytes, every optimizer.
add_test(NAME codegen.optimizer.fused
         COMMAND ${CG_DIR}/fused_update.sh ${CG_NNLC} $<TARGET_FILE:cg_tool> ${CG_DATA}
                 ${CG_WORK}/fused_update)
set_tests_properties(codegen.optimizer.fused PROPERTIES FIXTURES_REQUIRED cg_data)

# The oracle itself, against PyTorch where the formulas coincide (skipped without it).
if(EXISTS /usr/bin/python3)
    add_test(NAME codegen.optimizer.oracle
             COMMAND /usr/bin/python3 ${CG_DIR}/oracle_torch.py $<TARGET_FILE:cg_tool> ${CG_WORK}/oracle)
    set_tests_properties(codegen.optimizer.oracle PROPERTIES SKIP_RETURN_CODE 77 FIXTURES_REQUIRED cg_dirs)
endif()

foreach(t checkpoint resume threads)
    add_test(NAME codegen.${t} COMMAND ${CG_DIR}/${t}.sh ${CG_WORK}/ck_trainer $<TARGET_FILE:cg_tool>
                                       ${CG_DATA} ${CG_WORK}/${t})
    set_tests_properties(codegen.${t} PROPERTIES FIXTURES_REQUIRED "cg_data;cg_checkpoint")
endforeach()

# The thread-count comparison means something only if the model has parallel loops: the
# trainer is compiled with --parallel-min-work=0, which keeps every one of them.
# A dense layer whose forward product is split over W's rows: same weights at 1, 2, 3 threads.
add_test(NAME codegen.threads.split COMMAND ${CG_DIR}/threads.sh ${CG_WORK}/split_trainer
                                            $<TARGET_FILE:cg_tool> ${CG_DATA} ${CG_WORK}/threads_split)
set_tests_properties(codegen.threads.split PROPERTIES FIXTURES_REQUIRED "cg_data;cg_split")
add_test(NAME codegen.threads.split_loops
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0 "parallel for s in 0..2"
                 ${CG_NNLC} --parallel-min-work=0 --emit=loops ${CG_DIR}/models/split.nn)
# A convolution whose dW sum over the examples is split in 2 parts: same weights at 1, 2, 3 threads.
add_test(NAME codegen.threads.conv_split COMMAND ${CG_DIR}/threads.sh ${CG_WORK}/conv_split_trainer
                                                 $<TARGET_FILE:cg_tool> ${CG_DATA} ${CG_WORK}/threads_conv_split)
set_tests_properties(codegen.threads.conv_split PROPERTIES FIXTURES_REQUIRED "cg_data;cg_conv_split")
add_test(NAME codegen.threads.conv_split_loops
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "sum over the examples in 2 parts[^~]*~  parallel for s in 0..2:"
                 sh -c "'${CG_NNLC}' --parallel-min-work=0 --emit=loops '${CG_DIR}/models/conv_split.nn' | tr '\\n' '~'")
# A broadcast input's gradient is summed per example inside the parallel loop over the
# examples (codegen.zoo.bcast_* compare the weights at 1, 2 and 3 threads).
add_test(NAME codegen.threads.broadcast_loops
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "func y.backward[^~]*~[^~]*~  parallel for r in 0..B:~.*    for j in 0..30:~      vector for k in 0..8:~        scratch.partial\\[r\\*8 \\+ k\\] \\+="
                 sh -c "'${CG_NNLC}' --parallel-min-work=0 --emit=loops '${CG_DIR}/models/zoo_bcast_se.nn' | tr '\\n' '~'")
add_test(NAME codegen.threads.parallel_loops
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0 "parallel for rb in 0..B/4"
                 ${CG_NNLC} --parallel-min-work=0 --emit=loops ${CG_DIR}/models/checkpoint.nn)

add_test(NAME codegen.fashion COMMAND ${CG_DIR}/fashion.sh ${CG_NNLC} ${PROJECT_SOURCE_DIR}/examples/mlp.nn
                                      ${CG_WORK}/fashion)
set_tests_properties(codegen.fashion PROPERTIES SKIP_RETURN_CODE 77 FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.inputs COMMAND ${CG_DIR}/inputs.sh ${CG_NNLC} ${CG_WORK}/inputs)
set_tests_properties(codegen.inputs PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.outputs COMMAND ${CG_DIR}/outputs.sh ${CG_NNLC} ${CG_WORK}/outputs)
set_tests_properties(codegen.outputs PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.settings COMMAND ${CG_DIR}/settings.sh ${CG_NNLC} ${CG_WORK}/settings)
set_tests_properties(codegen.settings PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.exp COMMAND ${CG_DIR}/exp.sh ${CG_NNLC} ${CG_WORK}/exp)
set_tests_properties(codegen.exp PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.activations COMMAND ${CG_DIR}/activations.sh ${CG_NNLC} ${CG_WORK}/activations)
set_tests_properties(codegen.activations PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.init_options COMMAND ${CG_DIR}/init_options.sh ${CG_NNLC} ${CG_WORK}/init_options)
set_tests_properties(codegen.init_options PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.dropout_seed
         COMMAND ${CG_DIR}/dropout_seed.sh ${CG_NNLC} $<TARGET_FILE:cg_tool> ${CG_WORK}/dropout_seed)
set_tests_properties(codegen.dropout_seed PROPERTIES FIXTURES_REQUIRED cg_dirs)
add_test(NAME codegen.examples_gradcheck
         COMMAND ${CG_DIR}/examples_gradcheck.sh ${CG_NNLC} ${PROJECT_SOURCE_DIR}/examples
                 ${CG_WORK}/examples_gradcheck)
set_tests_properties(codegen.examples_gradcheck PROPERTIES SKIP_RETURN_CODE 77
                     FIXTURES_REQUIRED cg_dirs)

# Bad data through a generated trainer: exit 1 and one line naming the place. The files
# are the runtime tests' fixtures (tests/runtime/fixtures.c), written into our own dir.
if(TARGET rt_fixtures)
    set(CG_RT_DATA ${CG_DATA}/rt)
    add_test(NAME codegen.fixtures COMMAND rt_fixtures ${CG_RT_DATA})
    set_tests_properties(codegen.fixtures PROPERTIES FIXTURES_SETUP cg_rt_data FIXTURES_REQUIRED cg_dirs)
    function(codegen_error name regex)
        add_test(NAME codegen.error.${name}
                 COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 1 ${regex} ${CG_WORK}/images_trainer ${ARGN})
        set_tests_properties(codegen.error.${name} PROPERTIES FIXTURES_REQUIRED "cg_rt_data;cg_images")
    endfunction()
    codegen_error(idx_truncated
        "^images_trainer: error: .*trunc.idx.gz: byte 16: expected 15680 bytes of pixels \\(20 examples of 28x28\\), the file ends after 3920$"
        --data ${CG_RT_DATA}/trunc.idx.gz ${CG_RT_DATA}/labels.idx.gz)
    codegen_error(idx_magic "^images_trainer: error: .*badmagic.idx: byte 0: not an IDX file: .*found 50 4b 03 04"
        --data ${CG_RT_DATA}/badmagic.idx ${CG_RT_DATA}/labels.idx)
    codegen_error(idx_label_range
        "^images_trainer: error: .*labels_big.idx: byte 15 \\(example 8\\): label 12 is not a class index 0..9 \\(the model has 10 classes\\)$"
        --data ${CG_RT_DATA}/imgs.idx ${CG_RT_DATA}/labels_big.idx)
    codegen_error(idx_shape
        "^images_trainer: error: .*small.idx: byte 4: each example has 196 values, but the model input \\(28, 28, 1\\) has 784$"
        --data ${CG_RT_DATA}/small.idx ${CG_RT_DATA}/labels.idx)
    codegen_error(csv_ragged "^images_trainer: error: .*ragged.csv:6: expected 785 fields like the header, found 784$"
        --data ${CG_RT_DATA}/ragged.csv)
    codegen_error(npy_truncated
        "^images_trainer: error: .*trunc.npy: byte 128: expected 62720 bytes of <f4 values \\(shape \\(20, 28, 28\\)\\), the file ends after 31360$"
        --data ${CG_RT_DATA}/trunc.npy ${CG_RT_DATA}/y.npy)
    codegen_error(test_set_label_range
        "^images_trainer: error: .*labels_big.idx: byte 15 \\(example 8\\): label 12 is not a class index 0..9"
        --data ${CG_RT_DATA}/imgs.idx ${CG_RT_DATA}/labels.idx --test ${CG_RT_DATA}/imgs.idx ${CG_RT_DATA}/labels_big.idx
        --epochs 1 --quiet)
endif()

# The zoo: unusual but valid models written as new users would (tests/codegen/models/
# zoo_*.nn, each with its Keras parameter count and data kind in its header). Each one:
#   codegen.zoo.NAME         summary total = Keras' count; f64 gradcheck at 3 threads;
#                            f32 weights bit-identical at 1, 2 and 3 threads (zoo.sh)
#   codegen.zoo.oracle.NAME  --predict and one SGD step against PyTorch in f64
#                            (zoo_oracle.py; skipped without PyTorch)
# (models named zoo_noparams_*, zoo_bug_* and zoo_compat_* have the tests further below)
file(GLOB CG_ZOO_MODELS CONFIGURE_DEPENDS ${CG_DIR}/models/zoo_*.nn)
foreach(model ${CG_ZOO_MODELS})
    get_filename_component(name ${model} NAME_WE)
    string(REGEX REPLACE "^zoo_" "" name ${name})
    if(name MATCHES "^(bug|compat|noparams)_")
        continue()
    endif()
    add_test(NAME codegen.zoo.${name} COMMAND ${CG_DIR}/zoo.sh ${CG_NNLC} ${model} ${CG_WORK}/zoo/${name})
    add_test(NAME codegen.zoo.oracle.${name}
             COMMAND /usr/bin/python3 ${CG_DIR}/zoo_oracle.py ${CG_NNLC} ${model} ${CG_WORK}/zoo_oracle/${name})
    set_tests_properties(codegen.zoo.${name} codegen.zoo.oracle.${name} PROPERTIES FIXTURES_REQUIRED cg_dirs)
    set_tests_properties(codegen.zoo.oracle.${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()

# What the zoo found, fixed:
#   codegen.zoo.no_params.*      a model without trainable parameters (its output the
#                                input, a view of it, or a softmax/sigmoid of it fused with
#                                the loss): an error, not a crash (zoo_no_params.sh)
foreach(name input_softmax input_sigmoid input_flatten)
    add_test(NAME codegen.zoo.no_params.${name}
             COMMAND ${CG_DIR}/zoo_no_params.sh ${CG_NNLC} ${CG_DIR}/models/zoo_noparams_${name}.nn
                     ${CG_WORK}/zoo_no_params/${name})
    set_tests_properties(codegen.zoo.no_params.${name} PROPERTIES FIXTURES_REQUIRED cg_dirs)
endforeach()
#   (noise augmentation on embedding indices: tests/diag/augment_noise_embedding.nn)
#   codegen.npy_layout           .npy features (N, 7, 5) for input [5, 7] are refused (they
#                                trained on scrambled values); (N, 35) is accepted
add_test(NAME codegen.npy_layout
         COMMAND ${CG_DIR}/npy_layout.sh ${CG_NNLC} ${CG_DIR}/models/npy_layout.nn ${CG_WORK}/npy_layout)
set_tests_properties(codegen.npy_layout PROPERTIES FIXTURES_REQUIRED cg_dirs)
#   codegen.mse_class_labels     mse on class indices: refused, naming the loss that takes them
add_test(NAME codegen.mse_class_labels
         COMMAND ${CG_DIR}/mse_class_labels.sh ${CG_NNLC} ${CG_WORK}/mse_class_labels)
set_tests_properties(codegen.mse_class_labels PROPERTIES FIXTURES_REQUIRED cg_dirs)
#   codegen.one_hot_labels       categorical_crossentropy's .npy and IDX labels as one-hot rows (Keras'
#                                to_categorical) train as class indices do; soft rows refused
add_test(NAME codegen.one_hot_labels
         COMMAND ${CG_DIR}/one_hot_labels.sh ${CG_NNLC} ${CG_DIR}/models/one_hot_labels.nn
                 ${CG_WORK}/one_hot_labels)
set_tests_properties(codegen.one_hot_labels PROPERTIES FIXTURES_REQUIRED cg_dirs)
#   codegen.zoo.f32_gradcheck    the f32 check of conv -> batchnorm -> relu is approximate:
#                                a failure says so and points to f64, which passes
add_test(NAME codegen.zoo.f32_gradcheck
         COMMAND ${CG_DIR}/zoo_f32_gradcheck.sh ${CG_NNLC} ${CG_DIR}/models/zoo_bn_relu_wide.nn
                 ${CG_WORK}/zoo_f32_gradcheck)
set_tests_properties(codegen.zoo.f32_gradcheck PROPERTIES FIXTURES_REQUIRED cg_dirs)
#   codegen.zoo.gru_comment      --emit=loops: the GRU backward comment names the gates'
#                                activation (tanh' for recurrent_activation=tanh, not σ')
add_test(NAME codegen.zoo.gru_comment
         COMMAND sh -c "'${CG_NNLC}' --emit=loops '${CG_DIR}/models/zoo_rnn_stack.nn' | grep -A3 '# gru backward' | grep -q \"h_{t-1} − h~)·tanh'\" && echo ok || { echo \"FAIL: gru backward comment does not say tanh' for recurrent_activation=tanh\"; exit 1; }")
#   codegen.zoo.compat.*         Keras spellings the zoo found refused, now accepted (each
#                                model's header says which)
foreach(name reshape_target_shape leaky_negative_slope global_avg_pool_alias)
    add_test(NAME codegen.zoo.compat.${name}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0 "Total params"
                     ${CG_NNLC} --summary ${CG_DIR}/models/zoo_compat_${name}.nn)
endforeach()

# Layers with the same loops share one function (loops_share.c): which ones, and that the
# shared function takes the buffers (share.sh); codegen.zoo.shared_layers runs the same
# model's gradcheck and thread determinism, and its PyTorch oracle.
add_test(NAME codegen.share
         COMMAND ${CG_DIR}/share.sh ${CG_NNLC} ${CG_DIR}/models/zoo_shared_layers.nn)
