#!/usr/bin/env bash
# gradcheck.sh NNLC DATA_DIR WORK_DIR LOSS ACT VARIANT...
# Compiles small f64 models from the template below with NNLC and requires the trainer's
# --gradcheck (backward against central differences, tolerance 1e-6) to pass, for one
# loss and one activation, in each VARIANT:
#   plain      input [6] → dense(5, ACT) → dense(3, OUT)
#   l2         plain with the train block's l2 = 0.01 on both kernels
#   dropout    dropout(0.3) after the hidden layer (gradcheck fixes the noise)
#   l2dropout  dropout, and l2 per layer (0.02, 0.005) instead of the train block's
#   actlayer   the output activation as a layer of its own: dense(3), activation(OUT)
#   width1     one output unit (mse, mae, binary_crossentropy; not softmax, which is the
#              constant 1 over one unit), with bias_initializer=ones so a ReLU output is alive
# OUT is ACT for mse and mae, softmax for the categorical losses and sigmoid for binary
# cross-entropy (the only outputs nnlc accepts for them; rejected.sh checks the rest).
# LOSS is mse, mae, bce, cce or scce; ACT is linear, sigmoid, tanh, relu, leaky_relu, elu,
# softmax, gelu or swish.
#
# Kinks: features and targets are nonzero multiples of 1/8 (cg_tool data), so no ReLU
# input sits at 0 and no MAE residual is 0 on the 4 checked examples; the weights come
# from the trainer's seeded Glorot initialization, so the check is deterministic.
set -u
nnlc=$1 data=$2 work=$3 loss=$4 act=$5
shift 5
mkdir -p "$work"

case $act in
    leaky_relu) act_expr="leaky_relu(alpha=0.2)" ;;
    linear|sigmoid|tanh|relu|elu|softmax|gelu|swish) act_expr=$act ;;
    *) echo "gradcheck.sh: unknown activation '$act'"; exit 2 ;;
esac
case $loss in
    mse) loss_name=mse out_act=$act_expr y=gc_target ;;
    mae) loss_name=mean_absolute_error out_act=$act_expr y=gc_target ;;
    bce) loss_name=binary_crossentropy out_act=sigmoid y=gc_binary ;;
    cce) loss_name=categorical_crossentropy out_act=softmax y=gc_class ;;
    scce) loss_name=sparse_categorical_crossentropy out_act=softmax y=gc_class ;;
    *) echo "gradcheck.sh: unknown loss '$loss'"; exit 2 ;;
esac

# model VARIANT: the .nn text.
model() {
    local variant=$1 width=3 hidden_l2="" out_l2="" train_l2="" drop="" head
    case $variant in
        plain|actlayer) ;;
        l2) train_l2="l2 = 0.01" ;;
        dropout) drop="dropout(0.3)" ;;
        l2dropout) drop="dropout(0.3)" hidden_l2=", l2=0.02" out_l2=", l2=0.005" ;;
        width1) width=1 out_l2=", bias_initializer=ones" ;;
        *) echo "gradcheck.sh: unknown variant '$variant'" >&2; return 1 ;;
    esac
    if [ "$variant" = actlayer ]; then
        head="dense($width$out_l2)
    activation($out_act)"
    else
        head="dense($width, activation=$out_act$out_l2)"
    fi
    cat <<EOF
# codegen.gradcheck: loss $loss_name, activation $act_expr, variant $variant
model gc {
    input [6]
    dense(5, activation=$act_expr$hidden_l2)
    $drop
    $head
}

train {
    loss = $loss_name
    optimizer = sgd(lr=0.01)
    batch = 4
    $train_l2
}
EOF
}

failed=0
declare -A losses
for variant in "$@"; do
    if [ "$variant" = width1 ] && { [ "$out_act" = softmax ] || [ "$loss" = cce ] || [ "$loss" = scce ]; }; then
        continue
    fi
    labels="$data/$y.npy"
    [ "$variant" = width1 ] && labels="$data/${y}1.npy"
    src="$work/$variant.nn" exe="$work/$variant"
    model "$variant" > "$src" || exit 2
    rm -f "$exe"
    if ! out=$("$nnlc" --precision=f64 "$src" -o "$exe" 2>&1); then
        printf 'FAIL %-10s nnlc failed:\n%s\n--- %s:\n%s\n' "$variant" "$out" "$src" "$(cat "$src")"
        failed=$((failed + 1))
        continue
    fi
    out=$("$exe" --gradcheck --data "$data/gc_x.npy" "$labels" 2>&1)
    code=$?
    if [ $code -ne 0 ] || ! grep -Eq '^gradcheck: passed: 4 tensors, max error .* <= 1e-06$' <<<"$out"; then
        printf 'FAIL %-10s exit %d:\n%s\n--- %s:\n%s\n' "$variant" "$code" "$out" "$src" "$(cat "$src")"
        failed=$((failed + 1))
        continue
    fi
    # A check where every gradient is exactly 0 (dead units) would pass any backward.
    if ! grep -E '^  [^ ]+ ' <<<"$out" | grep -vq 'backward 0, numeric 0)'; then
        printf 'FAIL %-10s every gradient is 0: the case checks nothing\n%s\n' "$variant" "$out"
        failed=$((failed + 1))
        continue
    fi
    # Options both sides ignored would pass too: L2 must raise the loss (same weights:
    # same seed and shapes), and dropout must change it.
    value=$(sed -n 's/^gradcheck: [0-9]* examples, loss \([^,]*\),.*/\1/p' <<<"$out")
    losses[$variant]=$value
    case $variant in
        l2) base=plain cmp='l > b' ;;
        l2dropout) base=dropout cmp='l > b' ;;
        dropout) base=plain cmp='l != b' ;;
        *) base="" ;;
    esac
    if [ -n "$base" ] && [ -n "${losses[$base]:-}" ] &&
       ! awk -v l="$value" -v b="${losses[$base]}" "BEGIN { exit !($cmp) }"; then
        printf 'FAIL %-10s loss %s, %s without it: the option made no difference\n' \
            "$variant" "$value" "${losses[$base]}"
        failed=$((failed + 1))
        continue
    fi
    printf 'ok   %-10s loss %-10s %s\n' "$variant" "$value" "$(grep '^gradcheck: passed' <<<"$out")"
done
if [ $failed -gt 0 ]; then
    echo "$failed variant(s) of $loss/$act failed"
    exit 1
fi
