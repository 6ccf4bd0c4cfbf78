/* See workload.h. No libc, no floating point; loops written so compilers do not turn them
 * into memset/memcpy calls (the freestanding builds have none). */
#include "workload.h"

enum {
  kBytes = 64 * 1024,      /* checksummed buffer */
  kSieve = 100 * 1000,     /* sieve limit */
  kMat = 40,               /* matrix dimension */
  kSort = 8 * 1024,        /* elements sorted */
};

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

static void fill(uint8_t* p, uint32_t n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (uint32_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    p[i] = (uint8_t)(x >> 24);
  }
}

static uint32_t adler32(const uint8_t* p, uint32_t n) {
  uint32_t a = 1, b = 0;
  for (uint32_t i = 0; i < n; ++i) {
    a = (a + p[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

static uint32_t crc32(const uint8_t* p, uint32_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static uint32_t sieve(uint8_t* composite, uint32_t limit) {
  for (uint32_t i = 0; i <= limit; ++i) composite[i] = 0;
  uint32_t count = 0;
  for (uint32_t i = 2; i <= limit; ++i) {
    if (composite[i]) continue;
    ++count;
    for (uint32_t j = i * 2; j <= limit; j += i) composite[j] = 1;
  }
  return count;
}

static uint64_t matmul(uint32_t* a, uint32_t* b, uint32_t* c, uint32_t seed) {
  for (uint32_t i = 0; i < kMat * kMat; ++i) {
    a[i] = (i * 7u + seed) & 0xFFu;
    b[i] = (i * 13u + seed * 3u) & 0xFFu;
  }
  for (uint32_t i = 0; i < kMat; ++i) {
    for (uint32_t j = 0; j < kMat; ++j) {
      uint32_t s = 0;
      for (uint32_t k = 0; k < kMat; ++k) s += a[i * kMat + k] * b[k * kMat + j];
      c[i * kMat + j] = s;
    }
  }
  uint64_t h = 0;
  for (uint32_t i = 0; i < kMat * kMat; ++i) h = mix(h, c[i]);
  return h;
}

static void sift_down(uint32_t* v, uint32_t start, uint32_t end) {
  uint32_t root = start;
  while (root * 2 + 1 <= end) {
    uint32_t child = root * 2 + 1;
    uint32_t swap = root;
    if (v[swap] < v[child]) swap = child;
    if (child + 1 <= end && v[swap] < v[child + 1]) swap = child + 1;
    if (swap == root) return;
    uint32_t t = v[root];
    v[root] = v[swap];
    v[swap] = t;
    root = swap;
  }
}

static uint64_t heapsort(uint32_t* v, uint32_t n, uint32_t seed) {
  uint32_t x = seed | 1u;
  for (uint32_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v[i] = x;
  }
  for (uint32_t start = n / 2; start-- > 0;) sift_down(v, start, n - 1);
  for (uint32_t end = n - 1; end > 0; --end) {
    uint32_t t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift_down(v, 0, end - 1);
  }
  uint64_t h = 0;
  for (uint32_t i = 1; i < n; ++i) h = mix(h, v[i] >= v[i - 1]);
  return mix(h, v[n / 2]);
}

uint64_t workload(uint8_t* mem, uint64_t scale) {
  uint8_t* bytes = mem;                                    /* 64 KiB */
  uint8_t* composite = mem + kBytes;                       /* 100 KB */
  uint32_t* mat = (uint32_t*)(void*)(mem + 192 * 1024);    /* 3 x 6.4 KB */
  uint32_t* sorted = (uint32_t*)(void*)(mem + 256 * 1024); /* 32 KiB */
  uint64_t h = 0;
  for (uint64_t round = 0; round < scale; ++round) {
    const uint32_t seed = (uint32_t)round;
    fill(bytes, kBytes, seed);
    h = mix(h, adler32(bytes, kBytes));
    h = mix(h, crc32(bytes, kBytes / 8));
    h = mix(h, sieve(composite, kSieve));
    h = mix(h, matmul(mat, mat + kMat * kMat, mat + 2 * kMat * kMat, seed));
    h = mix(h, heapsort(sorted, kSort, seed + 1));
  }
  return h;
}
