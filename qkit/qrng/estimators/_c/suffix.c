/*
 * _csuffix: repeated-substring counts for the t-Tuple and LRS estimates
 * (NIST SP 800-90B Sec. 6.3.5-6.3.6) and the IID track's LRS test (Sec. 5.2.5).
 *
 * substring_counts(symbols, k, up_to=-1) -> (max_count, pairs), two bytearrays of int64:
 *   max_count[t] = the largest number of (overlapping) occurrences of any t-tuple,
 *   pairs[t]     = sum over distinct t-tuples x of C(count_x, 2),
 * for t = 1 .. last (index 0 is 0), last = min(v + 1, n - 1, up_to) with v the length of
 * the longest repeated substring: the same definitions as the numpy path of _substrings.py.
 * The standard's steps (t = largest length with a count >= 35, u, v, P_W) are applied in
 * tuples.py on these arrays, exactly as for the numpy path and the plain reference.
 *
 * How: equal t-tuples are runs of neighbours in the sorted suffixes whose longest common
 * prefix (LCP) is >= t, so every count is exact; there are no table caps and no ties.
 *   1. Suffix array by induced sorting (SA-IS, Nong, Zhang and Chan 2009), int32, in O(n).
 *   2. LCP of neighbours by Kasai et al. 2001 through the Phi array (Karkkainen, Manzini and
 *      Puglisi 2009): the PLCP values overwrite Phi, and LCP overwrites the suffix array.
 *   3. One stack pass over the LCP array: edge e (between sorted suffixes e-1 and e) with
 *      LCP h is the right-most minimum of the run of suffixes [l, r) sharing h symbols, and
 *      owns (e - l)(r - e) of its pairs; sums and maxima from length h downwards give
 *      every length at once. The freed Phi array holds the stack.
 * Working memory beyond the input: 8 bytes per sample (suffix array + Phi/stack), plus the
 * output (16 bytes per length counted; only constant-like data has many lengths).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef int32_t idx;

/* A text to sort: level 0 is the bytes, deeper levels are int32 names of LMS substrings. */
typedef struct {
    const uint8_t *bytes;
    const idx *names;
    idx n;
    idx alphabet;
} Text;

static inline idx at(const Text *t, idx i)
{
    return t->bytes ? (idx)t->bytes[i] : t->names[i];
}

/* Type of each position: 1 = S (suffix smaller than its successor), 0 = L. The virtual
 * end-of-text after position n-1 is smaller than every symbol, so position n-1 is L. */
static void classify(const Text *t, uint8_t *stype)
{
    stype[t->n - 1] = 0;
    for (idx i = t->n - 2; i >= 0; i--) {
        idx a = at(t, i), b = at(t, i + 1);
        stype[i] = (uint8_t)(a < b || (a == b && stype[i + 1]));
    }
}

/* Left-most S position: an S position whose predecessor is L. */
static inline int is_lms(const uint8_t *stype, idx i)
{
    return i > 0 && stype[i] && !stype[i - 1];
}

/* Bucket of each symbol: its first slot (ends = 0) or one past its last (ends = 1). */
static void buckets(const Text *t, idx *bkt, int ends)
{
    memset(bkt, 0, (size_t)t->alphabet * sizeof(idx));
    for (idx i = 0; i < t->n; i++)
        bkt[at(t, i)]++;
    idx sum = 0;
    for (idx c = 0; c < t->alphabet; c++) {
        sum += bkt[c];
        bkt[c] = ends ? sum : sum - bkt[c];
    }
}

/* Induced sorting: L suffixes left to right from the end-of-text and the placed LMS
 * suffixes, then S suffixes right to left. */
static void induce(const Text *t, const uint8_t *stype, idx *sa, idx *bkt)
{
    idx n = t->n;
    buckets(t, bkt, 0);
    sa[bkt[at(t, n - 1)]++] = n - 1;          /* predecessor of the end-of-text is L */
    for (idx i = 0; i < n; i++) {
        idx j = sa[i] - 1;
        if (sa[i] > 0 && !stype[j])
            sa[bkt[at(t, j)]++] = j;
    }
    buckets(t, bkt, 1);
    for (idx i = n - 1; i >= 0; i--) {
        idx j = sa[i] - 1;
        if (sa[i] > 0 && stype[j])
            sa[--bkt[at(t, j)]] = j;
    }
}

/* Do the LMS substrings starting at a and b differ (symbols and types, end-of-text unique)? */
static int lms_differ(const Text *t, const uint8_t *stype, idx a, idx b)
{
    for (idx d = 0;; d++) {
        if (a + d == t->n || b + d == t->n)
            return 1;
        if (at(t, a + d) != at(t, b + d) || stype[a + d] != stype[b + d])
            return 1;
        if (d > 0 && is_lms(stype, a + d))    /* both end here: types agreed so far */
            return 0;
    }
}

/* Sort the LMS substrings, name them, and leave the reduced string (names in text order)
 * in sa[n - n1 .. n-1]. Returns n1; *names = number of distinct names. */
static idx name_lms(const Text *t, const uint8_t *stype, idx *sa, idx *names)
{
    idx n = t->n, n1 = 0, name = 0, prev = -1;
    for (idx i = 0; i < n; i++)
        if (is_lms(stype, sa[i]))
            sa[n1++] = sa[i];
    for (idx i = n1; i < n; i++)
        sa[i] = -1;
    for (idx i = 0; i < n1; i++) {
        idx pos = sa[i];
        if (prev < 0 || lms_differ(t, stype, prev, pos)) {
            name++;
            prev = pos;
        }
        sa[n1 + pos / 2] = name - 1;           /* LMS positions are >= 2 apart */
    }
    for (idx i = n - 1, j = n - 1; i >= n1; i--)
        if (sa[i] >= 0)
            sa[j--] = sa[i];
    *names = name;
    return n1;
}

static int sais(const Text *t, idx *sa);

/* Sorted LMS suffixes into sa[0 .. n1-1] (recursing when names repeat), then placed at
 * their bucket ends for the final induction. Returns 0, or -1 if out of memory. */
static int sort_lms(const Text *t, const uint8_t *stype, idx *sa, idx *bkt, idx n1, idx names)
{
    idx n = t->n;
    idx *reduced = sa + n - n1;
    if (names < n1) {
        Text sub = {NULL, reduced, n1, names};
        if (sais(&sub, sa) != 0)
            return -1;
    } else {
        for (idx i = 0; i < n1; i++)
            sa[reduced[i]] = i;
    }
    for (idx i = 1, j = 0; i < n; i++)          /* reduced[] := LMS positions in text order */
        if (is_lms(stype, i))
            reduced[j++] = i;
    for (idx i = 0; i < n1; i++)
        sa[i] = reduced[sa[i]];
    for (idx i = n1; i < n; i++)
        sa[i] = -1;
    buckets(t, bkt, 1);
    for (idx i = n1 - 1; i >= 0; i--) {
        idx j = sa[i];
        sa[i] = -1;
        sa[--bkt[at(t, j)]] = j;
    }
    return 0;
}

/* Suffix array of t into sa (t->n entries). Returns 0, or -1 if out of memory. */
static int sais(const Text *t, idx *sa)
{
    idx n = t->n, names = 0;
    if (n <= 1) {
        if (n == 1)
            sa[0] = 0;
        return 0;
    }
    uint8_t *stype = PyMem_RawMalloc((size_t)n);
    idx *bkt = PyMem_RawMalloc((size_t)t->alphabet * sizeof(idx));
    int status = -1;
    if (stype == NULL || bkt == NULL)
        goto done;
    classify(t, stype);
    for (idx i = 0; i < n; i++)
        sa[i] = -1;
    buckets(t, bkt, 1);
    for (idx i = 1; i < n; i++)                 /* LMS suffixes at their bucket ends */
        if (is_lms(stype, i))
            sa[--bkt[at(t, i)]] = i;
    induce(t, stype, sa, bkt);                  /* sorts the LMS substrings */
    idx n1 = name_lms(t, stype, sa, &names);
    if (sort_lms(t, stype, sa, bkt, n1, names) != 0)
        goto done;
    induce(t, stype, sa, bkt);                  /* sorts every suffix */
    status = 0;
done:
    PyMem_RawFree(stype);
    PyMem_RawFree(bkt);
    return status;
}

/* Kasai's LCP through Phi: on return sa[i] = LCP(suffix sa[i-1], suffix sa[i]), sa[0] = 0.
 * phi (n entries) is scratch. Returns the largest LCP, v. */
static idx lcp_in_place(const uint8_t *s, idx n, idx *sa, idx *phi)
{
    phi[sa[0]] = -1;
    for (idx i = 1; i < n; i++)
        phi[sa[i]] = sa[i - 1];
    idx h = 0;
    for (idx i = 0; i < n; i++) {               /* PLCP in text order: h drops by <= 1 */
        idx j = phi[i];
        if (j < 0) {
            phi[i] = h = 0;
            continue;
        }
        while (i + h < n && j + h < n && s[i + h] == s[j + h])
            h++;
        phi[i] = h;
        if (h > 0)
            h--;
    }
    idx longest = 0;
    for (idx i = 0; i < n; i++) {
        sa[i] = phi[sa[i]];
        if (sa[i] > longest)
            longest = sa[i];
    }
    return longest;
}

/* One stack pass over lcp[1 .. n-1]: best[t] and pairs[t] for t = 1 .. last, from each
 * edge's run [l, r) of suffixes sharing its LCP h (counted at length min(h, last), then
 * accumulated downwards). stack holds edge indices with strictly increasing LCP. */
static void tally(const idx *lcp, idx n, idx *stack, idx last, int64_t *best, int64_t *pairs)
{
    idx top = 0;
    for (idx e = 1; e <= n; e++) {
        idx h = e < n ? lcp[e] : -1;
        while (top > 0 && lcp[stack[top - 1]] >= h) {
            idx f = stack[--top], hf = lcp[f];
            int64_t l = top > 0 ? stack[top - 1] : 0, r = e;
            if (hf > 0) {
                idx bin = hf < last ? hf : last;
                pairs[bin] += (f - l) * (r - f);
                if (r - l > best[bin])
                    best[bin] = r - l;
            }
        }
        if (e < n)
            stack[top++] = e;
    }
    for (idx t = last - 1; t >= 1; t--) {
        pairs[t] += pairs[t + 1];
        if (best[t + 1] > best[t])
            best[t] = best[t + 1];
    }
    for (idx t = 1; t <= last; t++)             /* no repeat: every tuple occurs once */
        if (best[t] == 0)
            best[t] = 1;
}

/* Every byte < k? Returns the index of the first bad byte, or -1. */
static Py_ssize_t first_bad(const uint8_t *s, Py_ssize_t n, int k)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] >= k)
            return i;
    return -1;
}

/* The argument checks that need no pass over the data (the bytes are checked later). */
static int check_args(const Py_buffer *view, int k, Py_ssize_t up_to)
{
    if (view->itemsize != 1) {
        PyErr_Format(PyExc_TypeError, "symbols must be a buffer of uint8 (1 byte per sample), "
                     "got %zd bytes per item", view->itemsize);
        return -1;
    }
    if (k < 2 || k > 256) {
        PyErr_Format(PyExc_ValueError, "k must be an alphabet size in 2..256, got %d", k);
        return -1;
    }
    if (view->len < 2 || view->len > INT32_MAX - 1) {
        PyErr_Format(PyExc_ValueError, "symbols must hold 2 .. 2**31 - 2 samples, got n=%zd",
                     view->len);
        return -1;
    }
    if (up_to == 0 || up_to < -1) {
        PyErr_Format(PyExc_ValueError, "up_to must be >= 1 (or -1 for no limit), got %zd", up_to);
        return -1;
    }
    return 0;
}

/* Runs steps 1-2 without the GIL. Returns v, -1 if out of memory, -2 if a byte is >= k. */
static idx sort_and_lcp(const uint8_t *s, idx n, int k, idx *sa, idx **phi, Py_ssize_t *bad)
{
    if ((*bad = first_bad(s, n, k)) >= 0)
        return -2;
    Text text = {s, NULL, n, 256};
    if (sais(&text, sa) != 0)
        return -1;
    *phi = PyMem_RawMalloc((size_t)n * sizeof(idx));
    if (*phi == NULL)
        return -1;
    return lcp_in_place(s, n, sa, *phi);
}

/* Steps 1-3 on checked arguments: (max_count, pairs) as int64 bytearrays, or NULL with an
 * exception set. The output is allocated with the GIL, between the two GIL-free parts. */
static PyObject *counts(const Py_buffer *view, int k, Py_ssize_t up_to)
{
    const uint8_t *s = view->buf;
    idx n = (idx)view->len, v = 0, *phi = NULL;
    Py_ssize_t bad = -1;
    PyObject *best = NULL, *pairs = NULL, *result = NULL;
    idx *sa = PyMem_RawMalloc((size_t)n * sizeof(idx));
    if (sa == NULL)
        goto oom;
    Py_BEGIN_ALLOW_THREADS
    v = sort_and_lcp(s, n, k, sa, &phi, &bad);
    Py_END_ALLOW_THREADS
    if (v == -2) {
        PyErr_Format(PyExc_ValueError, "symbols must be in 0..%d (k=%d), got %d at index %zd",
                     k - 1, k, (int)s[bad], bad);
        goto done;
    }
    if (v < 0)
        goto oom;
    idx last = v + 1 < n - 1 ? v + 1 : n - 1;
    if (up_to > 0 && up_to < last)
        last = (idx)up_to;
    size_t bytes = ((size_t)last + 1) * sizeof(int64_t);
    best = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)bytes);
    pairs = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)bytes);
    if (best == NULL || pairs == NULL)
        goto done;
    int64_t *b = (int64_t *)PyByteArray_AS_STRING(best);
    int64_t *p = (int64_t *)PyByteArray_AS_STRING(pairs);
    memset(b, 0, bytes);
    memset(p, 0, bytes);
    Py_BEGIN_ALLOW_THREADS
    tally(sa, n, phi, last, b, p);
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(2, best, pairs);
    goto done;
oom:
    PyErr_NoMemory();
done:
    PyMem_RawFree(sa);
    PyMem_RawFree(phi);
    Py_XDECREF(best);
    Py_XDECREF(pairs);
    return result;
}

/* substring_counts(symbols, k, up_to=-1): parse, check, count, release the buffer. */
static PyObject *substring_counts(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int k;
    Py_ssize_t up_to = -1;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*i|n", &view, &k, &up_to))
        return NULL;
    PyObject *result = NULL;
    if (check_args(&view, k, up_to) == 0)
        result = counts(&view, k, up_to);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"substring_counts", substring_counts, METH_VARARGS,
     "substring_counts(symbols, k, up_to=-1) -> (max_count, pairs)\n\n"
     "Per-length tuple counts (int64 bytearrays, index 0 unused) of uint8 symbols 0..k-1\n"
     "from the suffix array and LCP array (SP 800-90B Sec. 6.3.5-6.3.6)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_csuffix",
    "Repeated-substring counts for the t-Tuple and LRS estimates (C kernel).", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__csuffix(void)
{
    return PyModule_Create(&module);
}
