/* Reference: multi-source bounded Dial's search (bucket queue) on CSR arrays, plain C.
 *
 * The same search as geo.access._buckets.bucket_search: times from the nearest source within
 * `limit` and the lowest label among the sources at that time, buckets of width `delta` in a
 * ring of `ring` slots (a power of two), each bucket a doubly linked list through node-indexed
 * arrays. `offset` is added to reached times at the end. The caller provides every array;
 * `time`, `label` are outputs, `slot_of`, `after`, `before` (n each) and `head` (ring) are work
 * space. Built by `fplan bench` with `gcc -O3` and called through ctypes.
 */
#include <math.h>
#include <stdint.h>

static inline void push(int32_t v, int32_t s, int32_t *slot_of, int32_t *after, int32_t *before,
                        int32_t *head) {
    int32_t first = head[s];
    after[v] = first;
    before[v] = -1;
    if (first != -1) before[first] = v;
    head[s] = v;
    slot_of[v] = s;
}

void dial_search(int64_t n, const int32_t *indptr, const int32_t *indices, const double *weight,
                 int64_t n_sources, const int64_t *sources, const int64_t *labels, double limit,
                 double delta, int64_t ring, double offset, double *time, int64_t *label,
                 int32_t *slot_of, int32_t *after, int32_t *before, int32_t *head) {
    const int64_t mask = ring - 1;
    const double per_bucket = 1.0 / delta;
    int64_t pending = 0;
    for (int64_t v = 0; v < n; v++) {
        time[v] = INFINITY;
        label[v] = -1;
        slot_of[v] = -1;
    }
    for (int64_t s = 0; s < ring; s++) head[s] = -1;
    if (limit >= 0.0) {
        for (int64_t i = 0; i < n_sources; i++) {
            int32_t v = (int32_t)sources[i];
            time[v] = 0.0;
            label[v] = labels[i];
            push(v, 0, slot_of, after, before, head);
            pending++;
        }
    }
    for (int64_t current = 0; pending > 0; current++) {
        int32_t slot = (int32_t)(current & mask);
        int32_t u = head[slot];
        while (u != -1) {
            int32_t nxt = after[u];
            head[slot] = nxt;
            if (nxt != -1) before[nxt] = -1;
            slot_of[u] = -1;
            pending--;
            double tu = time[u];
            int64_t lu = label[u];
            for (int32_t k = indptr[u]; k < indptr[u + 1]; k++) {
                int32_t v = indices[k];
                double t = tu + weight[k];
                if (t > limit) continue;
                double tv = time[v];
                if (t < tv || (t == tv && lu < label[v])) {
                    time[v] = t;
                    label[v] = lu;
                    int64_t b = (int64_t)(t * per_bucket);
                    if (b < current) b = current;
                    int32_t s = (int32_t)(b & mask);
                    int32_t held = slot_of[v];
                    if (held == s) continue;
                    if (held == -1) {
                        pending++;
                    } else {
                        int32_t p = before[v], q = after[v];
                        if (p == -1) head[held] = q; else after[p] = q;
                        if (q != -1) before[q] = p;
                    }
                    push(v, s, slot_of, after, before, head);
                }
            }
            u = head[slot];
        }
    }
    if (offset != 0.0) {
        for (int64_t v = 0; v < n; v++)
            if (label[v] >= 0) time[v] += offset;
    }
}
