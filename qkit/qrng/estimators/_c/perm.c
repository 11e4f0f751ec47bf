/*
 * _cperm: the IID track's permutation-test statistics (NIST SP 800-90B Sec. 5.1) in C.
 *
 * statistics(symbols, alphabet, raw_mean, median, active) -> tuple of 18 floats
 *     Statistics 0..17 of Sec. 5.1.1-5.1.10 in the order of permutation.STATISTICS (the 19th,
 *     the bzip2 length of Sec. 5.1.11, stays with Python's bz2); NaN where bit j of the int
 *     ``active`` is clear.  ``symbols`` are uint8 0..k-1, ``alphabet`` (k = 2..256 bytes) maps
 *     each symbol to its raw value.
 * draw(u, table, out) -> tuple of k counts
 *     out[i] = table[u[i]] for the uint16 words u (the first step of _perm_kernels'
 *     MultisetShuffler) and how many times each symbol 0..k-1 was written (k = max(table) + 1).
 *     Nondecreasing tables of up to 4 symbols are looked up by comparisons (SSE2).
 * decimal_text(symbols, alphabet, last) -> bytes
 *     One piece of the text NIST's tool compresses for Sec. 5.1.11 ("v " per raw value, no
 *     space after the very last one): Python's bz2 compresses the pieces as they come, so the
 *     2 MB text of 10^6 bits is never held at once.
 *
 * Each statistic follows qkit's reference (reference_iid.reference_statistics) and numpy path
 * (_perm_kernels.PermutationPlan) step for step:
 * - k = 2 applies the binary conversions: conversion I (ones in each 8-bit block, a short last
 *   block padded with zeros) for the directional runs, periodicity and covariance; conversion
 *   II (each block read as a byte, most significant bit first, zero-padded) for the collision
 *   windows.  The median runs use the symbols themselves (below the median: symbol 0).
 * - Excursion: the running sum of raw values is an exact 64-bit integer; max |sum - (i+1) mean|
 *   is taken over the same doubles as numpy's cumsum - arange * mean.
 * - Runs: a step counts as "down" when x[i] > x[i+1] (equal values count as up); a sequence of
 *   length 0 or 1 has 0 runs whose longest is 1 (the tool's convention); the number of
 *   increases/decreases is max(ups, downs).  Median runs: x < median is "below".
 * - Collision windows start where the last ended and end at the first repeated value; the
 *   average is (sum of lengths) / (number of windows), both 0 when no window closes.
 * - Periodicity counts x[i] == x[i+lag], covariance sums x[i] * x[i+lag] (raw values unless
 *   binary), i < len - lag; both are 0 when lag >= len.  Sums are 64-bit integers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NSTATS 18
static const int LAGS[5] = {1, 2, 8, 16, 32};

/* The sum of the eight bytes of a 64-bit word whose bytes are 0 or 1. */
#define BYTE_SUM(x) ((int64_t)(((x) * 0x0101010101010101ull) >> 56))

/* ---- runs and directional statistics ----------------------------------------------- */

/* One step of a run count, without branches (random data would mispredict half of them):
   a change of flag starts a new run, and the longest run so far is kept. */
#define RUN_STEP(flag) do {                                              \
        int64_t change_ = (flag) != prev;                                \
        runs += change_;                                                 \
        run = change_ ? 1 : run + 1;                                     \
        longest = run > longest ? run : longest;                         \
        prev = (flag);                                                   \
    } while (0)

/* Runs of the "down" flags x[i] > x[i+1] over len - 1 steps: number, longest, max(ups, downs). */
static void directional(const uint8_t *x, Py_ssize_t len, double out[3])
{
    if (len < 2) {
        out[0] = 0.0; out[1] = 1.0; out[2] = 0.0;
        return;
    }
    int prev = x[0] > x[1];
    int64_t runs = 1, run = 1, longest = 1, downs = prev;
    for (Py_ssize_t i = 1; i + 1 < len; i++) {
        int d = x[i] > x[i + 1];
        downs += d;
        RUN_STEP(d);
    }
    int64_t steps = (int64_t)len - 1;
    out[0] = (double)runs; out[1] = (double)longest;
    out[2] = (double)(downs > steps - downs ? downs : steps - downs);
}

/* Runs of "below the median" over the symbols: number and longest. */
static void median_runs(const uint8_t *s, Py_ssize_t n, int binary, double median, double out[2])
{
    if (n == 0) {
        out[0] = 0.0; out[1] = 1.0;
        return;
    }
    uint8_t below[256];
    for (int v = 0; v < 256; v++) below[v] = binary ? v == 0 : (double)v < median;
    int prev = below[s[0]];
    int64_t runs = 1, run = 1, longest = 1;
    for (Py_ssize_t i = 1; i < n; i++) RUN_STEP(below[s[i]]);
    out[0] = (double)runs; out[1] = (double)longest;
}

/* ---- excursion, collisions, periodicity, covariance -------------------------------- */

static double excursion(const uint8_t *s, Py_ssize_t n, const uint8_t *raw, double mean)
{
    int64_t sum = 0;
    double best = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        sum += raw[s[i]];
        double d = fabs((double)sum - (double)(i + 1) * mean);   /* both exact as numpy's */
        if (d > best) best = d;
    }
    return best;
}

/* Consecutive windows, each ending at its first repeated value: average and longest length.
   stamp[v] == window id marks the values seen in the current window. */
static void collisions(const uint8_t *x, Py_ssize_t len, double out[2])
{
    uint32_t stamp[256] = {0};
    uint32_t window = 1;
    int64_t windows = 0, total = 0, longest = 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t j = 0; j < len; j++) {
        if (stamp[x[j]] == window) {              /* repeat: the window start..j closes */
            int64_t length = (int64_t)(j - start + 1);
            windows++; total += length;
            if (length > longest) longest = length;
            start = j + 1;
            window++;                             /* < 2^32 windows: len < 2^32 / 2 */
        } else {
            stamp[x[j]] = window;
        }
    }
    out[0] = windows ? (double)total / (double)windows : 0.0;
    out[1] = (double)longest;
}

static int64_t periodicity(const uint8_t *x, Py_ssize_t len, int lag)
{
    int64_t hits = 0;
    for (Py_ssize_t i = 0; i + lag < len; i++) hits += x[i] == x[i + lag];
    return hits;
}

/* sum x[i] x[i+lag] of the values map[x[i]] (products at most 255^2, sums exact in 64 bits) */
static int64_t covariance(const uint8_t *x, Py_ssize_t len, const uint8_t *map, int lag)
{
    int64_t sum = 0;
    for (Py_ssize_t i = 0; i + lag < len; i++) sum += (int64_t)map[x[i]] * map[x[i + lag]];
    return sum;
}

/* ---- the binary conversions -------------------------------------------------------- */

/* Reverses the bits of a byte (the packed blocks are read most significant bit first). */
static uint8_t reverse8(unsigned b)
{
    b = ((b & 0xF0u) >> 4) | ((b & 0x0Fu) << 4);
    b = ((b & 0xCCu) >> 2) | ((b & 0x33u) << 2);
    return (uint8_t)(((b & 0xAAu) >> 1) | ((b & 0x55u) << 1));
}

/* ones[b] = bits set in the 8-bit block b, packed[b] = the block as a byte (MSB first); a short
   last block is padded with zeros.  On little-endian machines whole blocks are read as one
   64-bit word whose bytes are 0 or 1 and folded into one byte (bit i = sample i). */
static void convert(const uint8_t *s, Py_ssize_t n, uint8_t *ones, uint8_t *packed)
{
    uint8_t rev[256];
    for (unsigned v = 0; v < 256; v++) rev[v] = reverse8(v);
    Py_ssize_t b = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; 8 * b + 8 <= n; b++) {
        uint64_t x;
        memcpy(&x, s + 8 * b, 8);
        ones[b] = (uint8_t)BYTE_SUM(x);
        x = (x | (x >> 7)) & 0x0003000300030003ull;
        x = (x | (x >> 14)) & 0x0000000F0000000Full;
        unsigned lsb_first = (unsigned)((x | (x >> 28)) & 0xFFu);
        packed[b] = rev[lsb_first];
    }
#endif
    for (; 8 * b < n; b++) {
        unsigned byte = 0, count = 0;
        for (Py_ssize_t i = 8 * b; i < 8 * b + 8; i++) {
            unsigned bit = i < n ? s[i] : 0;
            byte = (byte << 1) | bit;
            count += bit;
        }
        packed[b] = (uint8_t)byte;
        ones[b] = (uint8_t)count;
    }
}

/* ---- all statistics ---------------------------------------------------------------- */

typedef struct {
    const uint8_t *s;       /* symbols 0..k-1 */
    Py_ssize_t n;
    const uint8_t *raw;     /* alphabet: raw value of each symbol */
    int k;
    double mean, median;
    long active;            /* bit j: statistic j wanted */
} Job;

static int on(const Job *job, int j) { return (job->active >> j) & 1; }

/* Fills out[0..17] (NaN where not active); seq is conversion I / packed II (binary) or s. */
static void compute(const Job *job, const uint8_t *seq1, const uint8_t *seq2, Py_ssize_t len,
                    double out[NSTATS])
{
    uint8_t identity[256];
    for (int v = 0; v < 256; v++) identity[v] = (uint8_t)v;
    double pair[3];
    for (int j = 0; j < NSTATS; j++) out[j] = NAN;
    if (on(job, 0)) out[0] = excursion(job->s, job->n, job->raw, job->mean);
    if (on(job, 1) || on(job, 2) || on(job, 3)) {
        directional(seq1, len, pair);
        for (int j = 0; j < 3; j++) if (on(job, 1 + j)) out[1 + j] = pair[j];
    }
    if (on(job, 4) || on(job, 5)) {
        median_runs(job->s, job->n, job->k == 2, job->median, pair);
        for (int j = 0; j < 2; j++) if (on(job, 4 + j)) out[4 + j] = pair[j];
    }
    if (on(job, 6) || on(job, 7)) {
        collisions(seq2, job->k == 2 ? (job->n + 7) / 8 : job->n, pair);
        for (int j = 0; j < 2; j++) if (on(job, 6 + j)) out[6 + j] = pair[j];
    }
    const uint8_t *cov_map = job->k == 2 ? identity : job->raw;
    for (int j = 0; j < 5; j++) {
        if (on(job, 8 + j)) out[8 + j] = (double)periodicity(seq1, len, LAGS[j]);
        if (on(job, 13 + j)) out[13 + j] = (double)covariance(seq1, len, cov_map, LAGS[j]);
    }
}

/* ---- Python entry points ----------------------------------------------------------- */

/* True if some byte of s is >= k (2 <= k <= 256).  Eight bytes at a time: with h the top bit
   of each byte and low its other 7 bits, low + (128 - c) reaches 128 exactly when low >= c;
   a byte is >= k <= 128 when h is set or low >= k, and >= k > 128 when h is set and
   low >= k - 128.  Bytes never carry into each other (low + 127 < 256). */
static int any_at_least(const uint8_t *s, Py_ssize_t n, int k)
{
    const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
    if (k >= 256) return 0;
    int small = k <= 128;
    uint64_t add = ones * (uint64_t)(128 - (small ? k : k - 128)), bad = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t high = x & tops, reach = ((x & ~tops) + add) & tops;
        bad |= small ? (high | reach) : (high & reach);
    }
    for (; i < n; i++) bad |= s[i] >= k;
    return bad != 0;
}

/* Checks n >= 1, 2 <= k <= 256 and every symbol < k; sets ValueError and returns -1 if not. */
static int check_symbols(const Py_buffer *sym, Py_ssize_t k)
{
    if (k < 2 || k > 256) {
        PyErr_Format(PyExc_ValueError, "alphabet must hold 2..256 raw values (k), got %zd", k);
        return -1;
    }
    if (sym->len < 1) {
        PyErr_SetString(PyExc_ValueError, "symbols must hold at least 1 symbol, got 0");
        return -1;
    }
    if (any_at_least(sym->buf, sym->len, (int)k)) {
        const uint8_t *s = sym->buf;
        uint8_t top = 0;
        for (Py_ssize_t i = 0; i < sym->len; i++) if (s[i] > top) top = s[i];
        PyErr_Format(PyExc_ValueError, "symbols must hold symbols 0..%zd (k = %zd), got %d",
                     k - 1, k, (int)top);
        return -1;
    }
    return 0;
}

static PyObject *stats_tuple(const double out[NSTATS])
{
    PyObject *tuple = PyTuple_New(NSTATS);
    for (int j = 0; tuple != NULL && j < NSTATS; j++) {
        PyObject *v = PyFloat_FromDouble(out[j]);
        if (v == NULL) { Py_CLEAR(tuple); break; }
        PyTuple_SET_ITEM(tuple, j, v);
    }
    return tuple;
}

static PyObject *statistics(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer sym, alpha;
    double mean, median;
    long active;
    if (!PyArg_ParseTuple(args, "y*y*ddl", &sym, &alpha, &mean, &median, &active)) return NULL;
    PyObject *result = NULL;
    uint8_t *ones = NULL, *packed = NULL;
    if (check_symbols(&sym, alpha.len) < 0) goto done;
    if (!(mean >= 0.0 && mean <= 255.0) || !(median >= 0.0 && median <= 255.0)) {
        PyErr_Format(PyExc_ValueError, "raw_mean and median must be numbers in [0, 255], got %R "
                     "and %R", PyTuple_GET_ITEM(args, 2), PyTuple_GET_ITEM(args, 3));
        goto done;
    }
    if (sym.len >= ((Py_ssize_t)1 << 31)) {
        PyErr_Format(PyExc_ValueError, "symbols must hold fewer than 2^31 symbols, got %zd", sym.len);
        goto done;
    }
    Job job = {sym.buf, sym.len, alpha.buf, (int)alpha.len, mean, median, active};
    const uint8_t *seq1 = job.s, *seq2 = job.s;
    Py_ssize_t len = job.n;
    if (job.k == 2) {                              /* conversions I and II */
        len = (job.n + 7) / 8;
        ones = malloc((size_t)len);
        packed = malloc((size_t)len);
        if (ones == NULL || packed == NULL) { PyErr_NoMemory(); goto done; }
        seq1 = ones; seq2 = packed;
    }
    double out[NSTATS];
    Py_BEGIN_ALLOW_THREADS
    if (job.k == 2) convert(job.s, job.n, ones, packed);
    compute(&job, seq1, seq2, len, out);
    Py_END_ALLOW_THREADS
    result = stats_tuple(out);
done:
    free(ones);
    free(packed);
    PyBuffer_Release(&sym);
    PyBuffer_Release(&alpha);
    return result;
}

/* counts[v] += occurrences of v in y.  Values below 4 (k <= 4): eight bytes at a time, their
   two bit planes counted with popcounts.  Otherwise four partial tables, so that equal
   neighbours do not wait on each other's increment. */
static void count_bytes(const uint8_t *y, Py_ssize_t n, int k, int64_t counts[256])
{
    int64_t part[4][256];
    memset(part, 0, sizeof part);
    Py_ssize_t i = 0;
    if (k <= 4) {
        const uint64_t low = 0x0101010101010101ull;
        for (; i + 8 <= n; i += 8) {
            uint64_t x;
            memcpy(&x, y + i, 8);
            uint64_t b0 = x & low, b1 = (x >> 1) & low;
            part[0][1] += BYTE_SUM(b0 & ~b1);
            part[0][2] += BYTE_SUM(b1 & ~b0);
            part[0][3] += BYTE_SUM(b0 & b1);
        }
        part[0][0] = i - (part[0][1] + part[0][2] + part[0][3]);
    }
    for (; i + 4 <= n; i += 4) {
        part[0][y[i]]++; part[1][y[i + 1]]++; part[2][y[i + 2]]++; part[3][y[i + 3]]++;
    }
    for (; i < n; i++) part[0][y[i]]++;
    for (int v = 0; v < 256; v++) counts[v] += part[0][v] + part[1][v] + part[2][v] + part[3][v];
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The words below which a nondecreasing table of at most 4 symbols starts each symbol
   1..k-1: y = #{j : u >= below[j]}.  Returns the number of thresholds, -1 if the table is not
   nondecreasing or has more than 4 symbols (then the plain lookup runs). */
static int thresholds(const uint8_t *tab, int k, unsigned below[3])
{
    if (k > 4) return -1;
    uint8_t down = 0;                  /* no early exit, whole vectors: the loop vectorises */
    for (Py_ssize_t v = 0; v < 65520; v++) down |= tab[v] > tab[v + 1];
    for (Py_ssize_t v = 65520; v < 65535; v++) down |= tab[v] > tab[v + 1];
    if (down) return -1;
    for (int j = 0; j < k - 1; j++) {                /* first word whose symbol is > j */
        unsigned lo = 0, hi = 65536;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (tab[mid] > j) hi = mid; else lo = mid + 1;
        }
        below[j] = lo;
    }
    return k - 1;
}

/* y[i] = table[u[i]] for i < n rounded down to 16, by comparisons, 16 words at a time: with
   the sign bits flipped, signed 16-bit "less than" orders the words as unsigned.  less[j]
   counts the words below threshold j.  Returns how many words were done. */
static Py_ssize_t lookup_sse2(const uint16_t *u, Py_ssize_t n, const unsigned below[3], int m,
                              uint8_t *y, int64_t less[3])
{
    const __m128i flip = _mm_set1_epi16((short)0x8000);
    __m128i limit[3], tally[3];
    for (int j = 0; j < m; j++) {
        limit[j] = _mm_set1_epi16((short)(below[j] ^ 0x8000u));
        tally[j] = _mm_setzero_si128();
    }
    Py_ssize_t i = 0, steps = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i lo = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(u + i)), flip);
        __m128i hi = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(u + i + 8)), flip);
        __m128i ylo = _mm_set1_epi16((short)m), yhi = ylo;
        for (int j = 0; j < m; j++) {                 /* a true lane is -1 */
            __m128i a = _mm_cmplt_epi16(lo, limit[j]), b = _mm_cmplt_epi16(hi, limit[j]);
            ylo = _mm_add_epi16(ylo, a); yhi = _mm_add_epi16(yhi, b);
            tally[j] = _mm_sub_epi16(_mm_sub_epi16(tally[j], a), b);
        }
        _mm_storeu_si128((__m128i *)(y + i), _mm_packus_epi16(ylo, yhi));
        if (++steps == 16000 || i + 32 > n) {         /* lanes hold < 32768: empty them */
            for (int j = 0; j < m; j++) {
                int16_t lanes[8];
                _mm_storeu_si128((__m128i *)lanes, tally[j]);
                for (int l = 0; l < 8; l++) less[j] += lanes[l];
                tally[j] = _mm_setzero_si128();
            }
            steps = 0;
        }
    }
    return i;
}
#endif

/* y[i] = tab[u[i]] and the count of each value written (k = max(tab) + 1). */
static void lookup(const uint16_t *u, Py_ssize_t n, const uint8_t *tab, int k, uint8_t *y,
                   int64_t counts[256])
{
    Py_ssize_t i = 0;
#if defined(__SSE2__)
    unsigned below[3];
    int m = thresholds(tab, k, below);
    if (m >= 0) {
        int64_t less[3] = {0, 0, 0};
        i = lookup_sse2(u, n, below, m, y, less);
        int64_t before = 0;                        /* symbol j: below[j-1] <= u < below[j] */
        for (int j = 0; j < m; j++) {
            counts[j] += less[j] - before;
            before = less[j];
        }
        counts[m] += i - before;
    }
#endif
    for (Py_ssize_t a = i; a < n; a++) y[a] = tab[u[a]];
    count_bytes(y + i, n - i, k, counts);
}

static PyObject *draw(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer u, table, out;
    if (!PyArg_ParseTuple(args, "y*y*w*", &u, &table, &out)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = u.len / 2;
    int64_t counts[256] = {0};
    int k = 0;
    const uint8_t *tab = table.buf;
    if (u.len % 2 || table.len != 65536) {
        PyErr_Format(PyExc_ValueError, "u must be uint16 words and table 65536 bytes, got %zd "
                     "and %zd bytes", u.len, table.len);
        goto done;
    }
    if (out.len != n) {
        PyErr_Format(PyExc_ValueError, "out must hold one byte per word of u (%zd), got %zd",
                     n, out.len);
        goto done;
    }
    uint8_t top = 0;
    for (Py_ssize_t v = 0; v < 65536; v++) top = tab[v] > top ? tab[v] : top;
    k = top + 1;
    Py_BEGIN_ALLOW_THREADS
    const uint16_t *words = u.buf;
    uint8_t *y = out.buf;
    lookup(words, n, tab, k, y, counts);
    Py_END_ALLOW_THREADS
    result = PyTuple_New(k);
    for (int v = 0; result != NULL && v < k; v++) {
        PyObject *c = PyLong_FromLongLong(counts[v]);
        if (c == NULL) { Py_CLEAR(result); break; }
        PyTuple_SET_ITEM(result, v, c);
    }
done:
    PyBuffer_Release(&u);
    PyBuffer_Release(&table);
    PyBuffer_Release(&out);
    return result;
}

/* The decimal text of the raw values: "v " per symbol (no space after the last if `last`). */
static PyObject *decimal_text(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer sym, alpha;
    int last;
    if (!PyArg_ParseTuple(args, "y*y*p", &sym, &alpha, &last)) return NULL;
    PyObject *result = NULL;
    if (check_symbols(&sym, alpha.len) < 0) goto done;
    char words[256][5];                      /* "v " (and a NUL) for each symbol, its length */
    int lengths[256];
    const uint8_t *raw = alpha.buf, *s = sym.buf;
    for (Py_ssize_t v = 0; v < alpha.len; v++) lengths[v] = snprintf(words[v], sizeof words[v], "%u ", raw[v]);
    Py_ssize_t size = 0;
    for (Py_ssize_t i = 0; i < sym.len; i++) size += lengths[s[i]];
    if (last) size--;
    result = PyBytes_FromStringAndSize(NULL, size);
    if (result == NULL) goto done;
    char *text = PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < sym.len; i++) {
        int len = lengths[s[i]];
        if (at + len > size) len = (int)(size - at);     /* only the last space is cut */
        memcpy(text + at, words[s[i]], (size_t)len);
        at += len;
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&sym);
    PyBuffer_Release(&alpha);
    return result;
}

static PyMethodDef methods[] = {
    {"statistics", statistics, METH_VARARGS,
     "statistics(symbols, alphabet, raw_mean, median, active) -> 18 floats\n\n"
     "Statistics 0..17 of SP 800-90B Sec. 5.1 (NaN where bit j of active is clear) of the\n"
     "uint8 symbols 0..k-1 whose raw values are the k bytes of alphabet."},
    {"draw", draw, METH_VARARGS,
     "draw(u, table, out) -> counts\n\n"
     "out[i] = table[u[i]] for the uint16 words u (table: 65536 bytes), and how many times\n"
     "each value 0..max(table) was written."},
    {"decimal_text", decimal_text, METH_VARARGS,
     "decimal_text(symbols, alphabet, last) -> bytes\n\n"
     "The raw values alphabet[symbols] in decimal, each followed by a space (not the last one\n"
     "if last is true): a piece of the text whose bzip2 length is Sec. 5.1.11's statistic."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cperm",
    "C kernel of the IID track's permutation-test statistics (SP 800-90B Sec. 5.1).", -1,
    methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__cperm(void)
{
    return PyModule_Create(&module);
}
