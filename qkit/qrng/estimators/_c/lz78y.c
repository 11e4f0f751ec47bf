/*
 * _clz78y: the LZ78Y prediction estimate of NIST SP 800-90B, Sec. 6.3.10, as one C loop.
 *
 * lz78y(symbols, k, max_prefixes=65536) -> (hits, longest)
 *
 * symbols is a C-contiguous buffer of bytes with values 0..k-1 (2 <= k <= 256). For every round
 * i = 16 .. n-1 the predictor looks up the contexts s[i-j .. i-1], j = 1..16, in its dictionary,
 * guesses the next symbol, and then counts s[i] after each context (adding the contexts not yet
 * in the dictionary while it holds fewer than max_prefixes of them). Rounds 17 .. n-1 are scored
 * (n - 17 guesses); the function returns the number of right guesses and the longest run of them.
 * The conventions are those of NIST's tool and of qkit's plain reference
 * (qkit.qrng.estimators.reference.lz78y), followed exactly:
 *   - the guess comes from the context whose largest count is largest; between context lengths
 *     a tie goes to the longer context, between symbols to the larger symbol;
 *   - a context counts once it is in the dictionary (its counts start at 1 for the symbol that
 *     followed it); contexts are added longest first, except in the first round (i = 16), where
 *     they are added shortest first; once max_prefixes contexts are in, no context is added, but
 *     those in keep counting.
 *
 * Data structure: the contexts form a trie read backwards from s[i-1] (node of context x, child
 * through symbol a: context a.x, one symbol longer). Each round walks the trie from the root
 * along s[i-1], s[i-2], ... until a child is missing, which finds every context of this round
 * that is in the dictionary: a context is only ever added together with all its shorter
 * suffixes, except in the round where the cap is reached (longest first, the shorter ones are
 * refused); those refused suffixes become "internal" trie nodes that hold no counts (at most 15
 * of them), so the walk still reaches every admitted context. Each node keeps its largest count
 * and the largest symbol having it, updated as counts grow by one, so a guess reads one number
 * per length. Children and counts are kept in one dense record per node (k + 1 words) when all
 * fit in about 8 MiB (k <= 15 with the default cap), else in open-addressing hash tables keyed
 * by node * 256 + symbol (about 5 MiB on 10^6 random bytes), where the leading symbol's count
 * lives in the node and each node remembers the node one symbol later (a shortcut that saves
 * hash probes on repetitive data).
 *
 * Binary data (k = 2) takes a simpler path: one direct table per length j of the 2^j contexts
 * (indexed by the last j bits), each entry the two counts, 1 MiB in all; a context is in the
 * dictionary when one of its counts is nonzero, and the same rules apply.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LZ_LENGTH 16                     /* longest context (B in the standard) */
#define LZ_DEFAULT_CAP 65536             /* NIST's dictionary capacity */
#define LZ_MAX_CAP (1L << 23)            /* keeps node * 256 + symbol inside 32 bits */
#define DENSE_LIMIT ((size_t)1 << 20)    /* most (node, symbol) cells kept dense (8 MiB) */

/* ---- open-addressing hash map, uint32 key -> uint32 value, linear probing ---- */

typedef struct {
    uint32_t key;                        /* key + 1; 0 marks an empty slot */
    uint32_t val;
} Slot;

typedef struct {
    Slot *slot;
    unsigned bits;                       /* 2^bits slots */
    size_t used;
} Map;

/* Fibonacci hashing: the top bits of key times 2^64 / golden ratio. */
static size_t hash_index(uint32_t key, unsigned bits)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
}

static size_t map_find(const Map *m, uint32_t key)
{
    size_t mask = ((size_t)1 << m->bits) - 1, h = hash_index(key, m->bits);
    while (m->slot[h].key != 0 && m->slot[h].key != key + 1)
        h = (h + 1) & mask;
    return h;
}

static int map_init(Map *m, unsigned bits)
{
    m->bits = bits;
    m->used = 0;
    m->slot = calloc((size_t)1 << bits, sizeof(Slot));
    return m->slot != NULL ? 0 : -1;
}

static void map_free(Map *m)
{
    free(m->slot);
    m->slot = NULL;
}

/* Double the table (keeps the load at most 5/8). Returns -1 when out of memory. */
static int map_grow(Map *m)
{
    Map bigger;
    size_t old = (size_t)1 << m->bits, i;
    if (map_init(&bigger, m->bits + 1) < 0)
        return -1;
    for (i = 0; i < old; i++)
        if (m->slot[i].key != 0)
            bigger.slot[map_find(&bigger, m->slot[i].key - 1)] = m->slot[i];
    bigger.used = m->used;
    map_free(m);
    *m = bigger;
    return 0;
}

/* Pointer to the value of key, inserted as 0 if absent; NULL when out of memory. The pointer
 * is good until the next insertion. */
static uint32_t *map_get(Map *m, uint32_t key)
{
    size_t h;
    if (8 * (m->used + 1) > ((size_t)5 << m->bits) && map_grow(m) < 0)
        return NULL;
    h = map_find(m, key);
    if (m->slot[h].key == 0) {
        m->slot[h].key = key + 1;
        m->slot[h].val = 0;
        m->used++;
    }
    return &m->slot[h].val;
}

/* ---- the dictionary as a trie of contexts read backwards ---- */

typedef struct {
    int k, dense;
    uint32_t nodes;                      /* node 0 is the root (the empty context) */
    uint64_t *top;                       /* sparse, per node: largest count << 8 | the largest
                                            symbol having it; 0: the node is not admitted */
    uint64_t *rec;                       /* dense, per node k + 1 words: its top, then for each
                                            symbol a, count << 32 | child (0: no child) */
    uint32_t *fwd;                       /* sparse, per node x: id << 8 | a of the node of the
                                            context x.a last seen (a shortcut to it) */
    Map children;                        /* sparse: node * 256 + symbol -> child, sized once */
    Map counts;                          /* sparse: node * 256 + symbol -> count */
} Trie;

static void trie_free(Trie *t)
{
    free(t->top);
    free(t->fwd);
    free(t->rec);
    map_free(&t->children);
    map_free(&t->counts);
}

static int trie_init(Trie *t, int k, uint32_t maxnodes)
{
    size_t cells = (size_t)maxnodes * (size_t)k;
    unsigned bits;
    memset(t, 0, sizeof(*t));
    t->k = k;
    t->nodes = 1;
    t->dense = cells <= DENSE_LIMIT;
    if (t->dense) {                      /* one record per node: one cache line per step */
        t->rec = calloc(cells + maxnodes, sizeof(uint64_t));
        return t->rec != NULL ? 0 : -1;
    }
    t->top = calloc(maxnodes, sizeof(uint64_t));
    for (bits = 12; 8 * (size_t)maxnodes > ((size_t)5 << bits); bits++)
        ;                                /* load at most 5/8 with every node in: never grows */
    t->fwd = calloc(maxnodes, sizeof(uint32_t));
    return (t->top != NULL && t->fwd != NULL && map_init(&t->children, bits) == 0
            && map_init(&t->counts, 12) == 0) ? 0 : -1;
}

/* Where the top of node is kept. */
static uint64_t *top_of(const Trie *t, uint32_t node)
{
    return t->dense ? &t->rec[(size_t)node * (t->k + 1)] : &t->top[node];
}

/* The child of node through symbol a (context one symbol longer), 0 if none. */
static uint32_t trie_child(const Trie *t, uint32_t node, int a)
{
    const Map *m = &t->children;
    if (t->dense)
        return (uint32_t)t->rec[(size_t)node * (t->k + 1) + 1 + a];
    return m->slot[map_find(m, node * 256u + (uint32_t)a)].val;     /* 0 in empty slots */
}

/* Create the child of node through a (not there yet; the tables have room for every node). */
static uint32_t trie_add_child(Trie *t, uint32_t node, int a)
{
    uint32_t id = t->nodes++;
    if (t->dense)
        t->rec[(size_t)node * (t->k + 1) + 1 + a] |= id;
    else
        *map_get(&t->children, node * 256u + (uint32_t)a) = id;     /* presized: not NULL */
    return id;
}

/* Count symbol a after the context of node, keeping its top (ties to the larger symbol).
 * Dense: every count is in the node's record. Sparse: the count of the leading symbol is in
 * its top (its map entry, if any, is stale) and only the others are in the map, so a node
 * whose guess keeps coming true never touches the map. Returns -1 when out of memory. */
static int trie_count(Trie *t, uint32_t node, int a)
{
    uint64_t *top = top_of(t, node), old = *top, now, *cell;
    uint32_t c, *slot;
    int b = (int)(old & 0xFF);
    if (t->dense) {
        cell = &t->rec[(size_t)node * (t->k + 1) + 1 + a];
        *cell += (uint64_t)1 << 32;
        c = (uint32_t)(*cell >> 32);
    }
    else if (old == 0 || a == b)
        c = (uint32_t)(old >> 8) + 1;
    else if ((slot = map_get(&t->counts, node * 256u + (uint32_t)a)) == NULL)
        return -1;
    else
        c = ++*slot;
    now = (uint64_t)c << 8 | (uint64_t)a;
    if (now <= old)                                 /* b keeps the lead */
        return 0;
    if (!t->dense && old != 0 && a != b) {          /* b loses it: its count goes to the map */
        if ((slot = map_get(&t->counts, node * 256u + (uint32_t)b)) == NULL)
            return -1;
        *slot = (uint32_t)(old >> 8);
    }
    *top = now;
    return 0;
}

/* ---- the predictor loop ---- */

typedef struct {
    int64_t hits, run, longest;
    uint32_t size, cap;                  /* contexts admitted, and the most allowed */
    uint32_t path[LZ_LENGTH + 1];        /* nodes of the contexts ending at s[i-1], by length */
    int depth;                           /* how many of them are in the trie */
} Score;

/* Add the contexts of lengths depth+1 .. 16 ending at s[i-1], followed by s[i] (step 3a).
 * While the dictionary has room all are admitted; when it fills up in this round, the longest
 * ones are (the shortest ones in the first round), and the refused shorter ones between the
 * walk's end and the admitted ones become internal nodes. Returns -1 when out of memory. */
static int add_contexts(Trie *t, Score *sc, const uint8_t *s, Py_ssize_t i)
{
    int want = LZ_LENGTH - sc->depth, take, lo, hi, j;
    if (want <= 0 || sc->size >= sc->cap)
        return 0;
    take = (uint32_t)want <= sc->cap - sc->size ? want : (int)(sc->cap - sc->size);
    lo = (i == LZ_LENGTH) ? sc->depth + 1 : LZ_LENGTH - take + 1;
    hi = lo + take - 1;
    for (j = sc->depth + 1; j <= hi; j++) {
        sc->path[j] = trie_add_child(t, sc->path[j - 1], s[i - j]);
        if (j >= lo && trie_count(t, sc->path[j], s[i]) < 0)
            return -1;
    }
    sc->depth = hi;
    sc->size += (uint32_t)take;
    return 0;
}

/* Step 3b on dense records: the child of context j-1 through s[i-j] is context j, and its top
 * is in the same record as its children. */
static int walk_dense(const Trie *t, Score *sc, const uint8_t *s, Py_ssize_t i)
{
    const uint64_t *rec = t->rec;
    size_t stride = (size_t)t->k + 1;
    uint64_t top = 0, info;
    uint32_t node = 0;
    int j, guess = -1;
    for (j = 1; j <= LZ_LENGTH; j++) {
        node = (uint32_t)rec[node * stride + 1 + s[i - j]];
        if (node == 0)
            break;
        sc->path[j] = node;
        info = rec[node * stride];
        if (info != 0 && (info >> 8) >= top) {          /* ties: the longer context */
            top = info >> 8;
            guess = (int)(info & 0xFF);
        }
    }
    sc->depth = j - 1;
    return guess;
}

/* Step 3a on dense records for the contexts found: trie_count without the sparse cases. */
static void count_dense(Trie *t, const Score *sc, int a)
{
    size_t stride = (size_t)t->k + 1;
    uint64_t *r, now;
    int d;
    for (d = 1; d <= sc->depth; d++) {
        r = &t->rec[sc->path[d] * stride];
        if (r[0] == 0)                                  /* internal node: not admitted */
            continue;
        r[1 + a] += (uint64_t)1 << 32;
        now = (r[1 + a] >> 32) << 8 | (uint64_t)a;
        if (now > r[0])                                 /* ties: the larger symbol */
            r[0] = now;
    }
}

/* Step 3b: find the contexts s[i-j .. i-1] in the trie, j = 1, 2, ... (sc->path and depth hold
 * those ending at s[i-2]) and guess. Context j is the child of context j-1 through s[i-j], or,
 * the same node, the forward shortcut of the last round's context j-1 through s[i-1]: the
 * shortcuts do not depend on one another, so their memory reads overlap (sparse tables, where
 * each child lookup is a hash probe). */
static int walk(Trie *t, Score *sc, const uint8_t *s, Py_ssize_t i)
{
    uint32_t last[LZ_LENGTH + 1], node, f;
    uint64_t top = 0, info;
    int j, before = sc->depth, guess = -1, a = s[i - 1];
    if (t->dense)
        return walk_dense(t, sc, s, i);
    memcpy(last, sc->path, sizeof(last));
    for (j = 1; j <= LZ_LENGTH; j++) {
        f = (j >= 2 && j - 1 <= before) ? t->fwd[last[j - 1]] : 0;
        node = (f != 0 && (int)(f & 0xFF) == a) ? f >> 8 : trie_child(t, sc->path[j - 1], s[i - j]);
        if (node == 0)
            break;
        sc->path[j] = node;
        if (j >= 2 && j - 1 <= before && f != (node << 8 | (uint32_t)a))
            t->fwd[last[j - 1]] = node << 8 | (uint32_t)a;
        info = t->top[node];
        if (info != 0 && (info >> 8) >= top) {          /* ties: the longer context */
            top = info >> 8;
            guess = (int)(info & 0xFF);
        }
    }
    sc->depth = j - 1;
    return guess;
}

/* One round i: walk and guess, score (rounds after the first), count. -1: out of memory. */
static int round_step(Trie *t, Score *sc, const uint8_t *s, Py_ssize_t i)
{
    int guess = walk(t, sc, s, i), d;
    if (i > LZ_LENGTH) {
        if (guess == s[i]) {
            sc->hits++;
            if (++sc->run > sc->longest)
                sc->longest = sc->run;
        } else {
            sc->run = 0;
        }
    }
    if (t->dense)
        count_dense(t, sc, s[i]);
    for (d = 1; !t->dense && d <= sc->depth; d++)
        if (t->top[sc->path[d]] != 0 && trie_count(t, sc->path[d], s[i]) < 0)
            return -1;
    return add_contexts(t, sc, s, i);
}

static int run_lz78y(const uint8_t *s, Py_ssize_t n, int k, uint32_t cap, Score *sc)
{
    Trie t;
    Py_ssize_t i;
    int status = trie_init(&t, k, cap + LZ_LENGTH + 1);
    memset(sc, 0, sizeof(*sc));
    sc->cap = cap;
    for (i = LZ_LENGTH; status == 0 && i < n; i++)
        status = round_step(&t, sc, s, i);
    trie_free(&t);
    return status;
}

/* Binary data: one direct table per length, entry (1 << j) | code of the last j bits, with
 * the two counts (an entry is in the dictionary when a count is nonzero). The 16 lookups of a
 * round are independent, so they overlap in memory. Same rules as above. -1: out of memory. */
static int run_binary(const uint8_t *s, Py_ssize_t n, uint32_t cap, Score *sc)
{
    uint32_t (*tab)[2] = calloc((size_t)2 << LZ_LENGTH, sizeof(*tab));
    uint32_t w = 0, top, *e[LZ_LENGTH + 1];
    Py_ssize_t i;
    int j, guess;
    if (tab == NULL)
        return -1;
    memset(sc, 0, sizeof(*sc));
    sc->cap = cap;
    for (j = 1; j <= LZ_LENGTH; j++)                  /* bit j-1 of w is s[i-j] */
        w |= (uint32_t)s[LZ_LENGTH - j] << (j - 1);
    for (i = LZ_LENGTH; i < n; i++) {
        for (top = 0, guess = -1, j = 1; j <= LZ_LENGTH; j++) {
            uint32_t *c = e[j] = tab[(1u << j) | (w & ((1u << j) - 1))];
            uint32_t most = c[1] >= c[0] ? c[1] : c[0];
            if (most > 0 && most >= top) {            /* ties: the longer context */
                top = most;
                guess = c[1] >= c[0];                 /* ties: the larger symbol */
            }
        }
        if (i > LZ_LENGTH) {
            sc->run = (guess == s[i]) ? sc->run + 1 : 0;
            sc->hits += (guess == s[i]);
            sc->longest = sc->run > sc->longest ? sc->run : sc->longest;
        }
        for (j = 1; j <= LZ_LENGTH; j++) {            /* first round shortest first */
            uint32_t *c = e[i == LZ_LENGTH ? j : LZ_LENGTH + 1 - j];
            if ((c[0] | c[1]) != 0 || sc->size < cap) {
                sc->size += (c[0] | c[1]) == 0;       /* a new entry is admitted */
                c[s[i]] += 1;
            }
        }
        w = ((w << 1) | s[i]) & 0xFFFFu;
    }
    free(tab);
    return 0;
}

/* ---- Python interface ---- */

/* Read a Python int argument into lo..hi; TypeError / ValueError naming it otherwise. */
static int int_arg(PyObject *obj, const char *name, long long lo, long long hi, long long *out)
{
    int overflow = 0;
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, got %R", name, obj);
        return -1;
    }
    *out = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    if (overflow != 0 || *out < lo || *out > hi) {
        PyErr_Format(PyExc_ValueError, "%s must be an integer in %lld..%lld, got %R",
                     name, lo, hi, obj);
        return -1;
    }
    return 0;
}

/* Check the buffer: bytes, at least 19 of them, every value below k. */
static int check_symbols(const Py_buffer *view, int k)
{
    const uint8_t *s = view->buf;
    Py_ssize_t i, n = view->len;
    if (view->itemsize != 1) {
        PyErr_Format(PyExc_TypeError, "symbols must be a buffer of bytes (uint8), got items "
                     "of %zd bytes", view->itemsize);
        return -1;
    }
    if (n < LZ_LENGTH + 3 || (uint64_t)n > 0xFFFFFFF0ULL) {
        PyErr_Format(PyExc_ValueError, "symbols must hold %d to 4294967280 samples for LZ78Y, "
                     "got %zd", LZ_LENGTH + 3, n);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (s[i] >= k) {
            PyErr_Format(PyExc_ValueError, "symbols must take values 0..%d (k=%d), got %d at "
                         "index %zd", k - 1, k, (int)s[i], i);
            return -1;
        }
    }
    return 0;
}

static PyObject *lz78y(PyObject *self, PyObject *args)
{
    Py_buffer view;
    PyObject *k_obj, *cap_obj = NULL;
    long long k, cap = LZ_DEFAULT_CAP;
    Score sc;
    int status;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*O|O", &view, &k_obj, &cap_obj))
        return NULL;
    if (int_arg(k_obj, "k", 2, 256, &k) < 0
        || (cap_obj != NULL && int_arg(cap_obj, "max_prefixes", 1, LZ_MAX_CAP, &cap) < 0)
        || check_symbols(&view, (int)k) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (k == 2)
        status = run_binary(view.buf, view.len, (uint32_t)cap, &sc);
    else
        status = run_lz78y(view.buf, view.len, (int)k, (uint32_t)cap, &sc);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (status < 0)
        return PyErr_NoMemory();
    return Py_BuildValue("(LL)", (long long)sc.hits, (long long)sc.longest);
}

static PyMethodDef methods[] = {
    {"lz78y", lz78y, METH_VARARGS,
     "lz78y(symbols, k, max_prefixes=65536) -> (hits, longest)\n\n"
     "LZ78Y predictor of SP 800-90B Sec. 6.3.10 on a uint8 buffer of symbols 0..k-1:\n"
     "the number of right guesses in rounds 17..n-1 (n - 17 guesses) and the longest run\n"
     "of right guesses, with NIST's tie rules and dictionary of at most max_prefixes contexts."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_clz78y",
    "C kernel of the LZ78Y prediction estimate (SP 800-90B Sec. 6.3.10).", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__clz78y(void)
{
    return PyModule_Create(&module);
}
