#!/usr/bin/env python3
"""docs.py NNLC ROOT — keeps the documentation true to the code.

* Every .nn program shown in README.md, docs/tutorial.md and docs/language.md (a fenced
  block with a `model NAME {` line, or a `block` alone, used on an image) compiles with
  `nnlc --summary`. When the next fenced
  block quotes errors of a file (`bad.nn:4:5: error: ...`), the program is written to that
  file instead and nnlc's output must be exactly the quoted lines, with status 1. A
  program whose comment states its parameter count (`93,322 parameters`) must have that
  many. Quoted errors of a file that no program precedes (README's `cnn.nn:6:5: error:`)
  must be those of the doc program of that file name.
* Every option and environment variable of `nnlc --help` and of a trainer's `--help` is
  named somewhere in the docs, the variables of README's Environment paragraph are in
  nnlc --help's, and the options the docs list (README's table of nnlc's
  options, docs/abi.md §12's list of the trainer's) are all in the help; a default that
  README's table gives (`default 50`) is the one `nnlc --help` gives for that option.
* docs/abi.md names every field of runtime/nnrt.h's structs and every constant of its
  enums, and gives NNRT_ABI_VERSION's value.
* A block shown as a file (`examples/mlp.nn`:) is that file, and every file of the
  repository the docs name exists.
* The excerpts of `--emit=loops`, `--emit=ir` and `--emit=llvm` in docs/tutorial.md and
  docs/ir.md are lines of those outputs, in order (but lines with `…` or in parentheses).
* docs/ir.md's `nnlc --time` lines are the ones nnlc prints for examples/mlp.nn, and its
  count of resnet_bn's layer functions that call a shared one is --emit=loops'.
* The trainer's usage errors that docs/abi.md §12 quotes are what the trainer says.
* Every name nnlc's "valid … are:" hints list (each layer's options, the train settings,
  losses, optimizers, metrics, schedules, data sources, activations, initializers, and
  their options) is named in README.md or docs/language.md, and so is every layer
  spelling and option alias of nnlc's tables (compiler/sema_layers.c, sema_values.c).
* The defaults of docs/language.md §4's headings are the options --emit=ir resolves, and
  its table of options by position lists as many as each layer takes.
* docs/tutorial.md §3's run of ./mlp is the trainer's (but for times and thread counts,
  and its numbers to 0.01), and docs/abi.md §12's progress bar is what a terminal shows
  (but for the numbers); both where Fashion-MNIST is installed.
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

nnlc, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DOCS = ["README.md", "docs/tutorial.md", "docs/language.md", "docs/abi.md", "docs/ir.md"]
PROGRAM_DOCS = DOCS[:3]
fails = []
checked = 0


def read(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def fenced_blocks(text):
    """(first line number, body) of every fenced block, its indentation removed."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)```", lines[i])
        if not m:
            i += 1
            continue
        indent, j = len(m.group(1)), i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        blocks.append((i + 2, "\n".join(l[indent:] for l in lines[i + 1:j])))
        i = j + 1
    return blocks


def run(args, cwd):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


tmp = tempfile.mkdtemp()
errors_of, answered = {}, set()  # file name -> nnlc's errors; (doc, line) of checked quotes
for doc in PROGRAM_DOCS:
    blocks = fenced_blocks(read(doc))
    for k, (line, body) in enumerate(blocks):
        block = re.search(r"^block (\w+)\(([^)]*)\)", body, re.M)
        alone = block and not re.search(r"^\s*model\s+\w+\s*\{", body, re.M)
        if alone:
            # a block shown alone (README's residual block) is used on an image
            required = [a for a in block.group(2).split(",") if a.strip() and "=" not in a]
            body += "\nmodel uses_%s {\n    input [28, 28, 1]\n    %s(%s)\n}" % (
                block.group(1), block.group(1), ", ".join(["8"] * len(required)))
        if not re.search(r"^\s*model\s+\w+\s*\{", body, re.M):
            continue
        checked += 1
        where = "%s:%d" % (doc, line)
        following = blocks[k + 1][1] if k + 1 < len(blocks) and not alone else ""
        quoted = [l for l in following.split("\n") if not l.startswith("$ ")]
        m = re.match(r"^(\w+\.nn):\d+:\d+: error: ", quoted[0]) if quoted else None
        name = m.group(1) if m else "doc_%d.nn" % checked
        d = os.path.join(tmp, str(checked))
        os.mkdir(d)
        with open(os.path.join(d, name), "w") as f:
            f.write(body + "\n")
        rc, out, err = run([nnlc, "--summary", name], d)
        if m:
            want = "\n".join(quoted).rstrip("\n")
            if rc != 1 or err.rstrip("\n") != want:
                fails.append("%s: nnlc --summary %s exits %d and says\n%s\nbut the doc quotes\n%s"
                             % (where, name, rc, err, want))
            errors_of[name] = err.rstrip("\n")
            answered.add((doc, blocks[k + 1][0]))
            continue
        if rc != 0:
            fails.append("%s: the program does not compile (exit %d):\n%s" % (where, rc, err))
            continue
        stated = re.search(r"#.*?([\d,]+) parameters", body)
        total = re.search(r"^Total params: ([\d,]+)", out, re.M)
        if stated and (not total or total.group(1) != stated.group(1)):
            fails.append("%s: the comment says %s parameters, --summary says %s"
                         % (where, stated.group(1), total.group(1) if total else "nothing"))

for doc in PROGRAM_DOCS:
    for line, body in fenced_blocks(read(doc)):
        quoted = [l for l in body.split("\n") if not l.startswith("$ ")]
        m = re.match(r"^(\w+\.nn):\d+:\d+: error: ", quoted[0]) if quoted else None
        if not m or (doc, line) in answered:
            continue
        want = "\n".join(quoted).rstrip("\n")
        if m.group(1) not in errors_of:
            fails.append("%s:%d: quotes errors of %s, which no doc program of that name gives"
                         % (doc, line, m.group(1)))
        elif errors_of[m.group(1)] != want:
            fails.append("%s:%d: quotes\n%s\nbut nnlc says of the doc's %s\n%s"
                         % (doc, line, want, m.group(1), errors_of[m.group(1)]))

# A block introduced as a file of the repository (`examples/mlp.nn`:) is that file.
for doc in PROGRAM_DOCS:
    for path, body in re.findall(r"^`((?:examples|tests|bench)/[\w./-]+)`:\n\n```\n(.*?)^```$",
                                 read(doc), re.M | re.S):
        if not os.path.exists(os.path.join(root, path)):
            fails.append("%s shows %s, which does not exist" % (doc, path))
        elif read(path) != body:
            fails.append("%s shows %s otherwise than the file is" % (doc, path))

# Every file of the repository that a doc names (`compiler/loops_gemm.c`,
# tests/conv/broadcast_*.loops) is there: renaming one leaves no doc pointing at nothing.
paths = 0
for doc in DOCS:
    for path in sorted(set(re.findall(r"(?<![\w/.-])((?:compiler|runtime|tests|examples|bench|"
                                      r"scripts|docs|cmake)/[\w./*-]*\.\w+)", read(doc)))):
        paths += 1
        if not glob.glob(os.path.join(root, path)):
            fails.append("%s names %s, which the repository does not have" % (doc, path))
if paths < 30:
    fails.append("only %d paths of the repository found in the docs: has the markup changed?"
                 % paths)

if checked < 6:
    fails.append("only %d programs found in %s: has the markup changed?"
                 % (checked, ", ".join(PROGRAM_DOCS)))

docs_text = "\n".join(read(d) for d in DOCS)


def named(word, text):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def help_options(help_text):
    """Options of the lines that describe one (indented, starting with a dash)."""
    opts = set()
    for l in help_text.split("\n"):
        if re.match(r"^  -", l):
            opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", l.split("   ")[0]))
    return opts


def help_entries(help_text, opts):
    """The text of each help entry (its line and the indented lines under it) that names
    one of opts."""
    entries, current = [], None
    for l in help_text.split("\n"):
        if re.match(r"^  -", l):
            current = [l]
            entries.append(current)
        elif current is not None and re.match(r"^ {4,}\S", l):
            current.append(l.strip())
        else:
            current = None
    return [" ".join(e) for e in entries
            if any(named(o, e[0].split("   ")[0]) for o in opts)]


rc, nnlc_help, _ = run([nnlc, "--help"], tmp)
nnlc_opts = help_options(nnlc_help)
for o in sorted(nnlc_opts | set(re.findall(r"\bNNLC_[A-Z_]+\b", nnlc_help))):
    if not named(o, docs_text):
        fails.append("nnlc --help lists %s, which no doc names" % o)
readme = read("README.md")
# README's paragraph on nnlc's environment names the variables --help's does: TMPDIR was
# documented in README alone.
environment = re.search(r"^Environment: (.*?)\n\n", readme, re.M | re.S)
help_environment = re.search(r"^Environment: (.*?)\nExit status", nnlc_help, re.M | re.S)
if not environment or not help_environment:
    fails.append("README.md or nnlc --help has no paragraph 'Environment:'")
else:
    for v in sorted(set(re.findall(r"`([A-Z][A-Z_]+)(?:=\w*)?`", environment.group(1)))):
        if not named(v, help_environment.group(1)):
            fails.append("README's Environment paragraph names %s, which nnlc --help's does not" % v)
table = re.search(r"^## nnlc's options\n(.*?)^## ", readme, re.M | re.S)
if not table:
    fails.append("README.md has no section '## nnlc's options'")
else:
    for row in re.findall(r"^\| (.*?) \|", table.group(1), re.M):
        for o in re.findall(r"`(-[\w-]+)", row):
            if o not in nnlc_opts and not o.startswith("--emit"):
                fails.append("README's options table names %s, which nnlc --help does not" % o)
    for row in re.findall(r"^\| (`-.*) \|$", table.group(1), re.M):
        option, does = row.split(" | ", 1)
        opts = re.findall(r"`(-[\w-]+)", option)
        for default in re.findall(r"default `?(-?[\w.]+)", does):
            if not any(re.search(r"default:? \(?" + re.escape(default) + r"\b", text)
                       for text in help_entries(nnlc_help, opts)):
                fails.append("README's options table gives %s the default %s, nnlc --help does not"
                             % (", ".join(opts), default))

trainer = os.path.join(tmp, "mlp")
rc, _, err = run([nnlc, "--jobs=2", "--time", os.path.join(root, "examples/mlp.nn"),
                  "-o", trainer], tmp)
if rc != 0:
    fails.append("cannot compile examples/mlp.nn: " + err)
else:
    # docs/ir.md's `nnlc --time` of examples/mlp.nn: the same lines, but for the seconds
    # (and the linker, $CC).
    seconds = lambda text: re.sub(r"\d+\.\d+ s\b|link \(.*?\)", "T", text).strip("\n")
    quoted = [b for _, b in fenced_blocks(read("docs/ir.md")) if b.startswith("nnlc: time:")]
    if len(quoted) != 1:
        fails.append("docs/ir.md: %d blocks of nnlc --time output, expected 1" % len(quoted))
    elif seconds(quoted[0]) != seconds(err):
        fails.append("docs/ir.md quotes nnlc --time as\n%s\nbut it says\n%s" % (quoted[0], err))
    rc, trainer_help, _ = run([trainer, "--help"], tmp)
    trainer_opts = help_options(trainer_help)
    for o in sorted(trainer_opts):
        if not named(o, docs_text):
            fails.append("the trainer's --help lists %s, which no doc names" % o)
    listed = re.search(r"`\./model --help` lists the options: `([^`]*)`", read("docs/abi.md"))
    if not listed:
        fails.append("docs/abi.md §12 no longer lists the trainer's options")
    else:
        doc_opts = set(re.findall(r"--[\w-]+", listed.group(1)))
        for o in sorted(doc_opts - trainer_opts):
            fails.append("docs/abi.md §12 lists %s, which the trainer's --help does not" % o)
        for o in sorted(trainer_opts - doc_opts - {"--help"}):
            fails.append("the trainer's --help lists %s, missing from docs/abi.md §12's list" % o)

    # docs/tutorial.md §3's run of ./mlp is what the trainer prints: the same lines in
    # order, with the step times and the thread counts left out, and the same numbers
    # (losses and accuracies to 0.01: a CPU of other vector widths rounds otherwise).
    def same_line(quoted, line):
        mask = lambda l: re.sub(r"- \d+s \d+(us|ms|s)/step|\d+ threads?( \(auto\))?$", "T",
                                re.sub(r"\d+", "N", l) if l.startswith("Threads") else l)
        q, o = mask(quoted), mask(line)
        number = r"(\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
        if re.split(number, q)[::2] != re.split(number, o)[::2]:
            return False
        return all(a == b or ("." in a and abs(float(a) - float(b)) <= 0.01)
                   for a, b in zip(re.findall(number, q), re.findall(number, o)))

    fashion = os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    run_blocks = [b for _, b in fenced_blocks(read("docs/tutorial.md")) if b.startswith("$ nnlc examples/mlp.nn -o mlp\n$ ./mlp\n")]
    if len(run_blocks) != 1:
        fails.append("docs/tutorial.md: %d blocks of '$ ./mlp' and its output, expected 1"
                     % len(run_blocks))
    elif not fashion:
        print("docs: no Fashion-MNIST (scripts/install-deps.sh installs it): ./mlp not run")
    else:
        rc_t, out, err = run([trainer, "--verbose", "1"], tmp)
        lines, at = out.split("\n"), 0
        for q in run_blocks[0].split("\n")[2:]:
            if q in ("...", "") or q.startswith("$ "):
                continue
            found = next((i for i in range(at, len(lines)) if same_line(q, lines[i])), None)
            if found is None and q.startswith("Threads (auto)"):
                continue  # not printed where the trainer may use one core
            if rc_t != 0 or found is None:
                fails.append("docs/tutorial.md §3 quotes ./mlp saying\n%s\nbut it says (exit %d)\n%s%s"
                             % (q, rc_t, out, err))
                break
            at = found + 1

    # On a terminal, the progress bar ends as the line docs/abi.md §12 shows: the same text
    # but for the numbers.
    def on_terminal(args):
        """What the trainer writes to a terminal (a pseudo-terminal here)."""
        import pty
        master, slave = pty.openpty()
        p = subprocess.Popen([trainer] + args, cwd=tmp, stdout=slave, stderr=slave)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the trainer has closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        p.wait()
        return shown.decode("utf-8", "replace")

    quoted = [b for _, b in fenced_blocks(read("docs/abi.md")) if "[====" in b]
    if len(quoted) != 1:
        fails.append("docs/abi.md: %d blocks of the progress bar's last state, expected 1"
                     % len(quoted))
    elif fashion:
        shown = on_terminal(["--epochs", "1", "--limit", "640"])
        bar = [l.split("\r")[-1] for l in shown.split("\r\n") if "[==" in l]
        numbers = lambda l: re.sub(r"\d+(?:\.\d+)?(?:us|ms|s)?", "N", l)
        if len(bar) != 1 or numbers(bar[0]) != numbers(quoted[0].strip()):
            fails.append("docs/abi.md §12 shows the progress bar ending as\n%s\nbut on a "
                         "terminal the trainer writes\n%s" % (quoted[0], shown))

    # The usage errors §12 quotes, each with the arguments that give it.
    abi = read("docs/abi.md")
    for args, quoted in [(["--save", "--quiet"], "--save needs a value (FILE), but the next "
                          "argument is the option '--quiet'"),
                         (["--epoch", "3"], "unknown option '--epoch'; did you mean --epochs?")]:
        if quoted not in re.sub(r"\s+", " ", abi):
            fails.append("docs/abi.md no longer quotes: " + quoted)
        rc_u, _, err = run([trainer] + args, tmp)
        if rc_u != 2 or quoted not in err:
            fails.append("%s %s exits %d and says\n%sbut docs/abi.md quotes\n%s"
                         % (os.path.basename(trainer), " ".join(args), rc_u, err, quoted))

# docs/abi.md explains every field and constant of runtime/nnrt.h.
abi = read("docs/abi.md")
header = re.sub(r"/\*.*?\*/", "", read("runtime/nnrt.h"), flags=re.S)
for struct, body in re.findall(r"typedef struct (\w+) \{(.*?)\} \w+;", header, re.S):
    for decl in body.split(";"):
        pointer = re.search(r"\(\*(\w+)\)", decl)
        fields = [pointer.group(1)] if pointer else \
            [re.sub(r"\[.*", "", d).split()[-1].lstrip("*") for d in decl.split(",") if d.strip()]
        for f in fields:
            if not named(f, abi):
                fails.append("runtime/nnrt.h's %s.%s is not named in docs/abi.md" % (struct, f))
for enum, body in [(m.group(2), m.group(1))
                   for m in re.finditer(r"typedef enum \{(.*?)\} (\w+);", header, re.S)]:
    for const in re.findall(r"\b(NNRT_\w+)\s*=", body):
        short = re.sub(r"^NNRT_(INIT_|DIST_|LOSS_|SCHED_|METRIC_|DATA_|TASK_)?", "", const)
        if not named(const, abi) and not named(short, abi):
            fails.append("runtime/nnrt.h's %s %s is not named in docs/abi.md" % (enum, const))
version = re.search(r"#define NNRT_ABI_VERSION (\d+)", header)
if not version or "`NNRT_ABI_VERSION` (%s)" % version.group(1) not in abi:
    fails.append("docs/abi.md does not give NNRT_ABI_VERSION's value, %s"
                 % (version.group(1) if version else "?"))

# Excerpts of nnlc's text outputs: every line without an elision (`…`) or a paraphrase in
# parentheses is a line of the output, in the same order.
EXCERPTS = [("docs/tutorial.md", "func dense.forward(ctx):", ["--emit=loops", "examples/mlp.nn"]),
            ("docs/ir.md", "func dense.forward(ctx):", ["--emit=loops", "examples/mlp.nn"]),
            ("docs/ir.md", "%dense = dense", ["--emit=ir", "examples/mlp.nn"]),
            ("docs/ir.md", "define internal void @dense.forward", ["--emit=llvm", "examples/mlp.nn"]),
            ("docs/ir.md", "func conv2d_1.forward(", ["--emit=loops", "examples/resnet_bn.nn"])]
outputs = {}
for doc, start, args in EXCERPTS:
    blocks = [b for _, b in fenced_blocks(read(doc)) if b.startswith(start)]
    if len(blocks) != 1:
        fails.append("%s: %d excerpts of nnlc %s that start '%s', expected 1"
                     % (doc, len(blocks), " ".join(args), start))
        continue
    key = tuple(args)
    if key not in outputs:
        outputs[key] = run([nnlc] + args, root)[1].split("\n")
    out, at, shift = outputs[key], 0, None  # shift: the output's indentation less the doc's
    for l in blocks[0].split("\n"):
        if "…" in l or "..." in l or l.strip().startswith("(") or not l.strip():
            continue
        try:
            if shift is None:
                at = [o.strip() for o in out].index(l.strip(), at) + 1
                shift = len(out[at - 1]) - len(l)
            else:
                at = out.index(" " * shift + l, at) + 1
        except ValueError:
            fails.append("%s: the excerpt of nnlc %s has the line\n%s\nwhich the output does "
                         "not have (there, or after the lines before it)" % (doc, " ".join(args), l))
            break

# The vocabulary: every name nnlc's hints list as valid (each layer's options, the
# optimizers, schedules, data sources and their options, the train settings, losses,
# metrics, activations, initializers and their arguments, augmentations) is in a code
# span, a program or a heading of README.md or docs/language.md, so nothing the code takes
# goes undocumented. The lists are nnlc's own "valid … are:" hints for a name 'foo'.
reference = read("README.md") + read("docs/language.md")
spelled = "\n".join(re.findall(r"`([^`\n]+)`", reference) + [b for _, b in fenced_blocks(reference)]
                    + re.findall(r"^#+ (.*)$", reference, re.M))


def nnlc_on(option, sources):
    """nnlc OPTION on each of sources (read from standard input), as many at once as there
    are cores: what each run wrote to standard output and to standard error."""
    def one(src):
        p = subprocess.run([nnlc, option, "-"], input=src, cwd=tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        return p.stdout, p.stderr
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(one, sources))


def valid_names(err):
    """The names of the "valid … are:" hint in nnlc's messages err, or None."""
    m = re.search(r": hint: valid [\w -]+ are: (.*)", err)
    return m.group(1).split(", ") if m else None


TRAIN = "model m { input [8] dense(1) }\ntrain { loss = mse  %s }"
OPTIMIZERS = ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "nadam", "adamw"]
vocabulary = [("the train settings", TRAIN % "foo = 1"),
              ("the losses", TRAIN.replace("loss = mse", "loss = foo") % ""),
              ("the optimizers", TRAIN % "optimizer = foo()"),
              ("the metrics", TRAIN % "metrics = [foo]"),
              ("the schedules", TRAIN % "schedule = foo()"),
              ("the augmentations", TRAIN % "augment = [foo(1)]"),
              ("early_stopping's options", TRAIN % "early_stopping = early_stopping(foo=1)"),
              ("the data sources", TRAIN % 'data = foo("x")'),
              ("the activations", "model m { input [8] dense(1, activation=foo) }"),
              ("the initializers", "model m { input [8] dense(1, kernel_initializer=foo) }")]
layers = re.findall(r'^OP\(\w+,\s*"(\w+)"', read("compiler/ops.def"), re.M)
vocabulary += [("%s's options" % l, "model m { input [8] %s(foo=1) }" % l) for l in layers[1:]]
vocabulary += [("%s's options" % o, TRAIN % ("optimizer = %s(foo=1)" % o)) for o in OPTIMIZERS]
vocabulary += [("%s's options" % s, TRAIN % ("schedule = %s(foo=1)" % s))
               for s in ["step", "exponential", "cosine", "reduce_on_plateau"]]
vocabulary += [("%s's options" % d.split("(")[0], TRAIN % ("data = %s, foo=1)" % d))
               for d in ['idx("a", "b"', 'csv("a"', 'npy("a", "b"', 'series("a"']]
vocabulary += [("%s's arguments" % i, "model m { input [8] dense(1, kernel_initializer=%s(foo=1)) }" % i)
               for i in ["random_uniform", "random_normal", "truncated_normal", "variance_scaling",
                         "constant", "orthogonal", "identity", "glorot_uniform"]]
listed = 0
answers = nnlc_on("--summary", [src for _, src in vocabulary])
for (what, src), (_, err) in zip(vocabulary, answers):
    names = valid_names(err)
    if names is None:
        # layers without options (flatten, add, …) say so without a list
        if not re.search(r"'s options", what) or what.split("'")[0] not in layers:
            fails.append("nnlc lists no valid names for %s (has its hint changed?):\n%s" % (what, src))
        continue
    listed += 1
    for n in names:
        if not named(n, spelled):
            fails.append("nnlc takes %s among %s, which README.md and docs/language.md do not name"
                         % (n, what))
if listed < 40:
    fails.append("only %d of nnlc's lists of valid names found: have its hints changed?" % listed)

# The other spellings nnlc takes, which no hint lists: every layer name of
# compiler/sema_layers.c (in any case, as nnlc matches them; a 1D name counts as named when
# its 2D twin is) and every option alias of compiler/sema_values.c (kernel_size, beta_1, …).
def table(path, start, entry):
    text = read(path)
    at = text.find(start)
    return re.findall(entry, text[at:text.find("};", at)]) if at >= 0 else []


twins = lambda text: re.sub(r"[12]d\b", "Nd", text.lower())
spelled_any_case = twins(spelled)
spellings = table("compiler/sema_layers.c", "layer_names[] = {", r'\{"(\w+)", OP_')
aliases = table("compiler/sema_values.c", "option_aliases[][2] = {", r'\{"(\w+)", "\w+"\}')
if len(spellings) < 40 or len(aliases) < 10:
    fails.append("found %d layer spellings in compiler/sema_layers.c and %d option aliases in "
                 "compiler/sema_values.c: have their tables changed?" % (len(spellings), len(aliases)))
for n in spellings:
    if not named(twins(n), spelled_any_case):
        fails.append("nnlc takes the layer name %s, which README.md and docs/language.md do not "
                     "name" % n)
for a in aliases:
    if not named(a, spelled):
        fails.append("nnlc takes the option %s, which README.md and docs/language.md do not name"
                     % a)

# docs/language.md §4's table of the options each layer takes by position has as many as
# nnlc takes ("too many positional arguments for dense (it takes 5)").
ROW_LAYERS = {"max, avg and min pooling": ["maxpool2d", "avgpool1d", "minpool2d"],
              "global pooling": ["global_avg_pool2d", "global_max_pool1d"]}
POSITION_VALUES = {"units": "4", "filters": "4", "kernel_size": "2", "pool_size": "2",
                   "activation": "relu", "recurrent_activation": "sigmoid", "use_bias": "true",
                   "padding": "valid", "rate": "0.5", "noise_shape": "None",
                   "target_shape": "[-1]", "axis": "-1", "momentum": "0.9", "epsilon": "0.001",
                   "negative_slope": "0.1", "input_dim": "10", "output_dim": "4",
                   "kernel_initializer": "zeros", "recurrent_initializer": "zeros",
                   "bias_initializer": "zeros", "embeddings_initializer": "zeros"}
rows = re.findall(r"^\| ([\w ,]+) \| (.*) \|$", read("docs/language.md").split(
    "| layer | options by position |", 1)[-1].split("\n\n", 1)[0], re.M)
cases = []  # (layer, how many the table lists, the call with one more)
for names, options in rows:
    layers = ROW_LAYERS.get(names, [w for w in re.split(r", ", names)])
    if layers == ["concat"]:  # its positional arguments are its inputs
        continue
    names = re.findall(r"[\w*]+", re.sub(r"\s*\([^)]*\)", "", options))
    # a value each position takes, so that the one past them is the first error
    args = [POSITION_VALUES.get(n, "1") for n in names] + ["1"]
    cases += [(layer, len(names), "model m { input [8, 8, 3] %s(%s) }" % (layer, ", ".join(args)))
              for layer in layers]
positions = len(cases)
for (layer, count, _), (_, err) in zip(cases, nnlc_on("--summary", [c[2] for c in cases])):
    takes = re.search(r"too many positional arguments for \w+ \(it takes (\d+)\)", err)
    if not takes or int(takes.group(1)) != count:
        fails.append("docs/language.md §4 lists %d options by position for %s, nnlc says:\n%s"
                     % (count, layer, err))
if positions < 15:
    fails.append("only %d layers of docs/language.md §4's table of positions found: has the "
                 "table changed?" % positions)

# The defaults that docs/language.md §4's headings give (`### dense(**units**,
# activation=linear, use_bias=true)`) are the ones --emit=ir resolves for that layer.
REQUIRED = {"units": "4", "filters": "4", "kernel": "2", "rate": "0.5", "shape": "[-1]",
            "vocab": "10", "dim": "4", "activation": "relu"}
cases = []  # (heading, the call, its defaults, a model of it)
for heading in re.findall(r"^### (\w.*\(.*)$", read("docs/language.md"), re.M):
    for names, args in re.findall(r"((?:\w+(?:, )?)+) ?\(([^()]*)\)", heading):
        defaults = dict(re.findall(r"(\w+)=([\w.-]+)", args))
        required = re.findall(r"\*\*(\w+)\*\*", args)
        if not defaults or any(r not in REQUIRED for r in required):
            continue
        for layer in re.findall(r"\w+", names):
            if layer == "and":
                continue
            shape = "[8, 8, 3]" if "2d" in layer else "[5]" if layer == "embedding" else "[6, 4]"
            call = "%s(%s)" % (layer, ", ".join("%s=%s" % (r, REQUIRED[r]) for r in required))
            cases.append((heading, call, defaults,
                          "model m {\n    input %s\n    %s\n}\n" % (shape, call)))
compared = 0
for (heading, call, defaults, _), (out, err) in zip(cases, nnlc_on("--emit=ir",
                                                                   [c[3] for c in cases])):
    line = re.search(r"^\s*%\w+ = (?!input\b).*# line 3\b.*$", out, re.M)
    if not line:
        fails.append("docs/language.md's heading '%s': %s does not compile:\n%s"
                     % (heading, call, err))
        continue
    resolved = dict(re.findall(r"(?<![\w])(\w+)=([^,\s()]+)", line.group(0)))
    for option, value in defaults.items():
        if option not in resolved or value == "-1":  # axis=-1 is shown resolved
            continue
        compared += 1
        got = resolved[option]
        if value in resolved:  # strides=size
            same = got == resolved[value]
        else:  # size=2 is 2x2 in 2D, alpha=1.0 is 1
            same = all(re.sub(r"\.0$", "", part) == re.sub(r"\.0$", "", value)
                       for part in got.split("x"))
        if not same:
            fails.append("docs/language.md's heading '%s' gives %s the default %s, "
                         "nnlc --emit=ir resolves %s to %s=%s"
                         % (heading, option, value, call, option, got))
if compared < 40:
    fails.append("only %d defaults of docs/language.md §4's headings compared: has the markup "
                 "changed?" % compared)

# docs/ir.md's count of examples/resnet_bn.nn's layer functions that call a shared one.
claim = re.search(r"(\d+) of resnet_bn's (\d+) layer\s+functions call a shared one", read("docs/ir.md"))
loops = outputs.get(("--emit=loops", "examples/resnet_bn.nn"))
if not claim or loops is None:
    fails.append("docs/ir.md no longer counts resnet_bn's shared layer functions")
else:
    functions = re.split(r"\n(?=func )", "\n".join(loops))
    layer_functions = [f for f in functions
                       if re.match(r"func (?!loss\b)[\w.]+\.(forward|backward)\(", f)]
    calling = [f for f in layer_functions if re.search(r"^  call ", f, re.M)]
    if (len(calling), len(layer_functions)) != (int(claim.group(1)), int(claim.group(2))):
        fails.append("docs/ir.md says %s of resnet_bn's %s layer functions call a shared one; "
                     "nnlc --emit=loops has %d of %d" % (claim.group(1), claim.group(2),
                                                         len(calling), len(layer_functions)))

subprocess.run(["rm", "-rf", tmp])
for f in fails:
    print("FAIL: " + f, file=sys.stderr)
print("docs: %d programs, %d nnlc options, %s, %d lists of valid names, %d defaults; %d failures"
      % (checked, len(nnlc_opts), "trainer options" if rc == 0 else "no trainer", listed,
         compared, len(fails)))
sys.exit(1 if fails else 0)
