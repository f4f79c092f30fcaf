/*
 * progress.c — the progress bar (see progress.h); the format copies Keras 2's Progbar:
 * a 30-character bar, ETA as "5s", "1:05" or "1:02:05", and per-step time in s, ms or us.
 */
#include "progress.h"

#include "util.h"

#include <string.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.05

void nnrt_progress_init(Progress *p, FILE *out, int verbose) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->quiet = verbose <= 0;
    p->tty = verbose == 1 && isatty(fileno(out));
}

void nnrt_progress_epoch_begin(Progress *p, int epoch, int epochs, int64_t steps) {
    p->steps = steps;
    p->start = nnrt_now();
    p->last_draw = 0;
    p->width = 0;
    if (!p->quiet) {
        fprintf(p->out, "Epoch %d/%d\n", epoch + 1, epochs);
        fflush(p->out);
    }
}

void nnrt_format_step_time(char *buf, size_t size, double t) {
    if (t >= 1 || t == 0)
        snprintf(buf, size, " %.0fs/step", t);
    else if (t >= 1e-3)
        snprintf(buf, size, " %.0fms/step", t * 1e3);
    else
        snprintf(buf, size, " %.0fus/step", t * 1e6);
}

static void format_eta(char *buf, size_t size, double eta) {
    long s = (long)eta;
    if (eta > 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else if (eta > 60)
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
    else
        snprintf(buf, size, "%lds", s);
}

static int count_digits(int64_t n) {
    int d = 1;
    while (n >= 10)
        n /= 10, d++;
    return d;
}

/* "  32/1500 [>.............................]" */
static int format_bar(char *buf, size_t size, int64_t done, int64_t steps) {
    int k = snprintf(buf, size, "%*lld/%lld [", count_digits(steps), (long long)done, (long long)steps);
    int filled = steps ? (int)(BAR_WIDTH * done / steps) : BAR_WIDTH;
    for (int i = 0; i < BAR_WIDTH && k < (int)size - 2; i++) {
        char c = i < filled - 1 ? '=' : i == filled - 1 ? (done < steps ? '>' : '=') : '.';
        buf[k++] = c;
    }
    buf[k++] = ']';
    buf[k] = '\0';
    return k;
}

static void draw(Progress *p, const char *text, bool final) {
    int n = (int)strlen(text);
    fprintf(p->out, "\r%s%*s%s", text, p->width > n ? p->width - n : 0, "", final ? "\n" : "");
    p->width = final ? 0 : n; /* 0: no line left open */
    fflush(p->out);
}

bool nnrt_progress_due(const Progress *p) {
    return !p->quiet && p->tty && nnrt_now() - p->last_draw >= REDRAW_SECONDS;
}

void nnrt_progress_step(Progress *p, int64_t done, const char *metrics) {
    if (!nnrt_progress_due(p) || done >= p->steps)
        return;
    double now = nnrt_now();
    p->last_draw = now;
    char line[1536], eta[32];
    int k = format_bar(line, sizeof line, done, p->steps);
    format_eta(eta, sizeof eta, (now - p->start) / (double)done * (double)(p->steps - done));
    snprintf(line + k, sizeof line - (size_t)k, " - ETA: %s%s", eta, metrics);
    draw(p, line, false);
}

void nnrt_progress_epoch_end(Progress *p, const char *metrics) {
    if (p->quiet)
        return;
    double elapsed = nnrt_now() - p->start;
    char line[1536], per_step[32];
    int k = p->tty ? format_bar(line, sizeof line, p->steps, p->steps)
                   : snprintf(line, sizeof line, "%lld/%lld", (long long)p->steps, (long long)p->steps);
    nnrt_format_step_time(per_step, sizeof per_step, p->steps ? elapsed / (double)p->steps : 0);
    snprintf(line + k, sizeof line - (size_t)k, " - %.0fs%s%s", elapsed, per_step, metrics);
    if (p->tty)
        draw(p, line, true);
    else
        fprintf(p->out, "%s\n", line);
    fflush(p->out);
}

void nnrt_progress_break(Progress *p) {
    if (p->width > 0)
        fputc('\n', p->out);
    p->width = 0;
    fflush(p->out);
}
