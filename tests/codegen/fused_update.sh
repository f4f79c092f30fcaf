#!/usr/bin/env bash
# fused_update.sh NNLC CG_TOOL DATA_DIR WORK_DIR
# backward_update(ctx) (docs/abi.md §2) takes the optimizer's step for a dense kernel in
# the loop that sums its gradient; it must give the weights backward then update give,
# bit for bit. For every optimizer (and momentum, nesterov, amsgrad, clipvalue, an L2
# penalty), a three-layer model — the first dense layer reads the input,
# the middle one also computes dx, which reads W before its step — is compiled with and
# without the fusion (NNLC_UNFUSED_UPDATE=1) and trained at 1 and 2 threads; all four
# runs must save the same bytes. clipnorm, which needs each tensor's whole gradient
# first, must not be fused.
set -u
nnlc=$1 tool=$2 data=$3 work=$4
mkdir -p "$work"
optimizers=(
    "sgd(lr=0.05)" "sgd(lr=0.05, momentum=0.9)" "sgd(lr=0.05, momentum=0.9, nesterov=true)"
    "adagrad(lr=0.05)" "rmsprop(lr=0.01)" "rmsprop(lr=0.01, momentum=0.5)"
    "adadelta(lr=1.0)" "adam(lr=0.01)" "adam(lr=0.01, amsgrad=true)" "nadam(lr=0.01)"
    "adamw(lr=0.01)" "adam(lr=0.01, clipvalue=0.01)" "rmsprop(lr=0.01, clipnorm=0.1)")
failed=0
for k in "${!optimizers[@]}"; do
    opt=${optimizers[$k]}
    m=$work/m$k
    cat > "$m.nn" <<MODEL
model fused {
    input [12]
    dense(40, activation=tanh, l2=0.001)
    dense(32, activation=relu)
    dense(1024, activation=relu, l2=0.001)
    dense(3, activation=softmax)
}
train {
    loss = sparse_categorical_crossentropy
    optimizer = $opt
    epochs = 2   batch = 16   seed = 5
}
MODEL
    "$nnlc" --parallel-min-work=0 "$m.nn" -o "$m.fused" &&
        NNLC_UNFUSED_UPDATE=1 "$nnlc" --parallel-min-work=0 "$m.nn" -o "$m.plain" || exit 1
    # the entry, and the step in each dense layer's loop of dW
    fused=$("$nnlc" --emit=loops "$m.nn" | grep -c '^func backward_update\|if update.in_backward')
    plain=$(NNLC_UNFUSED_UPDATE=1 "$nnlc" --emit=loops "$m.nn" | grep -c 'backward_update\|in_backward')
    case $opt in
        *clipnorm*) want=0 ;;
        *) want=5 ;;
    esac
    if [ "$fused" != "$want" ] || [ "$plain" != 0 ]; then
        echo "FAIL: $opt: $fused lines of backward_update (want $want), $plain unfused"
        failed=1
        continue
    fi
    for v in fused plain; do
        for t in 1 2; do
            "$m.$v" --data "$data/ck_x.npy" "$data/ck_y.npy" --threads $t --quiet \
                --save "$m.$v$t.safetensors" > /dev/null || exit 1
        done
    done
    for run in fused2 plain1 plain2; do
        "$tool" same "$m.fused1.safetensors" "$m.$run.safetensors" > /dev/null ||
            { echo "FAIL: $opt: fused at 1 thread and $run differ"; failed=1; }
    done
done
[ $failed -eq 0 ] && echo "fused_update: ${#optimizers[@]} optimizers, fused and unfused updates identical at 1 and 2 threads"
exit $failed
