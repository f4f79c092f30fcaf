# models.sh — the models bench/compare.sh and bench/accuracy.sh know, sourced by both.
# bench_model NAME sets src (the nnlc side's .nn file), torch_cmd (the PyTorch side's
# script and model name) and target (the test accuracy the speed issue asks of it, or
# ""); it fails for a name it does not know. BENCH_MODEL_NAMES lists the names.
# bench_setting and bench_copy read the src it set.
# Needs root (the repository) and bench_torch (the directory of bench_torch.py).
BENCH_MODEL_NAMES="mlp|mlp_wide|mlp_relu|cnn|lenet5|vgg|vgg_bn|strided|mlp_drop|gru_rows|rnn_rows"
BENCH_MODEL_NAMES="$BENCH_MODEL_NAMES|mlp_narrow6|mlp_1024|cnn_gap|conv1d_rows|cnn_bn_drop|lstm2_rows"

bench_model() {
    case $1 in
        mlp) src=$root/examples/mlp.nn torch_cmd=("$bench_torch/bench_torch.py" mlp_small) target=0.85 ;;
        mlp_wide) src=$root/examples/mlp_wide.nn torch_cmd=("$root/bench/torch_extra.py" mlp_wide) target=0.883 ;;
        mlp_relu) src=$root/bench/models/mlp_relu.nn torch_cmd=("$bench_torch/bench_torch.py" mlp_relu) target="" ;;
        cnn) src=$root/examples/fashion_cnn.nn torch_cmd=("$bench_torch/bench_torch.py" cnn) target="" ;;
        lenet5|vgg|vgg_bn|strided|mlp_drop|gru_rows|rnn_rows|mlp_narrow6|mlp_1024|cnn_gap|conv1d_rows|cnn_bn_drop|lstm2_rows)
            src=$root/bench/models/$1.nn torch_cmd=("$root/bench/torch_extra.py" "$1") target="" ;;
        *) return 1 ;;
    esac
}

# The train block's whole-number setting $1 (batch, epochs) of src.
bench_setting() { grep -Eo "$1 = [0-9]+" "$src" | head -1 | grep -Eo '[0-9]+'; }

# src without `validation` and `early_stopping`, into $1: nnlc then trains on all 60,000
# images every epoch, as the PyTorch side does.
bench_copy() { sed -e 's/validation = [0-9.]*//' -e '/early_stopping/d' "$src" > "$1"; }
