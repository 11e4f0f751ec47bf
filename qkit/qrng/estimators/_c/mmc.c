/*
 * _cmmc: the MultiMMC prediction estimate's loop (NIST SP 800-90B Sec. 6.3.9) in C.
 *
 * multi_mmc(symbols, k, max_entries=100000) -> (hits, longest)
 *
 * Sixteen Markov models of orders d + 1 = 1..16 guess each sample S[i] from the d + 1
 * samples before it; a scoreboard (steps 3e-f of Sec. 6.3.7, see _scoreboard.py) picks which
 * model's guess counts.  ``hits`` is the number of rounds i = 2..n-1 the picked model guessed
 * right and ``longest`` the longest run of such rounds.  The loop follows qkit's reference
 * (reference.multi_mmc) and numpy path (predictors.multi_mmc_estimate) rule for rule:
 *
 * - Each order keeps counts of (prefix, next) entries.  An entry is admitted in time order,
 *   when it first occurs, while its order holds fewer than 100,000 entries (MAX_ENTRIES;
 *   the optional argument max_entries sets another cap, for tests against the reference);
 *   once the order is full no entry is ever added, but admitted entries keep counting.
 * - An order guesses the next symbol with the largest count after its prefix; among equal
 *   counts the larger symbol wins.  Counts only grow, so the best (count, symbol) of each
 *   prefix is kept up to date on every increment, as NIST's tool does.
 * - An order whose prefix has no admitted entry makes no guess, and then no higher order
 *   guesses either in that round (NIST's found_x; numpy: logical_and.accumulate).  Every
 *   order's counts are updated in every round all the same, as the reference does.
 * - Within a round every order guesses from the counts before the round (an order's update
 *   touches only its own table, so guess and update are done order by order).
 *
 * Tables (none of this changes a number, only where the counts live):
 * - k = 2: counts direct-indexed by the prefix bits (order d: 2^(d+1) prefixes x 2 counts,
 *   1 MiB for all orders).
 * - k = 3, 4: 2-bit codes; orders 1-8 direct-indexed (4 counts per code, 1.4 MiB), orders
 *   9-16 in open-addressing tables keyed by the code (linear probing, doubled at load 0.8).
 * - k >= 5: low orders direct-indexed while an order's table fits in DIRECT_BYTES; higher
 *   orders in a prefix table keyed by the packed code of the prefix when it fits in 63 bits
 *   (exact), else by a rolling hash checked against the sequence with memcmp (the slot
 *   stores where the prefix starts).  A prefix slot holds the best count and guess and an
 *   id; the counts sit in an entry table keyed by id * k + y, except the guessed symbol's,
 *   which is kept in the slot (so a right guess costs one lookup).
 * - Skipping: when an order's prefix is absent, the next order's is too unless that order
 *   admitted an entry after the lower one filled up (see Skip); a full order with an absent
 *   prefix has nothing to do.  This keeps random data from probing the top orders' tables.
 * Counts are 32-bit, so n must be below 2^32 - 1; scores and hits are 64-bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ORDERS 16
#define MAX_ENTRIES 100000  /* entries an order admits at most (MMC_MAX_ENTRIES) */
#define MAX_CAP 16000000    /* largest max_entries argument */
#define MAX_LATE 8          /* late prefixes an order lists for skipping */
#define START_BITS 6        /* first table size: 2^6 slots */
#define DIRECT_BYTES (2u << 20) /* largest direct-indexed order */

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)   /* a hint: loads a cache line early */
#else
#define PREFETCH(p) ((void)0)
#endif

/* ---- scoreboard ------------------------------------------------------------------ */

typedef struct {
    int64_t score[ORDERS];
    int winner;
    int64_t hits, run, longest;
} Board;

/* Index of the lowest set bit of x (x != 0). */
static int lowest_bit(unsigned x)
{
#if defined(__GNUC__)
    return __builtin_ctz(x);
#else
    int d = 0;
    while (!((x >> d) & 1u))
        d++;
    return d;
#endif
}

/* One round: `right` has bit d set when order d + 1 guessed right.  The winner before the
   round is the ensemble's guess; an order that was right gains a point and becomes the
   winner when its score reaches the winner's (orders in increasing d). */
static void board_round(Board *b, unsigned right)
{
    int used = b->winner;
    for (unsigned rest = right; rest != 0; rest &= rest - 1) {
        int d = lowest_bit(rest);
        b->score[d]++;
        b->winner = b->score[d] >= b->score[b->winner] ? d : b->winner;
    }
    if ((right >> used) & 1u) {
        b->hits++;
        b->run++;
        if (b->run > b->longest)
            b->longest = b->run;
    } else {
        b->run = 0;
    }
}

/* ---- binary data: direct-indexed counts ------------------------------------------ */

/* Order d's counts start at 2^(d+2) - 4: 2^(d+1) prefixes, two counts each. */
static int mmc_binary(const uint8_t *s, size_t n, uint32_t cap, Board *b)
{
    uint32_t *base = calloc(((size_t)1 << (ORDERS + 2)) - 4, sizeof(uint32_t));
    uint32_t entries[ORDERS] = {0};
    if (base == NULL)
        return -1;
    for (size_t i = 1; i < n; i++) {
        unsigned y = s[i], right = 0, found = 1;
        uint32_t code = 0;
        int top = i < ORDERS ? (int)i : ORDERS;
        for (int d = 0; d < top; d++) {
            code |= (uint32_t)s[i - d - 1] << d;          /* prefix S[i-d-1..i-1] */
            uint32_t *c = base + ((size_t)4 << d) - 4 + 2 * (size_t)code;
            uint32_t c0 = c[0], c1 = c[1];
            found &= (c0 | c1) != 0;                      /* this order and all below */
            right |= (found & ((unsigned)(c1 >= c0) == y)) << d;   /* ties go to 1 */
            if (c[y] != 0)
                c[y]++;
            else if (entries[d] < cap) {                  /* admitted in time order */
                c[y] = 1;
                entries[d]++;
            }
        }
        if (i >= 2)
            board_round(b, right);
    }
    free(base);
    return 0;
}

/* Slot of `key` in a table of 2^bits slots (a multiplicative hash of the mixed key). */
static size_t slot_of(uint64_t key, int bits)
{
    key ^= key >> 31;
    key *= UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(key >> (64 - bits));
}

/* Skipping work.  Say order d-1 has no prefix x' = S[i-d..i-1] this round.  An entry (x, y)
   of order d admitted at a round t <= fill[d-1] (the round order d-1 filled up; never full:
   UINT64_MAX) came with (x', y) at order d-1, which was admitted then or was there already;
   so order d has no prefix x = S[i-d-1..i-1] either, unless x got an entry at a round
   t > fill[d-1].  Each order lists the keys of those late prefixes (up to MAX_LATE; past that
   it never skips).  An absent prefix in a full order leaves the order nothing to do. */
typedef struct {
    uint64_t fill[ORDERS];
    uint64_t late[ORDERS][MAX_LATE];
    int nlate[ORDERS];
    uint32_t cap;                       /* entries an order admits at most */                  /* MAX_LATE + 1: too many, never skip */
} Skip;

/* Whether order d's prefix (key `key`) is known absent, given that order d-1's is. */
static int known_absent(const Skip *sk, int d, uint64_t key)
{
    if (sk->nlate[d] > MAX_LATE)
        return 0;
    for (int j = 0; j < sk->nlate[d]; j++)
        if (sk->late[d][j] == key)
            return 0;
    return 1;
}

/* After order d's step in round i: note its fill round and any late admission. */
static void note_admission(Skip *sk, uint32_t entries, uint32_t before, int d, size_t i,
                           uint64_t key)
{
    if (entries == before)
        return;
    if (d > 0 && sk->fill[d - 1] < i && sk->nlate[d] <= MAX_LATE) {
        if (sk->nlate[d] < MAX_LATE)
            sk->late[d][sk->nlate[d]] = key;
        sk->nlate[d]++;
    }
    if (entries >= sk->cap)
        sk->fill[d] = i;
}

static void skip_init(Skip *sk, uint32_t cap)
{
    memset(sk, 0, sizeof(*sk));
    sk->cap = cap;
    for (int d = 0; d < ORDERS; d++)
        sk->fill[d] = UINT64_MAX;
}

/* ---- three or four symbols: 2-bit codes, four counts per prefix -------------------- */

/* Orders d < SMALL_DIRECT index the counts by the prefix code (4^(d+1) x 4 counts, 1 MiB at
   d = 7); higher orders keep them in an open-addressing table (load <= 0.8) keyed by the
   code.  A slot is empty while its four counts are 0 (a stored prefix has an entry). */
#define SMALL_DIRECT 8

typedef struct { uint32_t key, count[4]; } SSlot;

typedef struct {
    uint32_t *direct;      /* direct orders: counts[4 * code + y]; hashed: NULL */
    SSlot *slot;           /* hashed orders: 2^bits slots */
    int bits;
    uint32_t used, entries, cap;
} SmallOrder;

/* The four counts after prefix `code` (a claimed empty slot when it is new). */
static uint32_t *small_counts(SmallOrder *o, uint32_t code)
{
    if (o->direct != NULL)
        return o->direct + 4 * (size_t)code;
    size_t mask = ((size_t)1 << o->bits) - 1, j = slot_of(code, o->bits);
    for (;; j = (j + 1) & mask) {
        SSlot *p = &o->slot[j];
        if ((p->count[0] | p->count[1] | p->count[2] | p->count[3]) == 0) {
            p->key = code;
            return p->count;
        }
        if (p->key == code)
            return p->count;
    }
}

static int small_grow(SmallOrder *o)
{
    int bits = o->bits + 1;
    size_t old = (size_t)1 << o->bits, mask = ((size_t)1 << bits) - 1;
    SSlot *slot = calloc((size_t)1 << bits, sizeof(SSlot));
    if (slot == NULL)
        return -1;
    for (size_t j = 0; j < old; j++) {
        const uint32_t *c = o->slot[j].count;
        if ((c[0] | c[1] | c[2] | c[3]) == 0)
            continue;
        size_t t = slot_of(o->slot[j].key, bits);
        while ((slot[t].count[0] | slot[t].count[1] | slot[t].count[2] | slot[t].count[3]) != 0)
            t = (t + 1) & mask;
        slot[t] = o->slot[j];
    }
    free(o->slot);
    o->slot = slot;
    o->bits = bits;
    return 0;
}

/* The guess after counts c: the largest count, ties to the larger symbol; *best its count. */
static unsigned small_guess(const uint32_t *c, uint32_t *best)
{
    unsigned g = 3;
    uint32_t top = c[3];
    for (int a = 2; a >= 0; a--) {
        if (c[a] > top) {
            top = c[a];
            g = (unsigned)a;
        }
    }
    *best = top;
    return g;
}

/* Order d in a round: guess y from counts c (into *right when every order up to d found
   its prefix: *found), then count y.  Returns -1 when out of memory. */
static int small_step(SmallOrder *o, uint32_t *c, unsigned y, int d, unsigned *found,
                      unsigned *right)
{
    uint32_t best;
    unsigned g = small_guess(c, &best);
    *found &= best != 0;
    *right |= (*found & (g == y)) << d;
    if (c[y] != 0) {
        c[y]++;
    } else if (o->entries < o->cap) {                 /* admitted in time order */
        c[y] = 1;
        o->entries++;
        if (best == 0 && o->slot != NULL && (size_t)++o->used * 5 > ((size_t)4 << o->bits))
            return small_grow(o);
    }
    return 0;
}

static int small_init(SmallOrder *o, uint32_t cap)
{
    memset(o, 0, ORDERS * sizeof(*o));
    for (int d = 0; d < ORDERS; d++) {
        o[d].cap = cap;
        if (d < SMALL_DIRECT) {
            o[d].direct = calloc((size_t)4 << (2 * d + 2), sizeof(uint32_t));
            if (o[d].direct == NULL)
                return -1;
        } else {
            o[d].bits = START_BITS;
            o[d].slot = calloc((size_t)1 << START_BITS, sizeof(SSlot));
            if (o[d].slot == NULL)
                return -1;
        }
    }
    return 0;
}

static int mmc_small(const uint8_t *s, size_t n, uint32_t cap, Board *b)
{
    SmallOrder o[ORDERS];
    Skip sk;
    int status = small_init(o, cap);
    skip_init(&sk, cap);
    int reach = 0;                                        /* highest order last round used */
    for (size_t i = 1; i < n && status == 0; i++) {
        unsigned y = s[i], right = 0, found = 1;
        uint32_t code = 0, ahead = 0;
        int absent = 0, top = i < ORDERS ? (int)i : ORDERS, last = reach + 1;
        /* Start loading the counts of the larger tables (orders 6 up to one past last round's
           highest) one round ahead; written out here, as GCC drops a function that only
           prefetches. */
        for (int d = 0; d < top && d <= last && i + 1 < n; d++) {
            ahead |= (uint32_t)s[i - d] << (2 * d);       /* prefix S[i-d..i] of round i+1 */
            if (d >= 5 && o[d].direct != NULL)
                PREFETCH(o[d].direct + 4 * (size_t)ahead);
            else if (d >= 5)
                PREFETCH(&o[d].slot[slot_of(ahead, o[d].bits)]);
        }
        for (int d = 0; d < top && status == 0; d++) {
            code |= (uint32_t)s[i - d - 1] << (2 * d);      /* prefix S[i-d-1..i-1] */
            absent = absent && known_absent(&sk, d, code);
            if (absent && sk.fill[d] != UINT64_MAX)
                continue;                                 /* absent prefix, full order */
            uint32_t before = o[d].entries, *c = small_counts(&o[d], code);
            absent = (c[0] | c[1] | c[2] | c[3]) == 0;
            status = small_step(&o[d], c, y, d, &found, &right);
            note_admission(&sk, o[d].entries, before, d, i, code);
            reach = d;
        }
        if (i >= 2 && status == 0)
            board_round(b, right);
    }
    for (int d = 0; d < ORDERS; d++) {
        free(o[d].direct);
        free(o[d].slot);
    }
    return status;
}

/* ---- larger alphabets: hash tables per order -------------------------------------- */

/* A prefix's best count (0: no entry yet) and the symbol it guesses. */
enum { BEST, GUESS };

typedef struct {
    uint64_t key;
    uint32_t start, id;    /* where the prefix starts in S; its id (0: empty slot) */
    uint32_t bg[2];        /* bg[BEST], bg[GUESS] */
} PSlot;
typedef struct { uint32_t key, count; } ESlot;                 /* key 0: empty */

/* One order's model.  Direct orders (small codes) keep a record of k + 2 words per prefix
   code: best count, guess, then the k next-symbol counts.  Hashed orders keep best and
   guess in the prefix slot, give each prefix an id (1, 2, ...) and keep the counts in an
   entry table keyed by id * k + y. */
typedef struct {
    uint32_t *rec;         /* direct orders: records; hashed: NULL */
    int stride;
    PSlot *pre;            /* hashed orders: prefix table of 2^pbits slots */
    int pbits;
    uint32_t nprefix;      /* ids in use */
    ESlot *ent;            /* hashed orders: entry table */
    int ebits;
    uint32_t entries;      /* admitted (prefix, next) entries */
    uint32_t cap;          /* entries it admits at most */
} Order;

typedef struct {
    const uint8_t *s;
    int k, bits;           /* bits a symbol takes in a packed code */
    int exact;             /* orders d < exact key on the packed code (exact) */
    Order o[ORDERS];
} Model;

/* The slot holding the prefix S[pos..pos+len-1] (key `key`), or the empty slot where it
   would go. */
static PSlot *prefix_find(const Model *m, const Order *o, uint64_t key, size_t pos, int len)
{
    size_t mask = ((size_t)1 << o->pbits) - 1, j = slot_of(key, o->pbits);
    int exact = len - 1 < m->exact;
    for (;; j = (j + 1) & mask) {
        PSlot *p = &o->pre[j];
        if (p->id == 0)
            return p;
        if (p->key == key && (exact || memcmp(m->s + p->start, m->s + pos, (size_t)len) == 0))
            return p;
    }
}

/* Double the prefix table (keys are rehashed; the ids stay). */
static int prefix_grow(Order *o)
{
    int bits = o->pbits + 1;
    size_t old = (size_t)1 << o->pbits, mask = ((size_t)1 << bits) - 1;
    PSlot *pre = calloc((size_t)1 << bits, sizeof(PSlot));
    if (pre == NULL)
        return -1;
    for (size_t j = 0; j < old; j++) {
        if (o->pre[j].id == 0)
            continue;
        size_t t = slot_of(o->pre[j].key, bits);
        while (pre[t].id != 0)
            t = (t + 1) & mask;
        pre[t] = o->pre[j];
    }
    free(o->pre);
    o->pre = pre;
    o->pbits = bits;
    return 0;
}

/* The entry slot for key `key` (= id * k + y), or the empty slot where it would go. */
static ESlot *entry_find(const Order *o, uint32_t key)
{
    size_t mask = ((size_t)1 << o->ebits) - 1, j = slot_of(key, o->ebits);
    while (o->ent[j].key != 0 && o->ent[j].key != key)
        j = (j + 1) & mask;
    return &o->ent[j];
}

static int entry_grow(Order *o)
{
    int bits = o->ebits + 1;
    size_t old = (size_t)1 << o->ebits, mask = ((size_t)1 << bits) - 1;
    ESlot *ent = calloc((size_t)1 << bits, sizeof(ESlot));
    if (ent == NULL)
        return -1;
    for (size_t j = 0; j < old; j++) {
        if (o->ent[j].key == 0)
            continue;
        size_t t = slot_of(o->ent[j].key, bits);
        while (ent[t].key != 0)
            t = (t + 1) & mask;
        ent[t] = o->ent[j];
    }
    free(o->ent);
    o->ent = ent;
    o->ebits = bits;
    return 0;
}

/* Count y after a prefix: increment an admitted entry, or admit a new one while the order
   has room; keep the prefix's best (count, symbol) in bg, ties to the larger symbol.
   `counts`: the direct record's k counts, or NULL for the entry table (key id * k + y),
   where the guessed symbol's count lives in bg alone (its entry is brought up to date
   when another symbol takes over), so a right guess costs no lookup. */
static int count_entry(Order *o, uint32_t *bg, uint32_t *counts, uint32_t id, unsigned y,
                       int k)
{
    uint32_t *c;
    ESlot *e = NULL;
    if (counts != NULL) {
        c = counts + y;
    } else if (bg[BEST] != 0 && y == bg[GUESS]) {
        bg[BEST]++;                         /* the guess: counted in bg */
        return 0;
    } else {
        e = entry_find(o, id * (uint32_t)k + y);
        c = &e->count;
    }
    int added = *c == 0;
    if (added) {
        if (o->entries >= o->cap)
            return 0;                       /* refused: the order is full */
        if (e != NULL)
            e->key = id * (uint32_t)k + y;
        o->entries++;
    }
    uint32_t v = ++*c;
    if (v > bg[BEST] || (v == bg[BEST] && y > bg[GUESS])) {
        if (e != NULL && bg[BEST] != 0)     /* the old guess's entry gets its count back */
            entry_find(o, id * (uint32_t)k + bg[GUESS])->count = bg[BEST];
        bg[BEST] = v;
        bg[GUESS] = y;
    }
    if (added && e != NULL && (size_t)o->entries * 5 > ((size_t)4 << o->ebits))
        return entry_grow(o);
    return 0;
}

/* A new prefix of a hashed order goes into the empty slot p with the first entry (x, y);
   then the tables grow if they must. */
static int prefix_add(Order *o, PSlot *p, uint64_t key, size_t pos, unsigned y, int k)
{
    p->key = key;
    p->start = (uint32_t)pos;
    p->id = ++o->nprefix;
    if (count_entry(o, p->bg, NULL, p->id, y, k) < 0)
        return -1;
    if ((size_t)o->nprefix * 5 > ((size_t)4 << o->pbits))
        return prefix_grow(o);
    return 0;
}

/* Order d in round i: returns 1 when it guessed S[i] right (its prefix found, and every
   lower order's too: *found), 0 when not, -1 when out of memory; then counts S[i].
   *absent: whether the prefix had no entry before the round. */
static int order_step(Model *m, int d, size_t i, uint64_t key, int *found, int *absent)
{
    Order *o = &m->o[d];
    size_t pos = i - (size_t)d - 1;
    unsigned y = m->s[i];
    PSlot *p = NULL;
    uint32_t *bg;
    if (o->pre != NULL) {
        p = prefix_find(m, o, key, pos, d + 1);
        bg = p->bg;
    } else {
        bg = o->rec + (size_t)key * (size_t)o->stride;    /* direct: key is the code */
    }
    int here = bg[BEST] != 0, right = 0;
    *found = *found && here;
    *absent = !here;
    if (*found)
        right = bg[GUESS] == y;
    if (!here && o->entries >= o->cap)
        return right;                       /* no room for the new entry */
    if (p == NULL)
        return count_entry(o, bg, bg + 2, 0, y, m->k) < 0 ? -1 : right;
    if (!here)
        return prefix_add(o, p, key, pos, y, m->k) < 0 ? -1 : right;
    return count_entry(o, bg, NULL, p->id, y, m->k) < 0 ? -1 : right;
}

static void model_free(Model *m)
{
    for (int d = 0; d < ORDERS; d++) {
        free(m->o[d].rec);
        free(m->o[d].pre);
        free(m->o[d].ent);
    }
}

/* Order d is direct when its records for all 2^(bits*(d+1)) codes take <= DIRECT_BYTES. */
static int order_init(Model *m, int d)
{
    Order *o = &m->o[d];
    int code_bits = m->bits * (d + 1);
    size_t direct_words = (size_t)(m->k + 2) << (code_bits < 40 ? code_bits : 40);
    o->pbits = o->ebits = START_BITS;
    if (direct_words * sizeof(uint32_t) <= DIRECT_BYTES) {
        o->stride = m->k + 2;
        o->rec = calloc(direct_words, sizeof(uint32_t));
        return o->rec != NULL ? 0 : -1;
    }
    o->pre = calloc((size_t)1 << START_BITS, sizeof(PSlot));
    o->ent = calloc((size_t)1 << START_BITS, sizeof(ESlot));
    return o->pre != NULL && o->ent != NULL ? 0 : -1;
}

static int model_init(Model *m, const uint8_t *s, int k, uint32_t cap)
{
    memset(m, 0, sizeof(*m));
    m->s = s;
    m->k = k;
    m->bits = 1;
    while ((1 << m->bits) < k)
        m->bits++;
    m->exact = 63 / m->bits;
    for (int d = 0; d < ORDERS; d++) {
        m->o[d].cap = cap;
        if (order_init(m, d) < 0)
            return -1;
    }
    return 0;
}

/* Keys of the prefixes S[i-d-1..i-1], d = 0..top-1: the packed code (b bits a symbol,
   oldest symbol highest) while it fits in 64 bits, else a rolling hash. */
static void prefix_keys(const Model *m, size_t i, int top, uint64_t *keys)
{
    int bits = m->bits;
    uint64_t code = 0, hash = 0;
    for (int d = 0; d < top; d++) {
        uint64_t c = m->s[i - (size_t)d - 1];
        hash = (hash + c + 1) * UINT64_C(0xD6E8FEB86659FD93);
        if (d < m->exact) {
            code |= c << (bits * d);
            keys[d] = code;
        } else {
            keys[d] = hash;
        }
    }
}

static int mmc_general(const uint8_t *s, size_t n, int k, uint32_t cap, Board *b)
{
    Model m;
    Skip sk;
    uint64_t keys[2][ORDERS];                       /* this round's and the next round's */
    int status = model_init(&m, s, k, cap), reach = 0;
    skip_init(&sk, cap);
    if (status == 0)
        prefix_keys(&m, 1, 1, keys[1]);
    for (size_t i = 1; i < n && status == 0; i++) {
        unsigned right = 0;
        int found = 1, absent = 0, top = i < ORDERS ? (int)i : ORDERS;
        const uint64_t *key = keys[i & 1];
        if (i + 1 < n) {                            /* next round's keys; start its loads */
            int next = top < ORDERS ? top + 1 : ORDERS;
            uint64_t *ahead = keys[(i + 1) & 1];
            prefix_keys(&m, i + 1, next, ahead);
            for (int d = 1; d < next && d <= reach + 1; d++) {
                const Order *o = &m.o[d];
                if (o->pre != NULL)
                    PREFETCH(&o->pre[slot_of(ahead[d], o->pbits)]);
                else
                    PREFETCH(o->rec + (size_t)ahead[d] * (size_t)o->stride);
            }
        }
        for (int d = 0; d < top; d++) {
            absent = absent && known_absent(&sk, d, key[d]);
            if (absent && sk.fill[d] != UINT64_MAX)
                continue;                             /* absent prefix, full order */
            uint32_t before = m.o[d].entries;
            int r = order_step(&m, d, i, key[d], &found, &absent);
            if (r < 0) {
                status = -1;
                break;
            }
            right |= (unsigned)r << d;
            note_admission(&sk, m.o[d].entries, before, d, i, key[d]);
            reach = d;
        }
        if (i >= 2 && status == 0)
            board_round(b, right);
    }
    model_free(&m);
    return status;
}

/* ---- Python entry point ---------------------------------------------------------- */

/* Check one-byte items, 2 <= k <= 256, 3 <= n < 2^32 and every symbol < k (sets the Python error). */
static int check_input(const Py_buffer *view, int k)
{
    const uint8_t *s = view->buf;
    if (view->itemsize != 1) {
        PyErr_Format(PyExc_TypeError,
                     "symbols must be a buffer of single bytes (uint8), got item size %zd",
                     view->itemsize);
        return -1;
    }
    if (k < 2 || k > 256) {
        PyErr_Format(PyExc_ValueError, "k must be an integer from 2 to 256, got %d", k);
        return -1;
    }
    if (view->len < 3) {
        PyErr_Format(PyExc_ValueError,
                     "symbols must hold at least 3 samples for MultiMMC, got %zd", view->len);
        return -1;
    }
    if ((uint64_t)view->len >= UINT64_C(0xFFFFFFFF)) {
        PyErr_Format(PyExc_ValueError,
                     "symbols must hold fewer than 2**32 - 1 samples for the C kernel, got %zd",
                     view->len);
        return -1;
    }
    for (Py_ssize_t i = 0; i < view->len; i++) {
        if (s[i] >= k) {
            PyErr_Format(PyExc_ValueError,
                         "symbols must hold values 0..%d (k = %d), got %d at index %zd",
                         k - 1, k, (int)s[i], i);
            return -1;
        }
    }
    return 0;
}

static PyObject *multi_mmc(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int k, status;
    Py_ssize_t max_entries = MAX_ENTRIES;
    uint32_t cap;
    Board b;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*i|n", &view, &k, &max_entries))
        return NULL;
    if (check_input(&view, k) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    if (max_entries < 1 || max_entries > MAX_CAP) {         /* ids * k + y stay 32-bit */
        PyErr_Format(PyExc_ValueError, "max_entries must be an integer from 1 to %d, got %zd",
                     MAX_CAP, max_entries);
        PyBuffer_Release(&view);
        return NULL;
    }
    cap = (uint32_t)max_entries;
    memset(&b, 0, sizeof(b));
    Py_BEGIN_ALLOW_THREADS
    if (k == 2)
        status = mmc_binary(view.buf, (size_t)view.len, cap, &b);
    else if (k <= 4)
        status = mmc_small(view.buf, (size_t)view.len, cap, &b);
    else
        status = mmc_general(view.buf, (size_t)view.len, k, cap, &b);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (status < 0)
        return PyErr_NoMemory();
    return Py_BuildValue("(LL)", (long long)b.hits, (long long)b.longest);
}

static PyMethodDef methods[] = {
    {"multi_mmc", multi_mmc, METH_VARARGS,
     "multi_mmc(symbols, k, max_entries=100000) -> (hits, longest)\n\n"
     "MultiMMC (SP 800-90B Sec. 6.3.9) over uint8 symbols 0..k-1 (a C-contiguous buffer):\n"
     "the rounds 2..n-1 the scoreboard's Markov model guessed right, and the longest run."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cmmc",
    "C kernel of the MultiMMC prediction estimate (SP 800-90B Sec. 6.3.9).", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__cmmc(void)
{
    return PyModule_Create(&module);
}
