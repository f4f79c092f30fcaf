# Runtime tests (libnnrt). Included by tests/CMakeLists.txt; relies only on the `nnrt`
# target and on paths relative to this file.
set(NNRT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

# A trainer executable made of ref_model.c (the stand-in for generated code) + libnnrt.
function(nnrt_ref_trainer name)
    add_executable(${name} ${NNRT_TEST_DIR}/ref_model.c)
    target_link_libraries(${name} PRIVATE nnrt)
    target_compile_definitions(${name} PRIVATE ${ARGN})
endfunction()

nnrt_ref_trainer(rt_ref_f32)                                       # softmax regression, SGD
nnrt_ref_trainer(rt_ref_f32_adam REF_ADAM)
nnrt_ref_trainer(rt_ref_f64 REF_F64 REF_HIDDEN=16 REF_ADAM)        # hidden layer + dropout
nnrt_ref_trainer(rt_ref_f64_bug REF_F64 REF_HIDDEN=16 REF_ADAM REF_BUG)
nnrt_ref_trainer(rt_ref_f32_hidden REF_HIDDEN=16 REF_ADAM)
nnrt_ref_trainer(rt_ref_f64_aug REF_F64 REF_HIDDEN=16 REF_ADAM REF_AUGMENT)
