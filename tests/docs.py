#!/usr/bin/env python3
"""docs.py NNLC ROOT — keeps the documentation true to the code.

* Every .nn program shown in README.md, docs/tutorial.md and docs/language.md (a fenced
  block with a `model NAME {` line) compiles with `nnlc --summary`. When the next fenced
  block quotes errors of a file (`bad.nn:4:5: error: ...`), the program is written to that
  file instead and nnlc's output must be exactly the quoted lines, with status 1. A
  program whose comment states its parameter count (`93,322 parameters`) must have that
  many.
* Every option and environment variable of `nnlc --help` and of a trainer's `--help` is
  named somewhere in the docs, and the options the docs list (README's table of nnlc's
  options, docs/abi.md §12's list of the trainer's) are all in the help.
"""
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
for doc in PROGRAM_DOCS:
    blocks = fenced_blocks(read(doc))
    for k, (line, body) in enumerate(blocks):
        if not re.search(r"^\s*model\s+\w+\s*\{", body, re.M):
            continue
        checked += 1
        where = "%s:%d" % (doc, line)
        following = blocks[k + 1][1] if k + 1 < len(blocks) else ""
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
            continue
        if rc != 0:
            fails.append("%s: the program does not compile (exit %d):\n%s" % (where, rc, err))
            continue
        stated = re.search(r"#.*?([\d,]+) parameters", body)
        total = re.search(r"^Total params: ([\d,]+)", out, re.M)
        if stated and (not total or total.group(1) != stated.group(1)):
            fails.append("%s: the comment says %s parameters, --summary says %s"
                         % (where, stated.group(1), total.group(1) if total else "nothing"))

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


rc, nnlc_help, _ = run([nnlc, "--help"], tmp)
nnlc_opts = help_options(nnlc_help)
for o in sorted(nnlc_opts | set(re.findall(r"\bNNLC_[A-Z_]+\b", nnlc_help))):
    if not named(o, docs_text):
        fails.append("nnlc --help lists %s, which no doc names" % o)
readme = read("README.md")
table = re.search(r"^## nnlc's options\n(.*?)^## ", readme, re.M | re.S)
if not table:
    fails.append("README.md has no section '## nnlc's options'")
else:
    for row in re.findall(r"^\| (.*?) \|", table.group(1), re.M):
        for o in re.findall(r"`(-[\w-]+)", row):
            if o not in nnlc_opts and not o.startswith("--emit"):
                fails.append("README's options table names %s, which nnlc --help does not" % o)

trainer = os.path.join(tmp, "mlp")
rc, _, err = run([nnlc, "-O0", "--jobs=1", os.path.join(root, "examples/mlp.nn"), "-o", trainer],
                 tmp)
if rc != 0:
    fails.append("cannot compile examples/mlp.nn: " + err)
else:
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

subprocess.run(["rm", "-rf", tmp])
for f in fails:
    print("FAIL: " + f, file=sys.stderr)
print("docs: %d programs, %d nnlc options, %s; %d failures"
      % (checked, len(nnlc_opts), "trainer options" if rc == 0 else "no trainer", len(fails)))
sys.exit(1 if fails else 0)
