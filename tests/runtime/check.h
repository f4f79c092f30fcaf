/*
 * check.h — what the runtime's C test programs (test_runtime.c, test_robust.c) share:
 * checks that count and report instead of stopping (each failure prints its file, line,
 * expression and what was expected), and a fresh scratch directory for the files a test
 * writes.
 */
#ifndef NNRT_TEST_CHECK_H
#define NNRT_TEST_CHECK_H

#include <stdbool.h>

/* Counts a check; when !ok, prints "file:line: FAILED: expr: " and the formatted text. */
void check(bool ok, const char *expr, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define ASSERT(expected, actual)                                                               \
    do {                                                                                       \
        long long e_ = (long long)(expected), a_ = (long long)(actual);                        \
        check(e_ == a_, #actual, __FILE__, __LINE__, "expected %lld, got %lld", e_, a_);       \
    } while (0)
#define ASSERT_TRUE(cond) check((cond), #cond, __FILE__, __LINE__, "is false")
#define ASSERT_NEAR(expected, actual, tol)                                                     \
    do {                                                                                       \
        double e_ = (expected), a_ = (actual);                                                 \
        check(fabs(e_ - a_) <= (tol), #actual, __FILE__, __LINE__,                             \
              "expected %.9g, got %.9g (diff %.3g, tolerance %g)", e_, a_, fabs(e_ - a_),      \
              (double)(tol));                                                                  \
    } while (0)
#define ASSERT_CONTAINS(text, needle)                                                          \
    check(strstr((text), (needle)) != NULL, #text, __FILE__, __LINE__,                         \
          "\"%s\" does not contain \"%s\"", (text), (needle))

/* Makes the scratch directory /tmp/PREFIX_XXXXXX; false (with a message) if it cannot. */
bool check_begin(const char *prefix);
/* PATH of `name` in the scratch directory (8 results stay valid at a time). */
const char *tmp(const char *name);
/* Removes the scratch directory, prints "N checks, M failed" and returns the exit status:
 * 0 when every check passed. */
int check_end(void);

#endif
