#include "sel_scan.hpp"

#include <algorithm>
#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_* helpers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__  // (a GCC-only warning group)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop
#define SKIPOPU_X86_SIMD 1
#endif

namespace skipopu::hbm::detail {

int64_t sel_scan_scalar(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n,
                        uint64_t& tied, int64_t& k2) {
  int64_t kc[kSelMaxBanks];
  int64_t bt = kSelInf;
  for (uint32_t b = 0; b < n; ++b) {
    const int64_t k = std::max(raw[b], ((act >> b) & 1) ? g_act : g_pre);
    kc[b] = k;
    bt = k < bt ? k : bt;
  }
  if (bt == kSelInf) return bt;
  for (uint32_t b = 0; b < n; ++b) {
    tied |= uint64_t(kc[b] == bt) << b;
    const int64_t v = kc[b] > bt ? kc[b] : kSelInf;
    k2 = v < k2 ? v : k2;
  }
  return bt;
}

#ifdef SKIPOPU_X86_SIMD
namespace {
const bool kAvx2 = __builtin_cpu_supports("avx2");
const bool kAvx512 = __builtin_cpu_supports("avx512f");

__attribute__((target("avx2"))) int64_t avx2_kernel(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act,
                                                    uint32_t n, uint64_t& tied, int64_t& k2) {
  const __m256i vpre = _mm256_set1_epi64x(g_pre), vact = _mm256_set1_epi64x(g_act);
  const __m256i bits = _mm256_set_epi64x(8, 4, 2, 1);
  __m256i kc[kSelMaxBanks / 4];
  __m256i mn = _mm256_set1_epi64x(kSelInf);
  for (uint32_t c = 0; c < n / 4; ++c) {
    const __m256i a = _mm256_set1_epi64x(int64_t((act >> (4 * c)) & 15));
    const __m256i isact = _mm256_cmpeq_epi64(_mm256_and_si256(a, bits), bits);
    const __m256i g = _mm256_blendv_epi8(vpre, vact, isact);
    const __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + 4 * c));
    const __m256i k = _mm256_blendv_epi8(r, g, _mm256_cmpgt_epi64(g, r));
    kc[c] = k;
    mn = _mm256_blendv_epi8(mn, k, _mm256_cmpgt_epi64(mn, k));
  }
  alignas(32) int64_t m4[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(m4), mn);
  const int64_t bt = std::min(std::min(m4[0], m4[1]), std::min(m4[2], m4[3]));
  if (bt == kSelInf) return bt;
  const __m256i vbt = _mm256_set1_epi64x(bt), vinf = _mm256_set1_epi64x(kSelInf);
  __m256i m2 = vinf;
  uint64_t t = 0;
  for (uint32_t c = 0; c < n / 4; ++c) {
    t |= uint64_t(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(kc[c], vbt)))) << (4 * c);
    const __m256i v = _mm256_blendv_epi8(vinf, kc[c], _mm256_cmpgt_epi64(kc[c], vbt));
    m2 = _mm256_blendv_epi8(m2, v, _mm256_cmpgt_epi64(m2, v));
  }
  _mm256_store_si256(reinterpret_cast<__m256i*>(m4), m2);
  tied |= t;
  k2 = std::min(k2, std::min(std::min(m4[0], m4[1]), std::min(m4[2], m4[3])));
  return bt;
}

__attribute__((target("avx2"))) inline __m256i min256(__m256i a, __m256i b) {
  return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}
__attribute__((target("avx2"))) inline int64_t hmin256(__m256i x) {
  x = min256(x, _mm256_permute4x64_epi64(x, 0x4E));  // swap the 128-bit halves
  x = min256(x, _mm256_shuffle_epi32(x, 0x4E));       // swap the 64-bit halves
  return _mm_cvtsi128_si64(_mm256_castsi256_si128(x));
}
// The common 16-bank case, unrolled: the four quarters stay in registers.
__attribute__((target("avx2"))) int64_t avx2_kernel16(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act,
                                                      uint64_t& tied, int64_t& k2) {
  const __m256i vpre = _mm256_set1_epi64x(g_pre), vact = _mm256_set1_epi64x(g_act);
  const __m256i bits = _mm256_set_epi64x(8, 4, 2, 1);
  __m256i k[4];
  for (int c = 0; c < 4; ++c) {
    const __m256i a = _mm256_set1_epi64x(int64_t((act >> (4 * c)) & 15));
    const __m256i g = _mm256_blendv_epi8(vpre, vact, _mm256_cmpeq_epi64(_mm256_and_si256(a, bits), bits));
    const __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + 4 * c));
    k[c] = _mm256_blendv_epi8(r, g, _mm256_cmpgt_epi64(g, r));
  }
  const int64_t bt = hmin256(min256(min256(k[0], k[1]), min256(k[2], k[3])));
  if (bt == kSelInf) return bt;
  const __m256i vbt = _mm256_set1_epi64x(bt), vinf = _mm256_set1_epi64x(kSelInf);
  uint64_t t = 0;
  __m256i v[4];
  for (int c = 0; c < 4; ++c) {
    t |= uint64_t(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(k[c], vbt)))) << (4 * c);
    v[c] = _mm256_blendv_epi8(vinf, k[c], _mm256_cmpgt_epi64(k[c], vbt));
  }
  tied |= t;
  k2 = std::min(k2, hmin256(min256(min256(v[0], v[1]), min256(v[2], v[3]))));
  return bt;
}

__attribute__((target("avx512f"))) inline int64_t hmin512(__m512i x) {
  x = _mm512_min_epi64(x, _mm512_shuffle_i64x2(x, x, 0x4E));  // swap the 256-bit halves
  x = _mm512_min_epi64(x, _mm512_shuffle_i64x2(x, x, 0xB1));  // swap the 128-bit pairs
  x = _mm512_min_epi64(x, _mm512_shuffle_epi32(x, _MM_PERM_BADC));  // swap the 64-bit halves
  return _mm_cvtsi128_si64(_mm512_castsi512_si128(x));
}

__attribute__((target("avx512f"))) int64_t avx512_kernel(const int64_t* raw, uint64_t act, int64_t g_pre,
                                                         int64_t g_act, uint32_t n, uint64_t& tied, int64_t& k2) {
  const __m512i vpre = _mm512_set1_epi64(g_pre), vact = _mm512_set1_epi64(g_act);
  __m512i kc[kSelMaxBanks / 8];
  __m512i mn = _mm512_set1_epi64(kSelInf);
  for (uint32_t c = 0; c < n / 8; ++c) {
    const __m512i g = _mm512_mask_blend_epi64(__mmask8((act >> (8 * c)) & 0xff), vpre, vact);
    const __m512i k = _mm512_max_epi64(_mm512_loadu_si512(raw + 8 * c), g);
    kc[c] = k;
    mn = _mm512_min_epi64(mn, k);
  }
  const int64_t bt = hmin512(mn);
  if (bt == kSelInf) return bt;
  const __m512i vbt = _mm512_set1_epi64(bt);
  __m512i m2 = _mm512_set1_epi64(kSelInf);
  uint64_t t = 0;
  for (uint32_t c = 0; c < n / 8; ++c) {
    t |= uint64_t(_mm512_cmpeq_epi64_mask(kc[c], vbt)) << (8 * c);
    m2 = _mm512_mask_min_epi64(m2, _mm512_cmpgt_epi64_mask(kc[c], vbt), m2, kc[c]);
  }
  tied |= t;
  k2 = std::min(k2, hmin512(m2));
  return bt;
}
// The common 16-bank case (4 bank groups x 4 banks), unrolled: both halves stay in registers.
__attribute__((target("avx512f"))) int64_t avx512_kernel16(const int64_t* raw, uint64_t act, int64_t g_pre,
                                                           int64_t g_act, uint64_t& tied, int64_t& k2) {
  const __m512i vpre = _mm512_set1_epi64(g_pre), vact = _mm512_set1_epi64(g_act);
  const __m512i k0 = _mm512_max_epi64(_mm512_loadu_si512(raw), _mm512_mask_blend_epi64(__mmask8(act), vpre, vact));
  const __m512i k1 =
      _mm512_max_epi64(_mm512_loadu_si512(raw + 8), _mm512_mask_blend_epi64(__mmask8(act >> 8), vpre, vact));
  const int64_t bt = hmin512(_mm512_min_epi64(k0, k1));
  if (bt == kSelInf) return bt;
  const __m512i vbt = _mm512_set1_epi64(bt), vinf = _mm512_set1_epi64(kSelInf);
  tied |= uint64_t(_mm512_cmpeq_epi64_mask(k0, vbt)) | uint64_t(_mm512_cmpeq_epi64_mask(k1, vbt)) << 8;
  const __m512i m0 = _mm512_mask_blend_epi64(_mm512_cmpgt_epi64_mask(k0, vbt), vinf, k0);
  const __m512i m1 = _mm512_mask_blend_epi64(_mm512_cmpgt_epi64_mask(k1, vbt), vinf, k1);
  k2 = std::min(k2, hmin512(_mm512_min_epi64(m0, m1)));
  return bt;
}
// Column bus, 16 banks: the banks at or below the shared part.
__attribute__((target("avx512f"))) uint64_t avx512_ready16(const int64_t* raw, int64_t g) {
  const __m512i vg = _mm512_set1_epi64(g);
  return uint64_t(_mm512_cmple_epi64_mask(_mm512_loadu_si512(raw), vg)) |
         uint64_t(_mm512_cmple_epi64_mask(_mm512_loadu_si512(raw + 8), vg)) << 8;
}
// Column bus, a multiple of 4 banks: the banks at or below the shared part (not above it).
__attribute__((target("avx2"))) uint64_t avx2_ready(const int64_t* raw, int64_t g, uint32_t n) {
  const __m256i vg = _mm256_set1_epi64x(g);
  uint64_t r = 0;
  for (uint32_t c = 0; c < n / 4; ++c) {
    const __m256i above = _mm256_cmpgt_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + 4 * c)), vg);
    r |= uint64_t(~_mm256_movemask_pd(_mm256_castsi256_pd(above)) & 15) << (4 * c);
  }
  return r;
}
}  // namespace
#endif

uint64_t sel_ready_scalar(const int64_t* raw, int64_t g, uint32_t n) {
  uint64_t r = 0;
  for (uint32_t b = 0; b < n; ++b) r |= uint64_t(raw[b] <= g) << b;
  return r;
}

uint64_t sel_ready(const int64_t* raw, int64_t g, uint32_t n) {
#ifdef SKIPOPU_X86_SIMD
  if (kAvx512 && n == 16) return avx512_ready16(raw, g);
  if (kAvx2 && n % 4 == 0) return avx2_ready(raw, g, n);
#endif
  return sel_ready_scalar(raw, g, n);
}

bool sel_ready_avx2(const int64_t* raw, int64_t g, uint32_t n, uint64_t& ready) {
#ifdef SKIPOPU_X86_SIMD
  if (kAvx2 && n % 4 == 0 && n <= kSelMaxBanks) {
    ready = avx2_ready(raw, g, n);
    return true;
  }
#endif
  (void)raw, (void)g, (void)n, (void)ready;
  return false;
}

bool sel_scan_avx2(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                   int64_t& k2, int64_t& bt) {
#ifdef SKIPOPU_X86_SIMD
  if (kAvx2 && n % 4 == 0 && n <= kSelMaxBanks) {
    bt = n == 16 ? avx2_kernel16(raw, act, g_pre, g_act, tied, k2) : avx2_kernel(raw, act, g_pre, g_act, n, tied, k2);
    return true;
  }
#endif
  (void)raw, (void)act, (void)g_pre, (void)g_act, (void)n, (void)tied, (void)k2, (void)bt;
  return false;
}

bool sel_scan_avx512(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                     int64_t& k2, int64_t& bt) {
#ifdef SKIPOPU_X86_SIMD
  if (kAvx512 && n % 8 == 0 && n <= kSelMaxBanks) {
    bt = avx512_kernel(raw, act, g_pre, g_act, n, tied, k2);
    return true;
  }
#endif
  (void)raw, (void)act, (void)g_pre, (void)g_act, (void)n, (void)tied, (void)k2, (void)bt;
  return false;
}

int64_t sel_scan(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                 int64_t& k2) {
#ifdef SKIPOPU_X86_SIMD
  if (kAvx512 && n == 16) return avx512_kernel16(raw, act, g_pre, g_act, tied, k2);
  if (kAvx512 && n % 8 == 0) return avx512_kernel(raw, act, g_pre, g_act, n, tied, k2);
  if (kAvx2 && n == 16) return avx2_kernel16(raw, act, g_pre, g_act, tied, k2);
  if (kAvx2 && n % 4 == 0) return avx2_kernel(raw, act, g_pre, g_act, n, tied, k2);
#endif
  return sel_scan_scalar(raw, act, g_pre, g_act, n, tied, k2);
}

}  // namespace skipopu::hbm::detail
