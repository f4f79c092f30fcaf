# Convolutions, pooling, batch normalization, merges and graph-shaped models (issue 4).
# Included by tests/CMakeLists.txt; needs the nnlc target (and its runtime).
#   conv.gradcheck.*  f64 gradient checks of generated trainers on random examples
#   conv.forward      known weights, --predict against hand-computed values
#   conv.bn_moving    batch norm: batch statistics in training, moving ones after
#   conv.direct       the direct 1-channel convolution against the im2col product
#   conv.fashion      a small CNN on a Fashion-MNIST subset must beat a stated accuracy
#   conv.loops.*      golden --emit=loops output
set(CONV_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CONV_WORK ${CMAKE_CURRENT_BINARY_DIR}/conv_work)

add_executable(conv_st_write ${CONV_DIR}/st_write.c)

# conv_gradcheck(MODEL [CLASSES]): tests/conv/MODEL.nn on random examples.
function(conv_gradcheck model)
    add_test(NAME conv.gradcheck.${model}
             COMMAND ${CONV_DIR}/gradcheck.sh $<TARGET_FILE:nnlc> ${CONV_DIR}/${model}.nn
                     ${CONV_WORK}/${model} ${ARGN})
endfunction()
foreach(model conv2d conv1d pool2d pool1d batchnorm residual merge views products
              products_blocked dweight_rows)
    conv_gradcheck(${model})
endforeach()
conv_gradcheck(outputs 2)   # binary labels

add_test(NAME conv.forward
         COMMAND ${CONV_DIR}/forward.sh $<TARGET_FILE:nnlc> $<TARGET_FILE:conv_st_write>
                 ${CONV_DIR}/forward.nn ${CONV_WORK}/forward)
add_test(NAME conv.bn_moving
         COMMAND ${CONV_DIR}/bn_moving.sh $<TARGET_FILE:nnlc> ${CONV_DIR}/bn_moving.nn
                 ${CONV_WORK}/bn_moving)
# The direct schedule of a 1-channel convolution with few filters against the im2col
# product (NNLC_CONV_PRODUCT=1): same predictions and losses in f64.
add_test(NAME conv.direct
         COMMAND ${CONV_DIR}/direct.sh $<TARGET_FILE:nnlc>
                 ${PROJECT_SOURCE_DIR}/tests/codegen/models/zoo_conv_direct.nn ${CONV_WORK}/direct)
add_test(NAME conv.fashion
         COMMAND ${CONV_DIR}/fashion.sh $<TARGET_FILE:nnlc> ${CONV_DIR}/fashion_small.nn
                 ${CONV_WORK}/fashion)
set_tests_properties(conv.fashion PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME conv.loops.small_cnn
         COMMAND ${GOLDEN} $<TARGET_FILE:nnlc> loops ${CONV_DIR}/small_cnn.nn
                 ${CONV_DIR}/small_cnn.loops)
# Broadcasting add and multiply: each input's index steps (0 along the axes it repeats
# along) and the backward's per-example sums over those axes, for the zoo's
# squeeze-and-excitation block and its model of every kind of broadcast.
add_test(NAME conv.loops.broadcast_se
         COMMAND ${GOLDEN} $<TARGET_FILE:nnlc> loops
                 ${PROJECT_SOURCE_DIR}/tests/codegen/models/zoo_bcast_se.nn
                 ${CONV_DIR}/broadcast_se.loops y)
add_test(NAME conv.loops.broadcast_mixed
         COMMAND ${GOLDEN} $<TARGET_FILE:nnlc> loops
                 ${PROJECT_SOURCE_DIR}/tests/codegen/models/zoo_bcast_mixed.nn
                 ${CONV_DIR}/broadcast_mixed.loops s m t add)
add_test(NAME conv.loops.products_split
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0 "parallel for s in 0..2"
                 $<TARGET_FILE:nnlc> --emit=loops ${CONV_DIR}/products.nn)
add_test(NAME conv.loops.products_blocked
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "in blocks of 64 rows of W \\(20 KB\\).*for kb in 0..4:"
                 sh -c "'$<TARGET_FILE:nnlc>' --precision=f64 --emit=loops '${CONV_DIR}/products_blocked.nn' | tr '\\n' '~'")
# dW's sum over the examples in 2 parts where the examples' columns and gradients outweigh
# dW (the Keras tutorial CNN's second convolution: 288 × 64 with 6 blocks of tiles, enough to
# share), and over dW's rows where dW outweighs them (dweight_rows.nn, batch 4).
add_test(NAME conv.loops.dweight_examples
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "# dW \\(288, 64\\)[^~]*~  # dW = Aᵀ·dZ with the sum over the examples in 2 parts"
                 sh -c "'$<TARGET_FILE:nnlc>' --emit=loops '${PROJECT_SOURCE_DIR}/examples/fashion_cnn.nn' | tr '\\n' '~'")
# What every thread wrote just before is gathered in parallel down to an eighth of the
# least work (loop_schedule): the CNN's dense layer's transpose of W and its
# convolutions' sums of parts, which ran on one thread while the other waited (3-11% of a
# 2-thread epoch); the first convolution's 9 x 32 sum stays serial.
add_test(NAME conv.loops.gathers_parallel
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "dense.W.T = dense.Wᵀ[^~]*~  parallel for ib in 0..36:.*the parts, in order; db the same way~  parallel vector for i in 0..36864:.*the parts, in order; db the same way~  parallel vector for i in 0..18432:.*the parts, in order; db the same way~  vector for i in 0..288:"
                 sh -c "'$<TARGET_FILE:nnlc>' --emit=loops '${PROJECT_SOURCE_DIR}/examples/fashion_cnn.nn' | tr '\\n' '~'")
add_test(NAME conv.loops.dweight_rows
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "# dW = Aᵀ·dZ in tiles of 4 rows × 24 columns of dW; db, the last item~  parallel for ibb in"
                 sh -c "'$<TARGET_FILE:nnlc>' --precision=f64 --emit=loops '${CONV_DIR}/dweight_rows.nn' | tr '\\n' '~'")
# The split layer's sum of parts (and sigmoid) runs inside the next layer's tiles of
# examples, followed by that layer's softmax: one loop over the tiles (loop_schedule).
add_test(NAME conv.loops.products_tiles
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../runtime/expect.sh 0
                 "func dense_2.forward[^~]*~[^~]*~[^~]*~  for rb in 0..B/4:~    # from dense_1.forward, run tile by tile below:~    # Z = b [^~]*~    for q in 0..4:~[^~]*.*~    for q in 0..4:~      m = dense_2.z"
                 sh -c "'$<TARGET_FILE:nnlc>' --emit=loops '${CONV_DIR}/products.nn' | tr '\\n' '~'")
