/*
 * _cbzip2: the length of a bzip2 stream without writing it, for the compression statistic of
 * the IID track's permutation tests (NIST SP 800-90B Sec. 5.1.11).
 *
 * bzip2_length(text, level, one_call=True) -> int
 *   The length of libbz2 1.0.8's stream for the text. With one_call (the default) it is the
 *   length NIST's tool gets from one call, BZ2_bzBuffToBuffCompress(..., 5, 0, 0); without,
 *   len(bz2.compress(text, level)) from Python's bz2 module (the same library, fed and then
 *   flushed). The two differ in one case only: when the last block is full exactly as the
 *   text ends (step 2 below), the one call adds the pending run to that block, while
 *   compress-then-flush closes it and writes the run as one more block.
 *
 * bzip2_decimal_length(symbols, alphabet, level, one_call=True) -> int
 *   bzip2_length of the samples alphabet[symbols] written as decimal text, "v " per value and
 *   no space after the last (the text NIST's tool compresses for Sec. 5.1.11), written byte by
 *   byte into step 2 below: the text (2 MB for 10^6 bits) is never held.
 *
 * The encoder's choices are deterministic and depend only on the block contents, so the bits
 * are counted instead of written, following the bzip2 format step by step:
 *   1. stream: "BZh" + level (32 bits), the blocks bit-packed back to back, then a 48-bit
 *      end magic and a 32-bit combined CRC; the whole padded to a byte at the very end.
 *   2. the first run-length step: a run of 4..255 equal bytes becomes 4 bytes and a count
 *      byte (a 256th equal byte starts a new run). A block is closed before the next input
 *      byte once it holds 100000 * level - 19 bytes; the run being read is then not yet in
 *      it and goes to the next block. At the end of the text the pending run is added to the
 *      open block, even a full one (one call); compress-then-flush first closes a full block
 *      and puts the run in a new one.
 *   3. per block: 48-bit magic, 32-bit CRC, 1 bit (randomised, always 0), 24-bit origin
 *      pointer; the map of bytes used (16 bits + 16 per used range of 16 bytes); the
 *      Burrows-Wheeler transform of the block's cyclic rotations, move-to-front coded with
 *      zero runs written in bijective base 2 (RUNA, RUNB) and an end-of-block symbol; 2..6
 *      Huffman tables (by the number of MTF values), first tables cut from the symbol
 *      frequencies, then 4 rounds of choosing a table per group of 50 values (lowest cost,
 *      ties to the lowest table) and rebuilding the tables from what each coded; the code
 *      lengths (at most 17: frequencies halved and the tree rebuilt until they fit), the
 *      selectors (move-to-front, unary), the code lengths delta-coded, and the coded values.
 * The rotations are sorted with a linear-time suffix array (induced sorting, SA-IS, as in
 * _c/suffix.c) of the block turned to its least rotation (see bwt()); rotations that are equal
 * give the same BWT byte, so the order among them, and the origin pointer (24 bits whatever
 * its value), do not change the length. libbz2's own sort slows down on repetitive blocks;
 * this one does not. No CRC is computed: it is 32 bits whatever its value.
 * Working memory: the block, the turned block, its int32 suffix array and the sort's type
 * bytes (7 bytes per block byte), plus the sort's smaller recursion levels: about 0.8 MB per
 * level (of 1..9), and no more than the text needs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define HAVE_MMAP 1
#endif

typedef int32_t idx;

/* Working memory straight from the system (mmap), given back in full on release. Through
 * malloc, glibc would keep the freed megabytes of each call in its per-thread arenas (its mmap
 * threshold rises to the largest block freed), so two threads of permutation tests held about
 * 9 MB more at their peak. A 16-byte header keeps the size for the release. */
static void *work_alloc(size_t size)
{
#ifdef HAVE_MMAP
    void *p = mmap(NULL, size + 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    *(size_t *)p = size + 16;
    return (char *)p + 16;
#else
    return PyMem_RawMalloc(size);
#endif
}

static void work_free(void *p)
{
    if (p == NULL)
        return;
#ifdef HAVE_MMAP
    char *start = (char *)p - 16;
    munmap(start, *(size_t *)start);
#else
    PyMem_RawFree(p);
#endif
}

#define GROUP 50           /* MTF values per selector group */
#define MAX_TABLES 6
#define MAX_CODE 17        /* longest Huffman code libbz2 allows (since 1.0.3) */
#define MAX_ALPHA 258      /* 256 MTF positions + RUNA/RUNB offset + end of block */
#define ROUNDS 4           /* table refinement rounds */

/* ------------------------------------------------------------------ suffix array (SA-IS) */

/* A text to sort: level 0 is bytes, deeper levels are int32 names of LMS substrings. */
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

/* 1 = S type (suffix smaller than the next one), 0 = L; the last position is L. */
static void classify(const Text *text, uint8_t *stype)
{
    const Text copy = *text, *t = &copy;     /* a local copy: stores to sa cannot alias it */
    stype[t->n - 1] = 0;
    for (idx i = t->n - 2; i >= 0; i--) {
        idx a = at(t, i), b = at(t, i + 1);
        stype[i] = (uint8_t)(a < b || (a == b && stype[i + 1]));
    }
}

static inline int is_lms(const uint8_t *stype, idx i)
{
    return i > 0 && stype[i] && !stype[i - 1];
}

/* Number of each symbol in t (once per level; every bucket pass starts from it). */
static void count_symbols(const Text *text, idx *cnt)
{
    const Text copy = *text, *t = &copy;     /* a local copy: stores to sa cannot alias it */
    memset(cnt, 0, (size_t)t->alphabet * sizeof(idx));
    for (idx i = 0; i < t->n; i++)
        cnt[at(t, i)]++;
}

/* First slot of each symbol's bucket (ends = 0) or one past its last (ends = 1). */
static void buckets(const Text *t, const idx *cnt, idx *bkt, int ends)
{
    idx sum = 0;
    for (idx c = 0; c < t->alphabet; c++) {
        sum += cnt[c];
        bkt[c] = ends ? sum : sum - cnt[c];
    }
}

/* L suffixes left to right from the placed ones, then S suffixes right to left. No type
 * array: an entry is stored complemented (~j) when the suffix before it must not be induced
 * in this scan (an S suffix in the L scan, an L suffix in the S scan), which the bytes
 * around it tell; a scan turns the entries it passes back to plain. 0 marks an empty slot. */
static void induce(const Text *text, idx *sa, const idx *cnt, idx *bkt)
{
    const Text copy = *text, *t = &copy;     /* a local copy: stores to sa cannot alias it */
    idx n = t->n, j = n - 1;
    buckets(t, cnt, bkt, 0);
    sa[bkt[at(t, j)]++] = j > 0 && at(t, j - 1) < at(t, j) ? ~j : j;   /* before the end: L */
    for (idx i = 0; i < n; i++) {
        j = sa[i];
        sa[i] = ~j;
        if (j > 0) {
            idx c = at(t, --j);
            sa[bkt[c]++] = j > 0 && at(t, j - 1) < c ? ~j : j;
        }
    }
    buckets(t, cnt, bkt, 1);
    for (idx i = n - 1; i >= 0; i--) {
        j = sa[i];
        if (j > 0) {
            idx c = at(t, --j);
            sa[--bkt[c]] = j == 0 || at(t, j - 1) > c ? ~j : j;
        } else {
            sa[i] = ~j;
        }
    }
}

/* Do the LMS substrings at a and b differ (symbols or types; the end of text is unique)? */
static int lms_differ(const Text *text, const uint8_t *stype, idx a, idx b)
{
    const Text copy = *text, *t = &copy;     /* a local copy: stores to sa cannot alias it */
    for (idx d = 0;; d++) {
        if (a + d == t->n || b + d == t->n)
            return 1;
        if (at(t, a + d) != at(t, b + d) || stype[a + d] != stype[b + d])
            return 1;
        if (d > 0 && is_lms(stype, a + d))
            return 0;
    }
}

/* Name the sorted LMS substrings; the reduced string goes to sa[n - n1 .. n-1]. */
static idx name_lms(const Text *text, const uint8_t *stype, idx *sa, idx *names)
{
    const Text copy = *text, *t = &copy;     /* a local copy: stores to sa cannot alias it */
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
        sa[n1 + pos / 2] = name - 1;
    }
    for (idx i = n - 1, j = n - 1; i >= n1; i--)
        if (sa[i] >= 0)
            sa[j--] = sa[i];
    *names = name;
    return n1;
}

static int sais(const Text *t, idx *sa);

/* Sort the LMS suffixes (recursing if names repeat) and put them at their bucket ends. */
static int sort_lms(const Text *t, const uint8_t *stype, idx *sa, const idx *cnt, idx *bkt,
                    idx n1, idx names)
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
    for (idx i = 1, j = 0; i < n; i++)
        if (is_lms(stype, i))
            reduced[j++] = i;
    for (idx i = 0; i < n1; i++)
        sa[i] = reduced[sa[i]];
    for (idx i = n1; i < n; i++)
        sa[i] = 0;
    buckets(t, cnt, bkt, 1);
    for (idx i = n1 - 1; i >= 0; i--) {
        idx j = sa[i];
        sa[i] = 0;
        sa[--bkt[at(t, j)]] = j;
    }
    return 0;
}

/* Suffix array of t into sa. Returns 0, or -1 if out of memory. */
static int sais(const Text *t, idx *sa)
{
    idx n = t->n, names = 0;
    if (n <= 1) {
        if (n == 1)
            sa[0] = 0;
        return 0;
    }
    uint8_t *stype = work_alloc((size_t)n);
    idx *cnt = work_alloc(2 * (size_t)t->alphabet * sizeof(idx)), *bkt = cnt + t->alphabet;
    int status = -1;
    if (stype == NULL || cnt == NULL)
        goto done;
    classify(t, stype);
    count_symbols(t, cnt);
    memset(sa, 0, (size_t)n * sizeof(idx));
    buckets(t, cnt, bkt, 1);
    for (idx i = 1; i < n; i++)                 /* LMS suffixes at their bucket ends */
        if (is_lms(stype, i))
            sa[--bkt[at(t, i)]] = i;
    induce(t, sa, cnt, bkt);             /* sorts the LMS substrings */
    idx n1 = name_lms(t, stype, sa, &names);
    if (sort_lms(t, stype, sa, cnt, bkt, n1, names) != 0)
        goto done;
    induce(t, sa, cnt, bkt);             /* sorts every suffix */
    status = 0;
done:
    work_free(stype);
    work_free(cnt);
    return status;
}

/* ------------------------------------------------------------------ one block */

typedef struct {
    uint8_t *block;      /* the block after the run-length step */
    uint8_t *turned;     /* the block turned to its least rotation; then its BWT */
    idx *sa;             /* suffix array of turned; then the MTF values (uint16) */
    uint8_t *selector;   /* table chosen for each group of 50 MTF values */
    idx capacity;        /* bytes a block may hold before it is closed */
} Work;

/* Start of the least rotation of s[0 .. n-1] (two candidates compared until one loses). */
static idx least_rotation(const uint8_t *s, idx n)
{
    idx i = 0, j = 1, k = 0;
    while (i < n && j < n && k < n) {
        uint8_t a = s[i + k < n ? i + k : i + k - n], b = s[j + k < n ? j + k : j + k - n];
        if (a == b) {
            k++;
            continue;
        }
        if (a > b)
            i += k + 1;                       /* no rotation in i .. i+k can be least */
        else
            j += k + 1;
        if (i == j)
            j++;
        k = 0;
    }
    return i < j ? i : j;
}

/* BWT of the block's cyclic rotations into w->turned[0 .. n-1]. Returns 0 or -1 (memory).
 * The block is first turned to its least rotation r (a power of a Lyndon word): then two
 * suffixes compare as their rotations do whenever the rotations differ, so the suffix array
 * of the turned block is an order of its rotations, and equal rotations give equal bytes. */
static int bwt(Work *w, idx n)
{
    idx r = least_rotation(w->block, n);
    memcpy(w->turned, w->block + r, (size_t)(n - r));
    memcpy(w->turned + n - r, w->block, (size_t)r);
    Text t = {w->turned, NULL, n, 256};
    if (sais(&t, w->sa) != 0)
        return -1;
    for (idx i = 0; i < n; i++) {             /* the byte before each rotation, in order */
        idx p = w->sa[i] + r;                 /* where the rotation starts in the block (+ n) */
        p = p == 0 ? n - 1 : p - 1;
        w->turned[i] = w->block[p < n ? p : p - n];
    }
    return 0;
}

/* Append a zero run of `run` (>= 1) in bijective base 2: RUNA = 0 (digit 1), RUNB = 1. */
static idx put_zero_run(uint16_t *mtf, idx wr, idx run, int64_t *freq)
{
    run--;
    for (;;) {
        uint16_t sym = (uint16_t)(run & 1);
        mtf[wr++] = sym;
        freq[sym]++;
        if (run < 2)
            break;
        run = (run - 2) / 2;
    }
    return wr;
}

/* MTF values of the BWT with zero runs and end of block (into w->sa as uint16); returns the
 * count. seq[b] = rank of byte b among the bytes used; used = how many. */
static idx mtf_values(Work *w, idx n, const uint8_t *seq, int used, int64_t *freq)
{
    uint16_t *mtf = (uint16_t *)w->sa;
    uint8_t order[256];
    for (int i = 0; i < used; i++)
        order[i] = (uint8_t)i;
    idx wr = 0, zeros = 0;
    for (idx i = 0; i < n; i++) {
        uint8_t c = seq[w->turned[i]];
        if (order[0] == c) {
            zeros++;
            continue;
        }
        if (zeros > 0) {
            wr = put_zero_run(mtf, wr, zeros, freq);
            zeros = 0;
        }
        int j = 1;                                 /* shift until c is found */
        uint8_t carry = order[0];
        while (order[j] != c) {
            uint8_t next = order[j];
            order[j] = carry;
            carry = next;
            j++;
        }
        order[j] = carry;
        order[0] = c;
        mtf[wr++] = (uint16_t)(j + 1);
        freq[j + 1]++;
    }
    if (zeros > 0)
        wr = put_zero_run(mtf, wr, zeros, freq);
    mtf[wr++] = (uint16_t)(used + 1);             /* end of block */
    freq[used + 1]++;
    return wr;
}

/* ------------------------------------------------------------------ Huffman tables */

/* A node's weight: frequency << 8, plus its depth in the low byte (the tree's height breaks
 * ties between equal frequencies, as in libbz2). */
static inline int32_t join(int32_t a, int32_t b)
{
    int32_t da = a & 0xff, db = b & 0xff;
    return ((a & ~0xff) + (b & ~0xff)) | (1 + (da > db ? da : db));
}

/* Binary min-heap of node numbers by weight; heap[0] = node 0 of weight 0 is the sentinel. */
static void sift_up(idx *heap, const int32_t *weight, idx z)
{
    idx node = heap[z];
    while (weight[node] < weight[heap[z >> 1]]) {
        heap[z] = heap[z >> 1];
        z >>= 1;
    }
    heap[z] = node;
}

static void sift_down(idx *heap, const int32_t *weight, idx size)
{
    idx z = 1, node = heap[1];
    for (;;) {
        idx child = z << 1;
        if (child > size)
            break;
        if (child < size && weight[heap[child + 1]] < weight[heap[child]])
            child++;
        if (weight[node] < weight[heap[child]])
            break;
        heap[z] = heap[child];
        z = child;
    }
    heap[z] = node;
}

/* Pop the lightest node of a heap of `*size` (>= 1) nodes. */
static idx pop(idx *heap, const int32_t *weight, idx *size)
{
    idx top = heap[1];
    heap[1] = heap[(*size)--];
    sift_down(heap, weight, *size);
    return top;
}

/* Huffman code lengths of `alpha` symbols (a frequency of 0 counts as 1): build the tree by
 * pairing the two lightest nodes; while a code is longer than MAX_CODE, halve the leaf
 * frequencies (f -> 1 + f/2) and build again. */
static void code_lengths(uint8_t *len, const int64_t *freq, int alpha)
{
    int32_t weight[2 * MAX_ALPHA];
    idx heap[MAX_ALPHA + 2], parent[2 * MAX_ALPHA];
    for (int i = 0; i < alpha; i++)
        weight[i + 1] = (int32_t)((freq[i] == 0 ? 1 : freq[i]) << 8);
    for (;;) {
        idx nodes = alpha, size = 0;
        heap[0] = 0;
        weight[0] = 0;
        parent[0] = -2;
        for (idx i = 1; i <= alpha; i++) {
            parent[i] = -1;
            heap[++size] = i;
            sift_up(heap, weight, size);
        }
        while (size > 1) {
            idx a = pop(heap, weight, &size), b = pop(heap, weight, &size);
            nodes++;
            parent[a] = parent[b] = nodes;
            weight[nodes] = join(weight[a], weight[b]);
            parent[nodes] = -1;
            heap[++size] = nodes;
            sift_up(heap, weight, size);
        }
        int too_long = 0;
        for (idx i = 1; i <= alpha; i++) {
            int depth = 0;
            for (idx k = i; parent[k] >= 0; k = parent[k])
                depth++;
            len[i - 1] = (uint8_t)depth;
            too_long |= depth > MAX_CODE;
        }
        if (!too_long)
            return;
        for (idx i = 1; i <= alpha; i++)
            weight[i] = (1 + (weight[i] >> 8) / 2) << 8;
    }
}

/* Number of tables libbz2 uses for nmtf MTF values. */
static int table_count(idx nmtf)
{
    return nmtf < 200 ? 2 : nmtf < 600 ? 3 : nmtf < 1200 ? 4 : nmtf < 2400 ? 5 : 6;
}

/* First tables: consecutive ranges of symbols of about equal total frequency, table
 * `part - 1` getting cost 0 on its range and 15 elsewhere. */
static void first_tables(uint8_t len[][MAX_ALPHA], int tables, const int64_t *freq, int alpha,
                         idx nmtf)
{
    int64_t remaining = nmtf;
    int start = 0;
    for (int part = tables; part > 0; part--) {
        int64_t target = remaining / part, got = 0;
        int end = start - 1;
        while (got < target && end < alpha - 1)
            got += freq[++end];
        if (end > start && part != tables && part != 1 && (tables - part) % 2 == 1)
            got -= freq[end--];                  /* every other inner range gives one back */
        for (int v = 0; v < alpha; v++)
            len[part - 1][v] = (uint8_t)(v >= start && v <= end ? 0 : 15);
        start = end + 1;
        remaining -= got;
    }
}

/* One refinement round: each group of 50 values takes its cheapest table (the first on a
 * tie); then each table is rebuilt from the values it was chosen for. Returns the groups.
 * The costs of tables 0-3 and 4-5 are summed in 16-bit lanes of two words (at most
 * 50 * 17 = 850 each, so no lane overflows). */
static idx refine(uint8_t len[][MAX_ALPHA], int tables, int alpha, const uint16_t *mtf,
                  idx nmtf, uint8_t *selector)
{
    int64_t freq[MAX_TABLES][MAX_ALPHA];
    uint32_t spread[MAX_TABLES][2][MAX_ALPHA];
    uint64_t low[MAX_ALPHA], high[MAX_ALPHA];
    memset(spread, 0, sizeof(spread));
    for (int v = 0; v < alpha; v++) {
        low[v] = high[v] = 0;
        for (int t = 0; t < tables; t++) {
            if (t < 4)
                low[v] |= (uint64_t)len[t][v] << (16 * t);
            else
                high[v] |= (uint64_t)len[t][v] << (16 * (t - 4));
        }
    }
    idx groups = 0;
    for (idx gs = 0; gs < nmtf; gs += GROUP) {
        idx ge = gs + GROUP < nmtf ? gs + GROUP : nmtf;
        uint64_t lanes[2] = {0, 0};
        for (idx i = gs; i < ge; i++) {
            lanes[0] += low[mtf[i]];
            lanes[1] += high[mtf[i]];
        }
        int best = 0, best_cost = (int)(lanes[0] & 0xffff);
        for (int t = 1; t < tables; t++) {
            int cost = (int)((lanes[t / 4] >> (16 * (t % 4))) & 0xffff);
            if (cost < best_cost) {
                best = t;
                best_cost = cost;
            }
        }
        selector[groups++] = (uint8_t)best;
        for (idx i = gs; i < ge; i++)            /* two counters: repeats do not stall */
            spread[best][i & 1][mtf[i]]++;
    }
    for (int t = 0; t < tables; t++) {
        for (int v = 0; v < alpha; v++)
            freq[t][v] = (int64_t)spread[t][0][v] + spread[t][1][v];
        code_lengths(len[t], freq[t], alpha);
    }
    return groups;
}

/* Bits of the selectors: move-to-front positions, each in unary (position + 1 bits). */
static int64_t selector_bits(const uint8_t *selector, idx groups, int tables)
{
    uint8_t order[MAX_TABLES];
    int64_t bits = 0;
    for (int t = 0; t < tables; t++)
        order[t] = (uint8_t)t;
    for (idx g = 0; g < groups; g++) {
        int j = 0;
        while (order[j] != selector[g])
            j++;
        memmove(order + 1, order, (size_t)j);
        order[0] = selector[g];
        bits += j + 1;
    }
    return bits;
}

/* Bits of the code lengths: 5 for the first, then per symbol 2 per step of +-1 and a 0 bit. */
static int64_t length_bits(uint8_t len[][MAX_ALPHA], int tables, int alpha)
{
    int64_t bits = 0;
    for (int t = 0; t < tables; t++) {
        int current = len[t][0];
        bits += 5;
        for (int v = 0; v < alpha; v++) {
            int step = len[t][v] - current;
            bits += 2 * (step < 0 ? -step : step) + 1;
            current = len[t][v];
        }
    }
    return bits;
}

/* Bits of the Huffman part of a block: table count, selectors, code lengths, coded values. */
static int64_t huffman_bits(const uint16_t *mtf, idx nmtf, const int64_t *freq, int alpha,
                            uint8_t *selector)
{
    uint8_t len[MAX_TABLES][MAX_ALPHA];
    int tables = table_count(nmtf);
    idx groups = 0;
    first_tables(len, tables, freq, alpha, nmtf);
    for (int round = 0; round < ROUNDS; round++)
        groups = refine(len, tables, alpha, mtf, nmtf, selector);
    int64_t bits = 3 + 15 + selector_bits(selector, groups, tables) +
                   length_bits(len, tables, alpha);
    for (idx g = 0; g < groups; g++) {
        const uint8_t *code = len[selector[g]];
        idx end = (g + 1) * GROUP < nmtf ? (g + 1) * GROUP : nmtf;
        for (idx i = g * GROUP; i < end; i++)
            bits += code[mtf[i]];
    }
    return bits;
}

/* Bits of one block of n >= 1 bytes (w->block). Returns -1 if out of memory. */
static int64_t block_bits(Work *w, idx n)
{
    int in_use[256] = {0}, used = 0, ranges = 0;
    uint8_t seq[256];
    for (idx i = 0; i < n; i++)
        in_use[w->block[i]] = 1;
    for (int b = 0; b < 256; b++)
        if (in_use[b])
            seq[b] = (uint8_t)used++;
    for (int r = 0; r < 16; r++) {
        int any = 0;
        for (int b = 16 * r; b < 16 * r + 16; b++)
            any |= in_use[b];
        ranges += any;
    }
    if (bwt(w, n) != 0)
        return -1;
    int64_t freq[MAX_ALPHA] = {0};
    idx nmtf = mtf_values(w, n, seq, used, freq);
    int64_t bits = 48 + 32 + 1 + 24 + 16 + 16 * ranges;
    return bits + huffman_bits((const uint16_t *)w->sa, nmtf, freq, used + 2, w->selector);
}

/* ------------------------------------------------------------------ the stream */

/* Append a run of `run` (1..255) bytes c: up to 3 as they are, else 4 and a count byte. */
static idx put_run(uint8_t *block, idx n, uint8_t c, int run)
{
    for (int i = 0; i < (run < 4 ? run : 4); i++)
        block[n++] = c;
    if (run >= 4)
        block[n++] = (uint8_t)(run - 4);
    return n;
}

/* Add the bits of the block w->block[0 .. *n-1] (if any) to *bits and empty it. */
static int close_block(Work *w, idx *n, int64_t *bits)
{
    if (*n > 0) {
        int64_t b = block_bits(w, *n);
        if (b < 0)
            return -1;
        *bits += b;
    }
    *n = 0;
    return 0;
}

/* The run-length step and the block cut, fed one byte at a time. */
typedef struct {
    Work *w;
    int64_t bits;        /* bits of the blocks closed so far, header and end included */
    idx n;               /* bytes in the open block */
    int ch, run;         /* the run being read (ch 256: none yet) */
} Stream;

static void stream_start(Stream *st, Work *w)
{
    st->w = w;
    st->bits = 32 + 48 + 32;                      /* header; end magic and combined CRC */
    st->n = 0;
    st->ch = 256;
    st->run = 0;
}

/* Take one byte of text: 0, or -1 if out of memory. */
static inline int stream_byte(Stream *st, uint8_t c)
{
    if (st->n >= st->w->capacity && close_block(st->w, &st->n, &st->bits) != 0)
        return -1;
    if (c == st->ch && st->run < 255) {
        st->run++;
        return 0;
    }
    if (st->ch < 256)
        st->n = put_run(st->w->block, st->n, (uint8_t)st->ch, st->run);
    st->ch = c;
    st->run = 1;
    return 0;
}

/* Bits of the whole stream (before the final padding) once the text has ended, or -1. */
static int64_t stream_end(Stream *st, int one_call)
{
    if (!one_call && st->n >= st->w->capacity && close_block(st->w, &st->n, &st->bits) != 0)
        return -1;
    if (st->ch < 256)
        st->n = put_run(st->w->block, st->n, (uint8_t)st->ch, st->run);
    if (close_block(st->w, &st->n, &st->bits) != 0)
        return -1;
    return st->bits;
}

/* Bits of the stream for text[0 .. size-1], or -1 if out of memory. */
static int64_t stream_bits(const uint8_t *text, Py_ssize_t size, Work *w, int one_call)
{
    Stream st;
    stream_start(&st, w);
    for (Py_ssize_t i = 0; i < size; i++)
        if (stream_byte(&st, text[i]) != 0)
            return -1;
    return stream_end(&st, one_call);
}

/* "v " for each raw value v (3 digits at most), and its length; the text's length. */
typedef struct {
    char word[256][5];
    int length[256];
} Words;

static Py_ssize_t decimal_size(const uint8_t *s, Py_ssize_t n, const uint8_t *raw, Py_ssize_t k,
                               Words *words)
{
    for (Py_ssize_t v = 0; v < k; v++)
        words->length[v] = snprintf(words->word[v], sizeof words->word[v], "%u ", raw[v]);
    Py_ssize_t size = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        size += words->length[s[i]];
    return size > 0 ? size - 1 : 0;               /* no space after the last value */
}

/* Bits of the stream for the decimal text of raw[s[0]], ..., raw[s[n-1]], or -1. */
static int64_t decimal_bits(const uint8_t *s, Py_ssize_t n, const Words *words, Work *w,
                            int one_call)
{
    Stream st;
    stream_start(&st, w);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *word = words->word[s[i]];
        int len = words->length[s[i]] - (i == n - 1);
        for (int j = 0; j < len; j++)
            if (stream_byte(&st, (uint8_t)word[j]) != 0)
                return -1;
    }
    return stream_end(&st, one_call);
}

static void free_work(Work *w)
{
    work_free(w->block);
    work_free(w->turned);
    work_free(w->sa);
    work_free(w->selector);
}

/* Buffers for blocks of this text and level (no larger than the text needs). */
static int alloc_work(Work *w, Py_ssize_t size, int level)
{
    w->capacity = 100000 * level - 19;
    Py_ssize_t most = (Py_ssize_t)w->capacity + 8;   /* a run of 4+ may pass the capacity */
    if (size + size / 4 + 8 < most)
        most = size + size / 4 + 8;                 /* the run-length step adds <= 1 in 4 */
    w->block = work_alloc((size_t)most);
    w->turned = work_alloc((size_t)most);
    w->sa = work_alloc((size_t)most * sizeof(idx));
    w->selector = work_alloc((size_t)most / GROUP + 4);
    if (w->block && w->turned && w->sa && w->selector)
        return 0;
    free_work(w);
    return -1;
}

/* The level (1..9) and one_call (a bool) arguments: 0, or -1 with an exception set. */
static int check_options(PyObject *level_obj, PyObject *one_call_obj, int *level, int *one_call)
{
    if (!PyLong_Check(level_obj) || PyBool_Check(level_obj)) {
        PyErr_Format(PyExc_TypeError, "level must be an int in 1..9, got %R", level_obj);
        return -1;
    }
    long value = PyLong_AsLong(level_obj);
    if (value == -1 && PyErr_Occurred())
        PyErr_Clear();
    if (value < 1 || value > 9) {
        PyErr_Format(PyExc_ValueError, "level must be a bzip2 block size in 1..9, got %R",
                     level_obj);
        return -1;
    }
    if (!PyBool_Check(one_call_obj)) {
        PyErr_Format(PyExc_TypeError, "one_call must be True or False, got %R", one_call_obj);
        return -1;
    }
    *level = (int)value;
    *one_call = one_call_obj == Py_True;
    return 0;
}

/* The byte count of a stream of `bits` bits, or MemoryError when bits < 0. */
static PyObject *stream_bytes(int64_t bits)
{
    if (bits < 0)
        return PyErr_NoMemory();
    return PyLong_FromLongLong((long long)((bits + 7) / 8));
}

/* bzip2_length(text, level, one_call=True): check the arguments, count the bits, release the
   buffer. */
static PyObject *bzip2_length(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"text", "level", "one_call", NULL};
    PyObject *text, *level_obj, *one_call_obj = Py_True;
    Py_buffer view;
    int level, one_call;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O", keywords, &text, &level_obj,
                                     &one_call_obj)
            || check_options(level_obj, one_call_obj, &level, &one_call) != 0)
        return NULL;
    if (PyObject_GetBuffer(text, &view, PyBUF_SIMPLE) != 0) {
        PyErr_Format(PyExc_TypeError, "text must be a contiguous bytes-like object, got %s",
                     Py_TYPE(text)->tp_name);
        return NULL;
    }
    Work w;
    int64_t bits = -1;
    if (alloc_work(&w, view.len, level) == 0) {
        Py_BEGIN_ALLOW_THREADS
        bits = stream_bits(view.buf, view.len, &w, one_call);
        Py_END_ALLOW_THREADS
        free_work(&w);
    }
    PyBuffer_Release(&view);
    return stream_bytes(bits);
}

/* symbols (bytes 0..k-1) against alphabet (k = 1..256 raw values): 0, or -1 with ValueError. */
static int check_samples(const Py_buffer *sym, const Py_buffer *alpha)
{
    if (alpha->len < 1 || alpha->len > 256) {
        PyErr_Format(PyExc_ValueError, "alphabet must hold 1..256 raw values, got %zd", alpha->len);
        return -1;
    }
    const uint8_t *s = sym->buf;
    uint8_t top = 0;
    for (Py_ssize_t i = 0; i < sym->len; i++)
        top = s[i] > top ? s[i] : top;
    if (sym->len > 0 && top >= alpha->len) {
        PyErr_Format(PyExc_ValueError, "symbols must hold symbols 0..%zd (one per alphabet "
                     "value), got %d", alpha->len - 1, (int)top);
        return -1;
    }
    return 0;
}

/* bzip2_decimal_length(symbols, alphabet, level, one_call=True): bzip2_length of the decimal
   text of alphabet[symbols] ("v " per value, no space after the last), written byte by byte
   into the run-length step, so the text is never held. */
static PyObject *bzip2_decimal_length(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"symbols", "alphabet", "level", "one_call", NULL};
    PyObject *level_obj, *one_call_obj = Py_True;
    Py_buffer sym, alpha;
    int level, one_call;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*O|O", keywords, &sym, &alpha, &level_obj,
                                     &one_call_obj))
        return NULL;
    PyObject *result = NULL;
    if (check_options(level_obj, one_call_obj, &level, &one_call) == 0
            && check_samples(&sym, &alpha) == 0) {
        Words words;
        Work w;
        int64_t bits = -1;
        Py_ssize_t size = decimal_size(sym.buf, sym.len, alpha.buf, alpha.len, &words);
        if (alloc_work(&w, size, level) == 0) {
            Py_BEGIN_ALLOW_THREADS
            bits = decimal_bits(sym.buf, sym.len, &words, &w, one_call);
            Py_END_ALLOW_THREADS
            free_work(&w);
        }
        result = stream_bytes(bits);
    }
    PyBuffer_Release(&sym);
    PyBuffer_Release(&alpha);
    return result;
}

static PyMethodDef methods[] = {
    {"bzip2_length", (PyCFunction)(void (*)(void))bzip2_length, METH_VARARGS | METH_KEYWORDS,
     "bzip2_length(text, level, one_call=True) -> int\n\n"
     "Bytes of libbz2 1.0.8's stream for text: from one BZ2_bzBuffToBuffCompress call (as\n"
     "NIST's tool), or with one_call=False len(bz2.compress(text, level)); counted without\n"
     "writing the stream, with a linear-time sort of each block (SP 800-90B Sec. 5.1.11)."},
    {"bzip2_decimal_length", (PyCFunction)(void (*)(void))bzip2_decimal_length,
     METH_VARARGS | METH_KEYWORDS,
     "bzip2_decimal_length(symbols, alphabet, level, one_call=True) -> int\n\n"
     "bzip2_length of the samples alphabet[symbols] written as decimal text separated by\n"
     "single spaces (the text of Sec. 5.1.11), without ever holding the text."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cbzip2",
    "Length of a bzip2 stream for the compression statistic (C kernel).", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cbzip2(void)
{
    return PyModule_Create(&module);
}
