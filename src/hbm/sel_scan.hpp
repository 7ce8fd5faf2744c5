// Selection kernel of the bank model's fast path (column and row-command buses), in its own unit so that every
// variant (scalar, AVX2, AVX-512) can be tested against the others on the same inputs.
//
// Inputs: per bank b < n, raw[b] (the bank and bank-group part of the candidate's earliest
// time, kSelInf: no candidate) and bit b of `act` (1: the candidate is an ACT, 0: a PRE);
// g_pre / g_act: the global parts of a PRE / ACT candidate's time, already clamped to the
// present. The clamped key of bank b is kc[b] = max(raw[b], act_b ? g_act : g_pre).
// Returns bt = min over b of kc[b]; when bt != kSelInf it also ORs into `tied` the banks with
// kc[b] == bt and lowers k2 to the smallest kc[b] above bt (kSelInf if none).
#pragma once
#include <cstdint>

namespace skipopu::hbm::detail {

constexpr int64_t kSelInf = int64_t(1) << 62;
constexpr uint32_t kSelMaxBanks = 64;

int64_t sel_scan_scalar(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n,
                        uint64_t& tied, int64_t& k2);
// The vector variants need n % 4 == 0 (AVX2) or n % 8 == 0 (AVX-512) and the CPU feature;
// they return false (and touch nothing) when they cannot run.
bool sel_scan_avx2(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                   int64_t& k2, int64_t& bt);
bool sel_scan_avx512(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                     int64_t& k2, int64_t& bt);

// The best variant this CPU runs (chosen once), falling back to the scalar loop.
int64_t sel_scan(const int64_t* raw, uint64_t act, int64_t g_pre, int64_t g_act, uint32_t n, uint64_t& tied,
                 int64_t& k2);

// The column bus's first look: the banks with raw[b] <= g (kSelInf > g: never). When there
// are any, they are exactly the banks tied at the earliest key of sel_scan(raw, 0, g, g, ...),
// which is g; when there are none, the earliest key is above g and sel_scan finds it.
uint64_t sel_ready_scalar(const int64_t* raw, int64_t g, uint32_t n);
uint64_t sel_ready(const int64_t* raw, int64_t g, uint32_t n);
// The AVX2 variant (n % 4 == 0; false, `ready` untouched, without the CPU feature).
bool sel_ready_avx2(const int64_t* raw, int64_t g, uint32_t n, uint64_t& ready);

}  // namespace skipopu::hbm::detail
