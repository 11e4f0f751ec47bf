/*
 * _cpredict: the sequential loops of three SP 800-90B non-IID estimators, in C.
 *
 *   lag(symbols, k) -> (hits, longest)          Lag prediction estimate, Sec. 6.3.8
 *   multi_mcw(symbols, k) -> (hits, longest)    MultiMCW prediction estimate, Sec. 6.3.7
 *   collision_stats(bits) -> (v, sum_t, sum_t2) collision times of Sec. 6.3.2
 *
 * Each follows the plain reference in qkit/qrng/estimators/reference.py (the standard's
 * pseudo-code with the conventions of NIST's tool) round by round; the Python estimators turn
 * the counts into entropies. `hits` is the number of rounds the ensemble guessed right and
 * `longest` the longest run of consecutive right guesses.
 *
 * Scoreboard (Sec. 6.3.7 step 3e, reference._score): subpredictors are visited in index order;
 * a right one gains a point and becomes the winner if its score is >= the winner's. The winner
 * always holds the top score, so after a round the winner is the *largest* right index whose
 * new score equals the largest new score among the right ones, provided that score reaches the
 * old top; otherwise it is unchanged. The winner *before* a round makes the ensemble's guess.
 *
 * Lag: subpredictor p (lag d = p + 1, p = 0..127) guesses s[i-d] in rounds i = 1..n-1, no
 * guess while i < d. Scores are kept in "window order" j = 128 - d, so that s[i-128+j] is the
 * guess of slot j and one round compares 128 contiguous bytes with s[i]; the largest index p
 * is the smallest j.
 *
 * MultiMCW: windows 63, 255, 1023, 4095; rounds i = 63..n-1; window w guesses (once i >= w)
 * the most common symbol of s[i-w..i-1], ties to the symbol whose latest occurrence is latest.
 * Counts are kept incrementally; the mode is kept too: an added symbol is the latest, so it
 * takes the mode when its count reaches the mode's; when the mode itself leaves, a histogram of
 * the counts says whether it can have lost its place, and only then are the k counts rescanned
 * (for 4..8 symbols, once the windows are full, all k are simply compared when the mode leaves).
 *
 * Collision: from each start i, the time is 2 if s[i] == s[i+1], else 3 (any 3 bits repeat);
 * the next scan starts after it; a last start with fewer than 3 bits left and no pair is
 * dropped (reference.collision, as NIST's tool).
 *
 * Every entry checks its arguments (2 <= k <= 256, every byte < k, enough samples, a buffer of
 * single bytes) and raises ValueError/TypeError naming the argument and what is allowed. The
 * loops run without the GIL; all working memory is a few KiB (MultiMCW: ~70 KiB).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LAGS 128
#define N_WINDOWS 4
static const Py_ssize_t WINDOWS[N_WINDOWS] = {63, 255, 1023, 4095};

/* ------------------------------------------------------------ argument checks */

/* Index of the first byte >= k, or -1 when every byte is below k. */
static Py_ssize_t first_bad(const uint8_t *s, Py_ssize_t n, int k)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] >= k)
            return i;
    return -1;
}

/* Parse (buffer, k) or (buffer,) and check the bytes; on failure set an exception, release the
 * buffer and return 0. `name` is the argument's name in messages; `minimum` the least length. */
static int parse_symbols(PyObject *args, Py_buffer *view, int *k, int with_k,
                         const char *name, Py_ssize_t minimum, const char *what)
{
    *k = 2;
    if (with_k ? !PyArg_ParseTuple(args, "y*i", view, k) : !PyArg_ParseTuple(args, "y*", view))
        return 0;
    if (view->itemsize != 1) {
        PyErr_Format(PyExc_TypeError, "%s must be a buffer of single bytes (uint8), got item size %zd",
                     name, view->itemsize);
    } else if (*k < 2 || *k > 256) {
        PyErr_Format(PyExc_ValueError, "k must be 2..256 (distinct symbols), got %d", *k);
    } else if (view->len < minimum) {
        PyErr_Format(PyExc_ValueError, "%s must hold at least %zd samples for %s, got %zd",
                     name, minimum, what, view->len);
    } else {
        Py_ssize_t bad;
        Py_BEGIN_ALLOW_THREADS
        bad = first_bad((const uint8_t *)view->buf, view->len, *k);
        Py_END_ALLOW_THREADS
        if (bad < 0)
            return 1;
        PyErr_Format(PyExc_ValueError, "%s must hold symbols 0..%d (k = %d), got %d at index %zd",
                     name, *k - 1, *k, (int)((const uint8_t *)view->buf)[bad], bad);
    }
    PyBuffer_Release(view);
    return 0;
}

/* ------------------------------------------------------------ Lag (Sec. 6.3.8) */

typedef struct {
    int64_t hits, longest, run;
} Tally;

/* Score the ensemble's guess of one round. */
static inline void tally(Tally *t, int right)
{
    t->hits += right;
    t->run = right ? t->run + 1 : 0;                   /* selects, not branches */
    t->longest = t->run > t->longest ? t->run : t->longest;
}

/* Lag rounds i = from..n-1 (from >= 128, every lag able to guess). Slot j keeps the key
 * score * 128 + (127 - j), so one maximum over the right slots gives both the largest new
 * score and, among those, the smallest j (the largest lag). TYPE is int32_t while scores stay
 * below 2^24, else int64_t. The loop is branch-free, so the compiler vectorises it. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 12
#define VECTORISE __attribute__((optimize("tree-vectorize")))   /* older GCC: not at -O2 */
#else
#define VECTORISE
#endif
#define LAG_ROUNDS(NAME, TYPE)                                                          \
static VECTORISE void NAME(const uint8_t *s, Py_ssize_t from, Py_ssize_t n, const int64_t *score,  \
                 int *win, int64_t *top, Tally *t)                                      \
{                                                                                       \
    TYPE key[LAGS];                                                                     \
    for (int j = 0; j < LAGS; j++)                                                      \
        key[j] = (TYPE)(score[j] * LAGS + (LAGS - 1 - j));                              \
    for (Py_ssize_t i = from; i < n; i++) {                                             \
        const uint8_t *h = s + i - LAGS;                /* h[j]: the guess of slot j */ \
        uint8_t x = s[i];                                                               \
        TYPE best = 0;                                                                  \
        tally(t, h[*win] == x);                                                         \
        for (int j = 0; j < LAGS; j++) {                                                \
            TYPE e = -(TYPE)(h[j] == x);                /* all ones when right */       \
            key[j] += e & LAGS;                                                         \
            TYPE v = key[j] & e;                                                        \
            best = v > best ? v : best;                                                 \
        }                                                                               \
        if (best >= LAGS && best / LAGS >= *top) {      /* a right slot reached the top */ \
            *win = LAGS - 1 - (int)(best % LAGS);                                       \
            *top = best / LAGS;                                                         \
        }                                                                               \
    }                                                                                   \
}
LAG_ROUNDS(lag_rounds32, int32_t)
LAG_ROUNDS(lag_rounds64, int64_t)

/* Rounds 1..min(n,128)-1, where lag d guesses only once i >= d (slot j = 128 - d). */
static void lag_start(const uint8_t *s, Py_ssize_t n, int64_t *sc, int *win, int64_t *top,
                      Tally *t)
{
    for (Py_ssize_t i = 1; i < n && i < LAGS; i++) {
        int64_t best = 0;
        int first = -1;
        tally(t, LAGS - *win <= i && s[i - (LAGS - *win)] == s[i]);
        for (int j = LAGS - 1; j >= 0; j--) {          /* lag 1 first, as the standard */
            int d = LAGS - j;
            if (d <= i && s[i - d] == s[i]) {
                sc[j]++;
                if (sc[j] >= best) {                   /* ties: the later (larger lag) */
                    best = sc[j];
                    first = j;
                }
            }
        }
        if (first >= 0 && best >= *top) {
            *win = first;
            *top = best;
        }
    }
}

static PyObject *lag(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int k;
    (void)self;
    if (!parse_symbols(args, &view, &k, 1, "symbols", 2, "Lag"))
        return NULL;
    const uint8_t *s = (const uint8_t *)view.buf;
    Py_ssize_t n = view.len;
    int64_t sc[LAGS];
    int win = LAGS - 1;                                /* lag 1 is the first winner */
    int64_t top = 0;
    Tally t = {0, 0, 0};
    memset(sc, 0, sizeof sc);
    Py_BEGIN_ALLOW_THREADS
    lag_start(s, n, sc, &win, &top, &t);
    if (n < ((Py_ssize_t)1 << 24))
        lag_rounds32(s, LAGS, n, sc, &win, &top, &t);
    else
        lag_rounds64(s, LAGS, n, sc, &win, &top, &t);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return Py_BuildValue("LL", (long long)t.hits, (long long)t.longest);
}

/* ------------------------------------------------------------ MultiMCW (Sec. 6.3.7) */

typedef struct {
    int32_t count[256];     /* symbol counts in the window */
    int32_t *freq;          /* freq[c]: symbols with count c (c = 1..w) */
    int mode;               /* most common symbol, ties to the latest occurrence */
} Window;

/* The symbol with count c whose latest occurrence is latest. */
static int rescan(const Window *w, const int64_t *last, int k, int32_t c)
{
    int best = -1;
    for (int a = 0; a < k; a++)
        if (w->count[a] == c && (best < 0 || last[a] > last[best]))
            best = a;
    return best;
}

/* Take one occurrence of b (the oldest sample) out of the window. */
static inline void window_remove(Window *w, const int64_t *last, int k, int b)
{
    int32_t c = w->count[b]--;
    w->freq[c]--;
    w->freq[c - 1]++;
    /* The mode can only lose its place if it is b and another symbol now counts c (more than
     * b) or c - 1 (a tie); otherwise it keeps it. Flags, not branches: b == mode is random. */
    int more = w->freq[c] > 0, tie = w->freq[c - 1] > 1;
    if ((b == w->mode) & (more | tie))
        w->mode = rescan(w, last, k, more ? c : c - 1);
}

/* Add a (the newest sample), for window_remove_few: no histogram. */
static inline void window_add_few(Window *w, int a)
{
    int32_t c = ++w->count[a];
    w->mode = c >= w->count[w->mode] ? a : w->mode;
}

/* Take b out, for 4..8 symbols: no histogram; when the mode leaves, all k symbols are compared
 * (count first, then latest occurrence). Measured faster than the histogram for these k. */
static inline void window_remove_few(Window *w, const int64_t *last, int k, int b)
{
    w->count[b]--;
    if (b != w->mode)
        return;
    int best = 0;
    for (int a = 1; a < k; a++) {
        int32_t ca = w->count[a], cb = w->count[best];
        best = (ca > cb) | ((ca == cb) & (last[a] > last[best])) ? a : best;
    }
    w->mode = best;
}

/* Add a (the newest sample, so the latest occurrence of its count class). */
static inline void window_add(Window *w, int a)
{
    int32_t c = ++w->count[a];
    w->freq[c - 1]--;
    w->freq[c]++;
    w->mode = c >= w->count[w->mode] ? a : w->mode;
}

/* One MultiMCW round i >= 63: guesses, tally, scoreboard. */
typedef struct {
    int64_t score[N_WINDOWS], top;  /* top: the winner's score, the largest */
    int winner;
} Board;

static inline void mcw_round(const Window *win, Py_ssize_t i, uint8_t x, Board *b, Tally *t)
{
    int right[N_WINDOWS], w = b->winner;
    int64_t top = b->top;
    for (int q = 0; q < N_WINDOWS; q++)
        right[q] = (i >= WINDOWS[q]) & (win[q].mode == x);
    tally(t, right[w]);
    for (int q = 0; q < N_WINDOWS; q++) {              /* the scoreboard, without branches */
        int64_t s = b->score[q] += right[q];
        int takes = right[q] & (s >= top);
        w = takes ? q : w;
        top = takes ? s : top;
    }
    b->winner = w;
    b->top = top;
}

/* Binary data: the windows are odd, so a full window has no tie and the mode is
 * "more ones than zeros". */
static void mcw_binary(const uint8_t *s, Py_ssize_t n, Tally *t)
{
    int32_t ones[N_WINDOWS] = {0, 0, 0, 0};
    Board board = {{0, 0, 0, 0}, 0, 0};
    Window win[N_WINDOWS];
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i >= WINDOWS[0]) {
            for (int q = 0; q < N_WINDOWS; q++)
                win[q].mode = 2 * ones[q] > WINDOWS[q];
            mcw_round(win, i, s[i], &board, t);
        }
        for (int q = 0; q < N_WINDOWS; q++)
            ones[q] += s[i] - (i >= WINDOWS[q] ? s[i - WINDOWS[q]] : 0);
    }
}

/* Any alphabet: counts, count histograms and modes kept incrementally. */
static void mcw_general(const uint8_t *s, Py_ssize_t n, int k, Window *win, int64_t *last,
                        Tally *t)
{
    Board board = {{0, 0, 0, 0}, 0, 0};
    const Py_ssize_t full = WINDOWS[N_WINDOWS - 1];
    Py_ssize_t i;
    for (i = 0; i < n && i < full; i++) {              /* while windows fill up */
        if (i >= WINDOWS[0])
            mcw_round(win, i, s[i], &board, t);
        for (int q = 0; q < N_WINDOWS; q++) {          /* slide: s[i+1-w] leaves, s[i] enters */
            if (i >= WINDOWS[q])
                window_remove(&win[q], last, k, s[i - WINDOWS[q]]);
            window_add(&win[q], s[i]);
        }
        last[s[i]] = i;
    }
    int few = k >= 4 && k <= 8;                        /* the histogram is left stale then */
    for (; i < n; i++) {                               /* every window full: no checks */
        mcw_round(win, full, s[i], &board, t);
        if (few) {                                     /* written out: measured faster */
            window_remove_few(&win[0], last, k, s[i - WINDOWS[0]]);
            window_remove_few(&win[1], last, k, s[i - WINDOWS[1]]);
            window_remove_few(&win[2], last, k, s[i - WINDOWS[2]]);
            window_remove_few(&win[3], last, k, s[i - WINDOWS[3]]);
            window_add_few(&win[0], s[i]);
            window_add_few(&win[1], s[i]);
            window_add_few(&win[2], s[i]);
            window_add_few(&win[3], s[i]);
        } else {
            window_remove(&win[0], last, k, s[i - WINDOWS[0]]);
            window_remove(&win[1], last, k, s[i - WINDOWS[1]]);
            window_remove(&win[2], last, k, s[i - WINDOWS[2]]);
            window_remove(&win[3], last, k, s[i - WINDOWS[3]]);
            window_add(&win[0], s[i]);
            window_add(&win[1], s[i]);
            window_add(&win[2], s[i]);
            window_add(&win[3], s[i]);
        }
        last[s[i]] = i;
    }
}

static PyObject *multi_mcw(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int k;
    (void)self;
    if (!parse_symbols(args, &view, &k, 1, "symbols", WINDOWS[N_WINDOWS - 1] + 1, "MultiMCW"))
        return NULL;
    Window win[N_WINDOWS];
    int64_t last[256];
    int32_t *freq = calloc((size_t)(WINDOWS[N_WINDOWS - 1] + 2) * N_WINDOWS, sizeof(int32_t));
    if (freq == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    for (int q = 0, off = 0; q < N_WINDOWS; off += (int)WINDOWS[q] + 2, q++) {
        memset(win[q].count, 0, sizeof win[q].count);
        win[q].freq = freq + off;
        win[q].freq[0] = k;                            /* every symbol starts at count 0 */
        win[q].mode = 0;
    }
    memset(last, 0, sizeof last);
    Tally t = {0, 0, 0};
    Py_BEGIN_ALLOW_THREADS
    if (k == 2)
        mcw_binary((const uint8_t *)view.buf, view.len, &t);
    else
        mcw_general((const uint8_t *)view.buf, view.len, k, win, last, &t);
    Py_END_ALLOW_THREADS
    free(freq);
    PyBuffer_Release(&view);
    return Py_BuildValue("LL", (long long)t.hits, (long long)t.longest);
}

/* ------------------------------------------------------------ Collision (Sec. 6.3.2) */

static PyObject *collision_stats(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int k;
    (void)self;
    if (!parse_symbols(args, &view, &k, 0, "bits", 6, "the Collision estimate"))
        return NULL;
    const uint8_t *s = (const uint8_t *)view.buf;
    Py_ssize_t n = view.len, i = 0;
    int64_t v = 0, total = 0, squares = 0;
    Py_BEGIN_ALLOW_THREADS
    while (i < n - 1) {
        int64_t step = 3 - (s[i] == s[i + 1]);         /* 2 on a pair, else 3 */
        if (step == 3 && i + 2 >= n)
            break;                                     /* no room left for a collision */
        v++;
        total += step;
        squares += step * step;
        i += step;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return Py_BuildValue("LLL", (long long)v, (long long)total, (long long)squares);
}

/* ------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {"lag", lag, METH_VARARGS,
     "lag(symbols, k) -> (hits, longest): the Lag predictor's loop (SP 800-90B 6.3.8)."},
    {"multi_mcw", multi_mcw, METH_VARARGS,
     "multi_mcw(symbols, k) -> (hits, longest): the MultiMCW predictor's loop (6.3.7)."},
    {"collision_stats", collision_stats, METH_VARARGS,
     "collision_stats(bits) -> (v, sum_t, sum_t_squared) of the collision times (6.3.2)."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cpredict",
    "C kernels of the Lag, MultiMCW and Collision estimates (see _c/predict.c).", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__cpredict(void)
{
    return PyModule_Create(&module);
}
