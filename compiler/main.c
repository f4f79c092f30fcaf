/*
 * main.c — the nnlc driver. compile() reads as the whole pipeline, one call per pass:
 *
 *   read → parse → sema (graph + shapes) → plan → lower to loops → LLVM → object → link
 *
 * with an exit after any pass whose output was asked for (--summary, --emit=…, -c, -S).
 * A linked trainer's LLVM passes and code generation run in --jobs threads, one object
 * file each (cg_emit_objects); the other outputs are one module.
 * Exit status: 0 success, 1 errors in the input, 2 bad usage or a failed tool.
 */
#define _GNU_SOURCE 1 /* sched_getaffinity, CPU_COUNT (cpus.h) */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "ast.h"
#include "cg.h"
#include "cpus.h" /* runtime/: shared with the trainer's thread count */
#include "diag.h"
#include "graph.h"
#include "loops.h"
#include "pipeline.h"
#include "std_streams.h" /* runtime/: shared with the trainer */

/* --help names the linker flag the build chose (compiler/CMakeLists.txt). */
#ifdef NNLC_LINK_FLAG
#define LINK_FLAG_HELP " " NNLC_LINK_FLAG
#else
#define LINK_FLAG_HELP ""
#endif

enum { EXIT_INPUT = 1, EXIT_USAGE = 2 };

typedef enum {
    EMIT_EXE, EMIT_OBJ, EMIT_ASM, EMIT_LLVM, EMIT_LOOPS, EMIT_IR, EMIT_DOT, EMIT_AST,
    EMIT_TOKENS, EMIT_SUMMARY,
} EmitKind;

typedef struct Options {
    const char *input;
    const char *output;
    EmitKind emit;
    int opt_level;
    bool native_cpu;
    int elem_size;
    int max_errors;
    int64_t parallel_min_work;
    int jobs;               /* 0: one per online core, at most CG_DEFAULT_JOBS */
    bool time_stages;       /* --time */
} Options;

/* Threads compiling a linked trainer (cg_emit_objects): on 2 cores, 2 make resnet_bn's
 * compilation 1.9× faster (1.36 → 0.70 s); more parts than cores gain nothing. */
enum { CG_DEFAULT_JOBS = 2, MAX_JOBS = 64 };

/* What --time reports: when each stage ended (cg_seconds(); 0: it did not run), and
 * where each LLVM module's time went. */
typedef struct StageTimes {
    double start, front_end, llvm, link;
    int nparts;
    CgTimes parts[MAX_JOBS];
} StageTimes;

static const char usage_text[] =
    "usage: nnlc [options] MODEL.nn\n"
    "       nnlc [options] - < MODEL.nn\n"
    "\n"
    "Compiles a neural-network description into a native trainer executable.\n"
    "MODEL.nn is the model's file, or - to read it from standard input: messages then\n"
    "name it <stdin>, its relative data paths are from the current directory, and a\n"
    "trainer or an object file (-c) needs its name from -o.\n"
    "\n"
    "  -o FILE               write the output to FILE, - for standard output (default:\n"
    "                        the model's file name without .nn, or with .o for -c, in\n"
    "                        the current directory; text outputs go to standard output)\n"
    "  --summary             print the model summary (layers, output shapes, parameter\n"
    "                        counts as Keras prints them, FLOPs, memory plan) and stop\n"
    "  --emit=KIND           print an intermediate form and stop; KIND is one of\n"
    "                        tokens, ast, ir (the graph IR), dot (Graphviz), loops (the\n"
    "                        loop IR), llvm (LLVM IR), asm\n"
    "  -c                    compile to an object file, do not link\n"
    "  -S                    emit assembly (same as --emit=asm)\n"
    "  -O0 -O1 -O2 -O3       optimization level (default -O2)\n"
    "  --target-cpu=CPU      native (default: this machine's CPU, e.g. AVX2/FMA) or\n"
    "                        generic (runs on any x86-64)\n"
    "  --precision=P         f32 (default) or f64 (exact gradient checks)\n"
    "  --max-errors=N        stop reporting after N errors (default 50, 0 = no limit)\n"
    "  --parallel-min-work=N loops with fewer estimated operations per batch run on one\n"
    "                        thread (default 16384; an eighth of it for loops that sum what\n"
    "                        every thread wrote; 0: every loop that can be parallel is)\n"
    "  --jobs=N              compile a linked trainer's code in N threads, into N object\n"
    "                        files (default: 2, or 1 where nnlc may use one core); the trainer\n"
    "                        computes the same numbers for any N\n"
    "  --time                print how long each stage took (front end, each thread's\n"
    "                        LLVM passes and code generation, linking) to stderr\n"
    "  -h, --help            show this help\n"
    "  --version             show the version\n"
    "\n"
    "Environment: CC (linker driver, default cc" LINK_FLAG_HELP "), NNLC_RUNTIME_LIB (path of\n"
    "libnnrt.a), NNLC_CONV_PRODUCT=1 (every convolution as im2col and a product: no direct\n"
    "schedule), NNLC_UNFUSED_UPDATE=1 (no optimizer step inside a gradient's loops: the\n"
    "trainer calls backward, then update), TMPDIR (where a trainer's object files wait for\n"
    "the linker, in a directory of their own removed after; default /tmp).\n"
    "Exit status: 0 success, 1 errors in the model (or it cannot be read), 2 bad usage,\n"
    "a failing tool or an output that cannot be written.\n"
    "The language is described in docs/language.md.\n";

/* Writes a message of the driver to standard error. The names and arguments it quotes are
 * the user's, and may hold an ESC or bytes that are no UTF-8: they are escaped as \xNN
 * (diag_put_text), so that the terminal shows them and does not run them. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fclose(out);
    diag_put_text(stderr, text, size);
    free(text);
}

static int usage_error(const char *fmt, const char *arg) {
    say("nnlc: error: ");
    say(fmt, arg);
    say("\nTry 'nnlc --help'.\n");
    return EXIT_USAGE;
}

/* The index in names (NULL-terminated) of an option's value v, or -1 after a usage error
 * "unknown WHAT 'v' (LISTED); did you mean 'loops'?" (no guess when none is near). aliases
 * (NULL-terminated, or NULL) maps other spellings (Keras', NumPy's) to a name. */
static int parse_choice(const char *what, const char *v, const char *const *names,
                        const char *listed, const char *const (*aliases)[2]) {
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    const char *near = NULL;
    for (int i = 0; aliases && aliases[i][0] && !near; i++)
        if (strcasecmp(v, aliases[i][0]) == 0)
            near = aliases[i][1];
    if (!near)
        near = diag_suggest_unique(v, names);
    char msg[320];
    snprintf(msg, sizeof msg, "unknown %s '%.100s' (%s)%s%s%s", what, v, listed,
             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    usage_error("%s", msg);
    return -1;
}

static int parse_emit(const char *kind, EmitKind *out) {
    static const char *const names[] = {"tokens", "ast", "ir", "graph", "dot", "loops",
                                        "llvm", "asm", "obj", "summary", NULL};
    static const EmitKind kinds[] = {EMIT_TOKENS, EMIT_AST,  EMIT_IR,  EMIT_IR,  EMIT_DOT,
                                     EMIT_LOOPS,  EMIT_LLVM, EMIT_ASM, EMIT_OBJ, EMIT_SUMMARY};
    int i = parse_choice("--emit kind", kind, names, "tokens, ast, ir, dot, loops, llvm, asm",
                         NULL);
    if (i < 0)
        return EXIT_USAGE;
    *out = kinds[i];
    return 0;
}

static int parse_target_cpu(const char *cpu, bool *native) {
    static const char *const names[] = {"native", "generic", NULL};
    static const char *const aliases[][2] = {{"host", "native"}, {"x86-64", "generic"},
                                             {"x86_64", "generic"}, {NULL, NULL}};
    int i = parse_choice("target CPU", cpu, names, "native or generic", aliases);
    if (i < 0)
        return EXIT_USAGE;
    *native = i == 0;
    return 0;
}

static int parse_precision(const char *p, int *elem_size) {
    static const char *const names[] = {"f32", "f64", NULL};
    static const char *const aliases[][2] = {{"float32", "f32"}, {"float", "f32"},
                                             {"single", "f32"},  {"float64", "f64"},
                                             {"double", "f64"},  {NULL, NULL}};
    int i = parse_choice("precision", p, names, "f32 or f64", aliases);
    if (i < 0)
        return EXIT_USAGE;
    *elem_size = i == 0 ? 4 : 8;
    return 0;
}

/* The value of a --name=N option (the name is the first name_len characters of a): a
 * whole number in [lo, hi], else a usage error and false. Digits only, as the trainer's
 * options: strtoll alone took --jobs=' 2' and --max-errors=+3. */
static bool number_option(const char *a, size_t name_len, long long lo, long long hi,
                          long long *out) {
    char *end;
    errno = 0;
    long long n = strtoll(a + name_len, &end, 10);
    bool digits = isdigit((unsigned char)a[name_len]) ||
                  (a[name_len] == '-' && isdigit((unsigned char)a[name_len + 1]));
    if (digits && !*end && errno == 0 && n >= lo && n <= hi) {
        *out = n;
        return true;
    }
    char msg[160];
    if (hi >= INT_MAX)
        snprintf(msg, sizeof msg, "%.*s needs a whole number of at least %lld, got '%s'",
                 (int)name_len - 1, a, lo, a + name_len);
    else
        snprintf(msg, sizeof msg, "%.*s needs a whole number from %lld to %lld, got '%s'",
                 (int)name_len - 1, a, lo, hi, a + name_len);
    usage_error("%s", msg);
    return false;
}

/* Is a an option that takes its value after '=' (--jobs=N), written without it? */
static bool value_option(const char *a) {
    static const char *const names[] = {"--emit", "--target-cpu", "--precision", "--max-errors",
                                        "--parallel-min-work", "--jobs", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(a, names[i]) == 0)
            return true;
    return false;
}

/* What follows "unknown option 'a'" (next: the argument after it, or NULL): the option a
 * most likely meant, as it would be written ("; did you mean '--emit=loops'?" for --emt=loops,
 * '-O2' for -0 2, '-S' for -s, '--summary' for -summary), or "" when none is near. */
static const char *near_option(const char *a, const char *next, char *buf, size_t size) {
    static const char *const names[] = {"h", "help", "version", "o", "summary", "emit", "c",
                                        "S", "target-cpu", "precision", "max-errors",
                                        "parallel-min-work", "jobs", "time", NULL};
    buf[0] = '\0';
    bool level_next = next && next[0] >= '0' && next[0] <= '3' && !next[1];
    if ((strcmp(a, "-O") == 0 || strcmp(a, "-0") == 0) && level_next) /* -O 2, -0 2 */
        snprintf(buf, size, "; did you mean '-O%c'?", next[0]);
    else if (a[0] == '-' && a[1] >= '0' && a[1] <= '3' && !a[2]) /* -2: a zero for the O */
        snprintf(buf, size, "; did you mean '-O%c'?", a[1]);
    else if (a[0] == '-' && (a[1] == 'O' || isdigit((unsigned char)a[1])))
        snprintf(buf, size, "; the optimization levels are -O0, -O1, -O2 and -O3");
    if (buf[0])
        return buf;
    const char *name = a + strspn(a, "-");
    size_t len = strcspn(name, "=");
    char word[64], dashed[80];
    if (len == 0 || len >= sizeof word)
        return buf;
    memcpy(word, name, len);
    word[len] = '\0';
    const char *near = diag_suggest_unique(word, names);
    if (!near || (len <= 2 && strcasecmp(word, near) != 0)) /* -x is not -c misspelled */
        return buf;
    snprintf(dashed, sizeof dashed, "%s%s", near[1] ? "--" : "-", near);
    snprintf(buf, size, "; did you mean '%s%.40s'?", dashed,
             value_option(dashed) ? name + len : ""); /* --emt=loops: --emit=loops */
    return buf;
}

/* Sets what to produce; a second, different choice (`--summary -S`) is a usage error, not
 * a silent override. */
static int set_emit(Options *o, EmitKind kind, const char *arg, const char **chosen_by) {
    if (*chosen_by && o->emit != kind) {
        say("nnlc: error: '%s' and '%s' ask for different outputs; give one\n"
                        "Try 'nnlc --help'.\n", *chosen_by, arg);
        return EXIT_USAGE;
    }
    o->emit = kind;
    *chosen_by = arg;
    return 0;
}

/* Returns -1 to continue, else an exit status (help, version, usage error). */
static int parse_args(int argc, char **argv, Options *o) {
    long long n;
    const char *emit_arg = NULL;
    *o = (Options){.emit = EMIT_EXE, .opt_level = 2, .native_cpu = true, .elem_size = 4,
                   .max_errors = 50, .parallel_min_work = LOOP_PARALLEL_MIN_WORK};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("nnlc %s (LLVM %s)\n", NNLC_VERSION, NNLC_LLVM_VERSION);
            return 0;
        } else if (strcmp(a, "-o") == 0) {
            if (++i >= argc || !argv[i][0]) /* -o "" reached the linker ("output filename
                                                 may not be empty", a failing tool) */
                return usage_error("%s needs a file name", a);
            o->output = argv[i];
        } else if (strcmp(a, "--summary") == 0) {
            if (set_emit(o, EMIT_SUMMARY, a, &emit_arg))
                return EXIT_USAGE;
        } else if (strncmp(a, "--emit=", 7) == 0) {
            EmitKind kind;
            int rc = parse_emit(a + 7, &kind);
            if (rc || set_emit(o, kind, a, &emit_arg))
                return rc ? rc : EXIT_USAGE;
        } else if (strcmp(a, "-c") == 0) {
            if (set_emit(o, EMIT_OBJ, a, &emit_arg))
                return EXIT_USAGE;
        } else if (strcmp(a, "-S") == 0) {
            if (set_emit(o, EMIT_ASM, a, &emit_arg))
                return EXIT_USAGE;
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            o->opt_level = a[2] - '0';
        } else if (strncmp(a, "--target-cpu=", 13) == 0) {
            if (parse_target_cpu(a + 13, &o->native_cpu))
                return EXIT_USAGE;
        } else if (strncmp(a, "--precision=", 12) == 0) {
            if (parse_precision(a + 12, &o->elem_size))
                return EXIT_USAGE;
        } else if (strncmp(a, "--max-errors=", 13) == 0) {
            if (!number_option(a, 13, 0, INT_MAX, &n))
                return EXIT_USAGE;
            o->max_errors = (int)n;
        } else if (strncmp(a, "--parallel-min-work=", 20) == 0) {
            if (!number_option(a, 20, 0, LLONG_MAX, &n))
                return EXIT_USAGE;
            o->parallel_min_work = n;
        } else if (strncmp(a, "--jobs=", 7) == 0) {
            if (!number_option(a, 7, 1, MAX_JOBS, &n))
                return EXIT_USAGE;
            o->jobs = (int)n;
        } else if (strcmp(a, "--time") == 0) {
            o->time_stages = true;
        } else if (value_option(a)) { /* --jobs 4: said as what it is, not as unknown */
            char msg[160];
            const char *next = i + 1 < argc && argv[i + 1][0] != '-' ? argv[i + 1] : "VALUE";
            snprintf(msg, sizeof msg, "%s takes its value after '=': %s=%.40s", a, a, next);
            return usage_error("%s", msg);
        } else if (a[0] == '-' && a[1]) {
            char near[128], msg[384];
            snprintf(msg, sizeof msg, "unknown option '%.200s'%s", a,
                     near_option(a, i + 1 < argc ? argv[i + 1] : NULL, near, sizeof near));
            return usage_error("%s", msg);
        } else if (o->input) {
            return usage_error("more than one input file ('%s')", a);
        } else {
            o->input = a;
        }
    }
    if (!o->input)
        return usage_error("%s", "no input file");
    return -1;
}

/* ---- reading the source ---- */

enum { MAX_SOURCE = 16 << 20 };

/* The input "-" is standard input (as for cat and cc), named so in messages. */
#define STDIN_NAME "<stdin>"
static bool reads_stdin(const Options *o) { return strcmp(o->input, "-") == 0; }

/* The model's name in diagnostics and in the trainer (its source): the file's, or <stdin>. */
static const char *input_name(const Options *o) { return reads_stdin(o) ? STDIN_NAME : o->input; }

/* Reads the whole file (standard input for "-"); returns NULL with a message on failure. */
static char *read_source(const char *input, size_t *len) {
    bool from_stdin = strcmp(input, "-") == 0;
    const char *path = from_stdin ? STDIN_NAME : input;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        say("nnlc: error: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens one for reading */
        say("nnlc: error: cannot read '%s': it is a directory\n", path);
        if (!from_stdin)
            fclose(f);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n > MAX_SOURCE) {
            say("%s: error: file too large (limit is %d MiB)\n", path,
                    MAX_SOURCE >> 20);
            free(buf);
            if (!from_stdin)
                fclose(f);
            return NULL;
        }
        if (n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    bool failed = ferror(f);
    int err = errno;
    if (!from_stdin)
        fclose(f);
    if (!buf || failed) {
        say("nnlc: error: cannot read '%s': %s\n", path,
                strerror(buf ? err : ENOMEM));
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    n = source_normalize(buf, n);
    *len = n;
    return buf;
}

/* ---- output and linking ---- */

static char *default_output(const char *input, const char *ext) {
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".nn") == 0)
        n -= 3;
    char *out = malloc(n + strlen(ext) + 1);
    memcpy(out, base, n);
    strcpy(out + n, ext);
    return out;
}

/* The file this run writes, or NULL for standard output. */
static char *output_path(const Options *o) {
    if (o->output)
        return strcmp(o->output, "-") == 0 ? NULL : strdup(o->output);
    if (o->emit == EMIT_EXE)
        return default_output(o->input, "");
    if (o->emit == EMIT_OBJ)
        return default_output(o->input, ".o");
    return NULL;
}

/* Writing over the model's source would lose it: `nnlc model` (no .nn suffix) names the
 * trainer after its input, and `-o model.nn` names the input itself. */
static bool output_is_input(const Options *o) {
    if (reads_stdin(o))
        return false;
    char *out = output_path(o);
    struct stat in_st, out_st;
    bool same = out && stat(o->input, &in_st) == 0 && stat(out, &out_st) == 0 &&
                in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino;
    if (same)
        say("nnlc: error: the output '%s' is the input file; give another name "
                "with -o\n", out);
    free(out);
    return same;
}

static int run(char *const argv[]) {
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        say("nnlc: error: cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

enum { MAX_CC_WORDS = 32 };

/* $CC as make and the shell read it, a command and its arguments ("ccache cc",
 * "cc -fsanitize=address"): its words at white space, without quoting, in words[] (at most
 * MAX_CC_WORDS; the text is cut in place). Returns how many; 0 for an empty or unset CC. */
static int cc_words(char *cc, char **words) {
    int n = 0;
    for (char *w = strtok(cc, " \t\n"); w && n < MAX_CC_WORDS; w = strtok(NULL, " \t\n"))
        words[n++] = w;
    return n;
}

/* cc [-fuse-ld=gold] -o OUT OBJ... libnnrt.a -lz -lm -lpthread: the trainer needs nothing
 * else (gold where the build found that cc links with it: compiler/CMakeLists.txt). */
static int link_trainer(char *const *objects, int nobjects, const char *output) {
    const char *runtime = getenv("NNLC_RUNTIME_LIB");
    if (!runtime || !*runtime)
        runtime = NNLC_RUNTIME_LIB;
    struct stat st;
    if (stat(runtime, &st) != 0) {
        say("nnlc: error: cannot find the trainer runtime '%s'\n", runtime);
        say("nnlc: hint: build it (make) or set NNLC_RUNTIME_LIB to libnnrt.a\n");
        return EXIT_USAGE;
    }
    /* With PATH unset or empty (env -i), execvp finds cc in its own default, but gcc finds
     * its parts (liblto_plugin.so) from where PATH put it: given the system's default
     * PATH, as a shell would, it links. */
    const char *path = getenv("PATH");
    if (!path || !*path) {
        char default_path[4096];
        size_t need = confstr(_CS_PATH, default_path, sizeof default_path);
        setenv("PATH", need > 0 && need <= sizeof default_path ? default_path : "/bin:/usr/bin",
               1);
    }
    char cc[4096], *argv[MAX_CC_WORDS + MAX_JOBS + 8];
    snprintf(cc, sizeof cc, "%s", getenv("CC") ? getenv("CC") : "");
    int n = cc_words(cc, argv);
    bool own_cc = n == 0;
    if (own_cc)
        argv[n++] = "cc";
    argv[n++] = "-o";
    argv[n++] = (char *)output;
#ifdef NNLC_LINK_FLAG
    if (own_cc)
        argv[n++] = NNLC_LINK_FLAG; /* -fuse-ld=gold, where the build found it links */
#endif
    for (int i = 0; i < nobjects; i++)
        argv[n++] = objects[i];
    char *libs[] = {(char *)runtime, "-lz", "-lm", "-lpthread", NULL};
    memcpy(argv + n, libs, sizeof libs);
    int rc = run(argv);
    if (rc != 0) {
        say("nnlc: error: linking with '%s' failed (status %d)\n", argv[0], rc);
        return EXIT_USAGE;
    }
    return 0;
}

/* One part per core nnlc may run on (its CPU affinity: `taskset -c 0` gives one), up to
 * CG_DEFAULT_JOBS. */
static int default_jobs(void) {
    int cores = nnrt_usable_cpus();
    return cores < CG_DEFAULT_JOBS ? cores : CG_DEFAULT_JOBS;
}

/* Whether an output file can be written at path, said (as 'cannot write') before the
 * LLVM passes and code generation that make it rather than by the linker after them: a
 * directory in its place, or a directory of it missing or closed to us. */
static bool output_writable(const char *path) {
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        say("nnlc: error: cannot write '%s': it is a directory\n", path);
        return false;
    }
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0) {
        say("nnlc: error: cannot write '%s': %s: %s\n", path, dir, strerror(errno));
        return false;
    }
    return true;
}

/* Whether path is one of the files the model's train block reads (its data, validation
 * or test source): writing the trainer or object file over it would lose the data, as
 * `-o model.nn` would lose the model (output_is_input). Said with the source's name. */
static bool output_is_data(const Graph *g, const char *path) {
    struct stat out_st;
    if (!g->has_train || stat(path, &out_st) != 0)
        return false;
    const NnrtDataSource *sources[] = {&g->train.data, &g->train.validation, &g->train.test};
    const char *roles[] = {"training data", "validation data", "test data"};
    for (int i = 0; i < 3; i++) {
        const char *files[] = {sources[i]->features_path, sources[i]->labels_path};
        for (int j = 0; j < 2; j++) {
            struct stat data_st;
            if (files[j] && stat(files[j], &data_st) == 0 && data_st.st_dev == out_st.st_dev &&
                data_st.st_ino == out_st.st_ino) {
                say("nnlc: error: the output '%s' is the model's %s ('%s'); give another "
                    "name with -o\n", path, roles[i], files[j]);
                return true;
            }
        }
    }
    return false;
}

/* Whether the linker may be given path as the trainer's output: a file, new or not, or
 * /dev/null (a check that the model compiles and links). A device or a pipe is said
 * here: gold, given -o /dev/full, repeats "write: No space left on device" without end
 * (gigabytes of messages), and given a FIFO, waits for a reader that never comes. */
static bool trainer_output_linkable(const char *path) {
    struct stat sb, null_sb;
    if (stat(path, &sb) != 0 || S_ISREG(sb.st_mode))
        return true;
    if (S_ISCHR(sb.st_mode) && stat("/dev/null", &null_sb) == 0 &&
        S_ISCHR(null_sb.st_mode) && sb.st_rdev == null_sb.st_rdev)
        return true;
    say("nnlc: error: cannot write '%s': not a regular file (a trainer is an executable "
        "file; give a file name)\n", path);
    return false;
}

/* The trainer's code as objects model0.o… in the temporary directory dir, linked. */
static int build_trainer(const Options *o, const CgOptions *cg, const Graph *g,
                         const LoopProgram *lp, const char *dir, const char *out,
                         StageTimes *t) {
    int n = o->jobs ? o->jobs : default_jobs();
    char *objects[MAX_JOBS];
    for (int i = 0; i < n; i++) {
        objects[i] = malloc(strlen(dir) + 32);
        sprintf(objects[i], "%s/model%d.o", dir, i);
    }
    t->nparts = n;
    int rc = EXIT_USAGE;
    if (cg_emit_objects(g, lp, cg, n, (const char *const *)objects, stderr)) {
        t->llvm = cg_seconds();
        rc = link_trainer(objects, n, out);
        t->link = cg_seconds();
    }
    for (int i = 0; i < n; i++) {
        unlink(objects[i]);
        free(objects[i]);
    }
    return rc;
}

static int emit_code(const Options *o, const Graph *g, const LoopProgram *lp,
                     StageTimes *t) {
    CgOptions cg = {o->opt_level, o->native_cpu, o->elem_size, input_name(o),
                    o->time_stages ? t->parts : NULL};
    if (o->emit == EMIT_LLVM || o->emit == EMIT_ASM || o->emit == EMIT_OBJ) {
        char *out = o->output || o->emit != EMIT_OBJ ? NULL : default_output(o->input, ".o");
        const char *path = o->output ? o->output : out;
        if (path && strcmp(path, "-") != 0 &&
            (!output_writable(path) || output_is_data(g, path))) {
            free(out);
            return EXIT_USAGE;
        }
        CgEmit what = o->emit == EMIT_LLVM ? CG_EMIT_LLVM
                      : o->emit == EMIT_ASM ? CG_EMIT_ASM : CG_EMIT_OBJ;
        bool ok = cg_emit(g, lp, &cg, what, o->output ? o->output : out ? out : "-", stderr);
        free(out);
        t->nparts = 1;
        t->llvm = cg_seconds();
        return ok ? 0 : EXIT_USAGE;
    }
    char *out = o->output ? strdup(o->output) : default_output(o->input, "");
    if (!output_writable(out) || !trainer_output_linkable(out) || output_is_data(g, out)) {
        free(out);
        return EXIT_USAGE;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/nnlc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        int saved = errno;
        struct stat tmp_st;
        bool tmp_is_dir = stat(tmp && *tmp ? tmp : "/tmp", &tmp_st) == 0 &&
                          S_ISDIR(tmp_st.st_mode);
        /* A directory that takes no new ones (/proc, /sys) says ENOENT, as if it were
         * missing: said as what failed, with the directory that exists. */
        say("nnlc: error: cannot create a temporary directory in %s%s: %s\n",
                tmp && *tmp ? tmp : "/tmp", tmp && *tmp ? " (TMPDIR)" : "",
                saved == ENOENT && tmp_is_dir ? "it takes no new directories" : strerror(saved));
        free(out);
        return EXIT_USAGE;
    }
    int rc = build_trainer(o, &cg, g, lp, dir, out, t);
    rmdir(dir);
    free(out);
    return rc;
}

/* --time's report, on stderr. */
static void print_times(const StageTimes *t) {
    say("nnlc: time: front end (read, parse, check, plan, loop IR)  %.3f s\n",
            t->front_end - t->start);
    if (t->llvm) {
        say("nnlc: time: LLVM, %d module%s%s  %.3f s\n", t->nparts,
                t->nparts == 1 ? "" : "s", t->nparts == 1 ? "" : " in as many threads",
                t->llvm - t->front_end);
        for (int i = 0; i < t->nparts; i++)
            say("nnlc: time:   module %d (%d function%s): IR %.3f s, passes %.3f s, "
                    "code generation %.3f s\n", i, t->parts[i].functions,
                    t->parts[i].functions == 1 ? "" : "s", t->parts[i].ir,
                    t->parts[i].passes, t->parts[i].codegen);
    }
    if (t->link)
        say("nnlc: time: link (cc)  %.3f s\n", t->link - t->llvm);
    say("nnlc: time: total from main()  %.3f s\n", cg_seconds() - t->start);
}

/* The graph of a model whose output comes before sema (--emit=tokens or ast), built with
 * its messages dropped, only to know the data files that output must not be written over:
 * NULL when the model does not parse. */
static Graph *quiet_graph(Arena *arena, const Options *o, const char *src, size_t len) {
    char *messages = NULL;
    size_t size = 0;
    FILE *dropped = open_memstream(&messages, &size);
    if (!dropped)
        return NULL;
    Diag d;
    diag_init(&d, input_name(o), src, len, dropped);
    Program *prog = parse_program(arena, &d, src, len);
    Graph *g = d.nerrors ? NULL : pipeline_graph(arena, &d, prog, o->elem_size);
    diag_free(&d);
    fclose(dropped);
    free(messages);
    return g;
}

/* Writes a text output, held in memory until the model passed its checks, to the file -o
 * names: opened only now, so that a model with errors leaves the file as it was, and not
 * over one of the model's data files (g: its graph, or NULL when it has none). A full disk
 * is an error, not a truncated file and exit 0. */
static int write_output(const Options *o, const Graph *g, const char *text, size_t size) {
    if (g && output_is_data(g, o->output))
        return EXIT_USAGE;
    FILE *f = fopen(o->output, "w");
    if (!f) {
        say("nnlc: error: cannot write '%s': %s\n", o->output, strerror(errno));
        return EXIT_USAGE;
    }
    errno = 0;
    bool written = fwrite(text, 1, size, f) == size && fflush(f) == 0 && !ferror(f);
    int saved = errno;
    if (fclose(f) != 0 && written) {
        written = false;
        saved = errno;
    }
    if (!written) {
        say("nnlc: error: cannot write '%s': %s\n", o->output,
                saved ? strerror(saved) : "a write failed");
        return EXIT_USAGE;
    }
    return 0;
}

/* The pipeline. Every pass reports into d; we stop after the first pass with errors. */
static int compile(const Options *o, Arena *arena, Diag *d, const char *src, size_t len,
                   StageTimes *t) {
    FILE *out = stdout;
    char *text = NULL; /* a text output for a file, until it is written (write_output) */
    size_t text_size = 0;
    bool to_file = o->output && strcmp(o->output, "-") != 0; /* -o -: standard output */
    if (to_file && o->emit >= EMIT_LOOPS && !(out = open_memstream(&text, &text_size))) {
        say("nnlc: error: cannot write '%s': %s\n", o->output, strerror(errno));
        return EXIT_USAGE;
    }
    int rc = EXIT_INPUT;
    Graph *g = NULL; /* also: the data files an output must not be written over */
    if (!source_check_text(d, src, len))
        goto done;
    if (o->emit == EMIT_TOKENS) {
        lex_dump_tokens(d, src, len, out);
        rc = d->nerrors ? EXIT_INPUT : 0;
        goto done;
    }
    Program *prog = parse_program(arena, d, src, len);
    if (d->nerrors)
        goto done;
    if (o->emit == EMIT_AST) {
        ast_print(prog, out);
        rc = 0;
        goto done;
    }
    g = pipeline_graph(arena, d, prog, o->elem_size);
    if (g && d->nerrors && g->model_ok && o->emit == EMIT_SUMMARY) {
        /* Only the train block has errors: the table still shows where shapes come from
         * (as Keras' summary() works before compile()); the exit status stays 1. */
        graph_plan(g, arena, o->elem_size);
        pipeline_check_memory(d, g);
        summary_print(g, out);
    }
    if (!g || d->nerrors)
        goto done;
    rc = 0;
    if (o->emit == EMIT_SUMMARY || o->emit == EMIT_IR || o->emit == EMIT_DOT) {
        if (o->emit == EMIT_SUMMARY)
            summary_print(g, out);
        else if (o->emit == EMIT_IR)
            graph_print(g, out);
        else
            graph_print_dot(g, out);
        goto done;
    }
    LoopProgram *lp = pipeline_loops(arena, d, g, o->elem_size, o->parallel_min_work);
    if (!lp) {
        rc = EXIT_INPUT;
        goto done;
    }
    t->front_end = cg_seconds();
    if (o->emit == EMIT_LOOPS) {
        loop_print(lp, out);
        goto done;
    }
    rc = emit_code(o, g, lp, t);
done:
    if (o->time_stages && rc == 0 && t->front_end)
        print_times(t);
    if (out != stdout) {
        bool held = fclose(out) == 0;
        if (rc == 0 && (o->emit == EMIT_TOKENS || o->emit == EMIT_AST))
            g = quiet_graph(arena, o, src, len);
        if (rc == 0 && !held) {
            say("nnlc: error: cannot write '%s': %s\n", o->output, strerror(errno));
            rc = EXIT_USAGE;
        } else if (rc == 0) {
            rc = write_output(o, g, text, text_size);
        }
        free(text);
    }
    return rc;
}

/* Text written to standard output (--summary, --emit=…, --help) is checked at exit: a
 * full disk fails with exit 2 instead of losing the output with exit 0. */
static int check_stdout(int rc) {
    errno = 0;
    /* a failed run has said what failed (a write to standard output included) */
    if ((fflush(stdout) == 0 && !ferror(stdout)) || rc != 0)
        return rc;
    say("nnlc: error: cannot write standard output: %s\n",
            errno ? strerror(errno) : "a write failed");
    return EXIT_USAGE;
}

static int nnlc_main(int argc, char **argv) {
    Options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (output_is_input(&o))
        return EXIT_USAGE;
    if (o.emit == EMIT_EXE && o.output && strcmp(o.output, "-") == 0)
        return usage_error("a trainer is an executable file, not '%s': give its name with -o",
                           o.output);
    if (reads_stdin(&o) && !o.output && (o.emit == EMIT_EXE || o.emit == EMIT_OBJ))
        /* the name a file would give it: none, and a.out would be a guess */
        return usage_error("the model is read from standard input, so the %s has no name to "
                           "take after it: give it with -o FILE",
                           o.emit == EMIT_EXE ? "trainer" : "object file");
    StageTimes times = {.start = cg_seconds()};
    size_t len = 0;
    char *src = read_source(o.input, &len);
    if (!src)
        return EXIT_INPUT;
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, input_name(&o), src, len, stderr);
    d.max_errors = o.max_errors;
    rc = compile(&o, &arena, &d, src, len, &times);
    if (d.nerrors > 0) {
        if (d.max_errors > 0 && d.nerrors > d.max_errors)
            say("%d errors generated (%d shown).\n", d.nerrors, d.max_errors);
        else
            say("%d error%s generated.\n", d.nerrors, d.nerrors == 1 ? "" : "s");
        rc = EXIT_INPUT;
    }
    diag_free(&d);
    arena_free(&arena);
    free(src);
    return rc;
}

typedef struct MainArgs {
    int argc;
    char **argv;
} MainArgs;

static int call_main(void *p) {
    MainArgs *m = p;
    return nnlc_main(m->argc, m->argv);
}

int main(int argc, char **argv) {
    nnrt_hold_std_streams(); /* 2>&-: a warning went into the file -o named */
    MainArgs m = {argc, argv};
    return check_stdout(pipeline_call(call_main, &m)); /* on a stack the passes' depth fits */
}
