// The Vivado hand-off's AXI clock crossing (skipopu_axi_cdc.v, one port: an asynchronous FIFO
// per channel, skipopu_axi_cdc_fifo.v; docs/rtl.md "Vivado hand-off"), verilated with --cc and
// --public-flat-rw, under two unrelated clocks.
//
// usage: tb_axi_cdc CORE_PS AXI_PS PHASE_PS BURSTS SEED
// core_clk has period CORE_PS, axi_clk AXI_PS (picoseconds, any values: e.g. 4444.444 and
// 2221.111, 450.225 MHz, so that the phase between the edges drifts through every value);
// axi_clk's first edge is PHASE_PS after core_clk's. A master on core_clk issues BURSTS write
// bursts (AW, and their W beats as a separate stream) and BURSTS read bursts (AR), lengths 1..16
// beats, random valid gaps; a slave on axi_clk takes them with random ready, answers each read
// burst with its R beats and each write burst (AW and its last W beat seen) with a B, random
// valid gaps; the master takes R and B with random ready. Ready probabilities switch between
// phases of mostly-stalled and mostly-ready, so every FIFO runs full and empty.
//
// Metastability: a synchroniser's first flop that samples a pointer bit changing at about the same
// time may resolve to the old or the new value. When a destination edge comes less than 0.45 of
// the shorter period after the source edge that changed a Gray pointer, the testbench overwrites
// each changed bit of the first synchroniser flop (*_gray_s1) with the old or the new value at
// random. Gray pointers change one bit per step, so they survive this; binary pointers do not.
//
// Checked, on every channel: every beat arrives exactly once and in order with its payload
// (AW/AR address, burst, ID, length, size; W data, strobes, last; R data, ID, last, response; B ID,
// response); a valid not taken stays valid with the same payload (AXI); at the end nothing is left
// valid; each of the five FIFOs was seen full (its writer's ready low) at least once.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "Vdut.h"
#include "Vdut___024root.h"
#include "verilated.h"

namespace {

int failures = 0;
void fail(const std::string& what) {
  if (++failures <= 10) std::fprintf(stderr, "FAIL %s\n", what.c_str());
}

struct Rng {
  uint64_t s;
  uint64_t next() {
    s += 0x9e3779b97f4a7c15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  bool chance(unsigned pct) { return next() % 100 < pct; }
};

uint32_t hash(uint64_t a, uint64_t b) {
  uint64_t x = (a * 0x9e3779b97f4a7c15ull + b + 1) * 0xbf58476d1ce4e5b9ull;
  return static_cast<uint32_t>(x ^ (x >> 31));
}

constexpr unsigned kDataWords = 8;  // 256-bit data

struct Addr {  // one AW or AR
  uint64_t addr;
  unsigned burst, id, len, size;
  bool operator==(const Addr& o) const {
    return addr == o.addr && burst == o.burst && id == o.id && len == o.len && size == o.size;
  }
};
struct Beat {  // one W or R beat
  uint32_t data[kDataWords];
  uint32_t strb;  // W: strobes; R: {id, resp}
  bool last;
  bool operator==(const Beat& o) const {
    for (unsigned i = 0; i < kDataWords; ++i)
      if (data[i] != o.data[i]) return false;
    return strb == o.strb && last == o.last;
  }
};
struct Resp {
  unsigned id, resp;
  bool operator==(const Resp& o) const { return id == o.id && resp == o.resp; }
};

// One pointer crossing, for the metastability model: src (a Gray pointer register) into its
// destination domain's first synchroniser flop s1.
struct Crossing {
  const char* name;
  uint8_t* src;
  uint8_t* s1;
  bool src_core;  // source domain core_clk (else axi_clk)
  uint8_t before = 0, prev = 0;
  double changed_at = -1e30;
};

// The sending side of a channel: a queue of items, one offered at a time, held until taken.
template <class T>
struct Sender {
  std::deque<T> items;
  bool valid = false;
  T cur{};
};

// The receiving side's AXI rule check: a valid seen and not taken must come back unchanged.
template <class T>
struct Receiver {
  std::deque<T> expect;
  bool pending = false;
  T held{};
  uint64_t got = 0;
  void sample(const char* ch, bool valid, bool ready, const T& v) {
    if (pending && !(valid && v == held)) fail(std::string(ch) + ": valid withdrawn or payload changed before the handshake");
    pending = valid && !ready;
    held = v;
    if (valid && ready) {
      if (expect.empty()) {
        fail(std::string(ch) + ": beat " + std::to_string(got) + " not sent (duplicate or spurious)");
      } else {
        if (!(expect.front() == v)) fail(std::string(ch) + ": beat " + std::to_string(got) + " differs from the one sent (order or payload)");
        expect.pop_front();
      }
      ++got;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: tb_axi_cdc CORE_PS AXI_PS PHASE_PS BURSTS SEED\n");
    return 2;
  }
  const double tc = std::atof(argv[1]), ta = std::atof(argv[2]), phase = std::atof(argv[3]);
  const unsigned bursts = static_cast<unsigned>(std::atoi(argv[4]));
  Rng rng{static_cast<uint64_t>(std::atoll(argv[5]))};
  if (!(tc > 0 && ta > 0 && phase >= 0 && bursts > 0)) {
    std::fprintf(stderr, "tb_axi_cdc: bad arguments\n");
    return 2;
  }
  Verilated::commandArgs(argc, argv);
  Vdut m;
  auto* r = m.rootp;
  // The ten pointer crossings (public: --public-flat-rw). AW, W, AR: written on core_clk.
  std::vector<Crossing> xs = {
      {"aw w_gray", &r->skipopu_axi_cdc__DOT__u_aw__DOT__w_gray, &r->skipopu_axi_cdc__DOT__u_aw__DOT__w_gray_s1, true},
      {"aw r_gray", &r->skipopu_axi_cdc__DOT__u_aw__DOT__r_gray, &r->skipopu_axi_cdc__DOT__u_aw__DOT__r_gray_s1, false},
      {"w w_gray", &r->skipopu_axi_cdc__DOT__u_w__DOT__w_gray, &r->skipopu_axi_cdc__DOT__u_w__DOT__w_gray_s1, true},
      {"w r_gray", &r->skipopu_axi_cdc__DOT__u_w__DOT__r_gray, &r->skipopu_axi_cdc__DOT__u_w__DOT__r_gray_s1, false},
      {"ar w_gray", &r->skipopu_axi_cdc__DOT__u_ar__DOT__w_gray, &r->skipopu_axi_cdc__DOT__u_ar__DOT__w_gray_s1, true},
      {"ar r_gray", &r->skipopu_axi_cdc__DOT__u_ar__DOT__r_gray, &r->skipopu_axi_cdc__DOT__u_ar__DOT__r_gray_s1, false},
      {"r w_gray", &r->skipopu_axi_cdc__DOT__u_r__DOT__w_gray, &r->skipopu_axi_cdc__DOT__u_r__DOT__w_gray_s1, false},
      {"r r_gray", &r->skipopu_axi_cdc__DOT__u_r__DOT__r_gray, &r->skipopu_axi_cdc__DOT__u_r__DOT__r_gray_s1, true},
      {"b w_gray", &r->skipopu_axi_cdc__DOT__u_b__DOT__w_gray, &r->skipopu_axi_cdc__DOT__u_b__DOT__w_gray_s1, false},
      {"b r_gray", &r->skipopu_axi_cdc__DOT__u_b__DOT__r_gray, &r->skipopu_axi_cdc__DOT__u_b__DOT__r_gray_s1, true},
  };
  const double window = 0.45 * (tc < ta ? tc : ta);

  // The traffic: write and read bursts (AXI3 INCR, 32-byte beats), and what each side expects.
  Sender<Addr> aw, ar;
  Sender<Beat> w, rr;
  Sender<Resp> b;
  Receiver<Addr> aw_rx, ar_rx;
  Receiver<Beat> w_rx, r_rx;
  Receiver<Resp> b_rx;
  std::vector<Addr> wr_bursts, rd_bursts;
  for (unsigned i = 0; i < bursts; ++i) {
    for (int k = 0; k < 2; ++k) {
      Addr a{(rng.next() & 0x1ffffffe0ull), 1, unsigned(rng.next() % 64), unsigned(rng.next() % 16), 5};
      (k == 0 ? wr_bursts : rd_bursts).push_back(a);
    }
  }
  auto w_beat = [](const Addr& a, unsigned j) {
    Beat x{};
    for (unsigned i = 0; i < kDataWords; ++i) x.data[i] = hash(a.addr + j, i);
    x.strb = hash(a.addr, 99 + j);
    x.last = j == a.len;
    return x;
  };
  auto r_beat = [](const Addr& a, unsigned j) {
    Beat x{};
    for (unsigned i = 0; i < kDataWords; ++i) x.data[i] = hash(a.addr ^ 0x5555, j * 8 + i);
    x.strb = (a.id << 2) | ((a.addr >> 5) & 3);  // {rid, rresp}
    x.last = j == a.len;
    return x;
  };
  auto b_resp = [](const Addr& a) { return Resp{a.id, unsigned((a.addr >> 6) & 3)}; };
  for (const Addr& a : wr_bursts) {
    aw.items.push_back(a);
    aw_rx.expect.push_back(a);
    b_rx.expect.push_back(b_resp(a));
    for (unsigned j = 0; j <= a.len; ++j) {
      w.items.push_back(w_beat(a, j));
      w_rx.expect.push_back(w_beat(a, j));
    }
  }
  for (const Addr& a : rd_bursts) {
    ar.items.push_back(a);
    ar_rx.expect.push_back(a);
    for (unsigned j = 0; j <= a.len; ++j) r_rx.expect.push_back(r_beat(a, j));
  }
  std::deque<Addr> slave_aw;  // AW taken by the slave, awaiting their last W beat
  unsigned slave_w_bursts = 0;  // W bursts complete (last beat taken)
  std::deque<Addr> slave_wdone;

  // Ready state of each receiver; stall phases.
  bool rdy_aw = false, rdy_w = false, rdy_ar = false, rdy_r = false, rdy_b = false;
  // The core side's second R lane (s_axi_r2*: the beat after s_axi_r*'s, taken with it).
  bool rdy_r2 = false;
  uint64_t r_pairs = 0;  // core cycles that took two R beats
  // Each receiver (0 AW, 1 W, 2 AR: the slave; 3 R, 4 B: the master) has its own phases.
  unsigned ready_pct[5] = {50, 50, 50, 50, 50}, valid_pct = 70;
  uint64_t full_seen[5] = {0, 0, 0, 0, 0};  // aw, w, ar (core side), r, b (axi side): writer's ready low

  // Drive the core side's inputs (the master) and the axi side's (the slave) from their state.
  auto drive_core = [&]() {
    m.s_axi_awvalid = aw.valid;
    m.s_axi_awaddr = aw.cur.addr;
    m.s_axi_awburst = aw.cur.burst;
    m.s_axi_awid = aw.cur.id;
    m.s_axi_awlen = aw.cur.len;
    m.s_axi_awsize = aw.cur.size;
    m.s_axi_arvalid = ar.valid;
    m.s_axi_araddr = ar.cur.addr;
    m.s_axi_arburst = ar.cur.burst;
    m.s_axi_arid = ar.cur.id;
    m.s_axi_arlen = ar.cur.len;
    m.s_axi_arsize = ar.cur.size;
    m.s_axi_wvalid = w.valid;
    for (unsigned i = 0; i < kDataWords; ++i) m.s_axi_wdata[i] = w.cur.data[i];
    m.s_axi_wstrb = w.cur.strb;
    m.s_axi_wlast = w.cur.last;
    m.s_axi_rready = rdy_r;
    m.s_axi_r2ready = rdy_r2;
    m.s_axi_bready = rdy_b;
  };
  auto drive_axi = [&]() {
    m.m_axi_awready = rdy_aw;
    m.m_axi_wready = rdy_w;
    m.m_axi_arready = rdy_ar;
    m.m_axi_rvalid = rr.valid;
    for (unsigned i = 0; i < kDataWords; ++i) m.m_axi_rdata[i] = rr.cur.data[i];
    m.m_axi_rid = rr.cur.strb >> 2;
    m.m_axi_rresp = rr.cur.strb & 3;
    m.m_axi_rlast = rr.cur.last;
    m.m_axi_bvalid = b.valid;
    m.m_axi_bid = b.cur.id;
    m.m_axi_bresp = b.cur.resp;
  };
  // A sender after an edge: the offered item taken -> next one (or a gap).
  auto advance = [&](auto& s, bool taken) {
    if (taken) s.valid = false;
    if (!s.valid && !s.items.empty() && rng.chance(valid_pct)) {
      s.cur = s.items.front();
      s.items.pop_front();
      s.valid = true;
    }
  };
  auto read_beat = [](const auto& data, uint32_t strb, bool last) {
    Beat x{};
    for (unsigned i = 0; i < kDataWords; ++i) x.data[i] = data[i];
    x.strb = strb;
    x.last = last;
    return x;
  };

  // Reset: both domains together, 4 edges each.
  m.core_rst = 1;
  m.axi_rst_n = 0;
  drive_core();
  drive_axi();
  double t_core = 0, t_axi = phase;
  uint64_t n_core = 0, n_axi = 0, meta_flips = 0;
  auto edge = [&](bool core) {
    for (auto& x : xs)
      if (x.src_core == core) x.before = *x.src;
    if (core) {
      m.core_clk = 1;
      m.eval();
      m.core_clk = 0;
    } else {
      m.axi_clk = 1;
      m.eval();
      m.axi_clk = 0;
    }
    m.eval();
    const double t = core ? t_core : t_axi;
    for (auto& x : xs) {
      if (x.src_core == core && *x.src != x.before) {
        x.prev = x.before;
        x.changed_at = t;
      }
      if (x.src_core != core && t - x.changed_at < window && *x.s1 == *x.src) {
        const uint8_t changed = x.prev ^ *x.src;
        const uint8_t keep_old = changed & static_cast<uint8_t>(rng.next());
        if (keep_old) {
          *x.s1 ^= keep_old;
          ++meta_flips;
        }
      }
    }
  };
  auto next_edge = [&]() {  // the earlier of the two clocks' next rising edges
    const bool core = t_core <= t_axi;
    edge(core);
    if (core) {
      t_core += tc;
      ++n_core;
    } else {
      t_axi += ta;
      ++n_axi;
    }
    return core;
  };
  while (n_core < 4 || n_axi < 4) next_edge();
  m.core_rst = 0;
  m.axi_rst_n = 1;
  m.eval();

  const uint64_t limit = 400ull * bursts * 17 + 10000;
  uint64_t edges = 0, idle_after = 0;
  auto all_done = [&]() {
    return aw_rx.expect.empty() && w_rx.expect.empty() && ar_rx.expect.empty() && r_rx.expect.empty() &&
           b_rx.expect.empty();
  };
  while (edges < limit) {
    const bool core = t_core <= t_axi;
    if (core) {
      // Handshakes of the core side at this edge (the values before it).
      const bool aw_take = m.s_axi_awvalid && m.s_axi_awready, ar_take = m.s_axi_arvalid && m.s_axi_arready;
      const bool w_take = m.s_axi_wvalid && m.s_axi_wready;
      if (m.s_axi_awvalid && !m.s_axi_awready) ++full_seen[0];
      if (m.s_axi_wvalid && !m.s_axi_wready) ++full_seen[1];
      if (m.s_axi_arvalid && !m.s_axi_arready) ++full_seen[2];
      r_rx.sample("R", m.s_axi_rvalid, m.s_axi_rready,
                  read_beat(m.s_axi_rdata, (uint32_t(m.s_axi_rid) << 2) | m.s_axi_rresp, m.s_axi_rlast));
      if (m.s_axi_r2valid && !m.s_axi_rvalid) fail("R: the second lane valid without the first");
      if (m.s_axi_rvalid && m.s_axi_rready && m.s_axi_r2valid && m.s_axi_r2ready) {
        r_rx.sample("R (second lane)", true, true,
                    read_beat(m.s_axi_r2data, (uint32_t(m.s_axi_r2id) << 2) | m.s_axi_r2resp, m.s_axi_r2last));
        ++r_pairs;
      }
      b_rx.sample("B", m.s_axi_bvalid, m.s_axi_bready, Resp{m.s_axi_bid, m.s_axi_bresp});
      next_edge();
      advance(aw, aw_take);
      advance(ar, ar_take);
      advance(w, w_take);
      rdy_r = rng.chance(ready_pct[3]);
      rdy_r2 = rng.chance(50);
      rdy_b = rng.chance(ready_pct[4]);
      drive_core();
    } else {
      const bool r_take = m.m_axi_rvalid && m.m_axi_rready, b_take = m.m_axi_bvalid && m.m_axi_bready;
      if (m.m_axi_rvalid && !m.m_axi_rready) ++full_seen[3];
      if (m.m_axi_bvalid && !m.m_axi_bready) ++full_seen[4];
      const Addr awv{m.m_axi_awaddr, m.m_axi_awburst, m.m_axi_awid, m.m_axi_awlen, m.m_axi_awsize};
      const Addr arv{m.m_axi_araddr, m.m_axi_arburst, m.m_axi_arid, m.m_axi_arlen, m.m_axi_arsize};
      const Beat wv = read_beat(m.m_axi_wdata, m.m_axi_wstrb, m.m_axi_wlast);
      const bool aw_in = m.m_axi_awvalid && m.m_axi_awready, ar_in = m.m_axi_arvalid && m.m_axi_arready;
      const bool w_in = m.m_axi_wvalid && m.m_axi_wready;
      aw_rx.sample("AW", m.m_axi_awvalid, m.m_axi_awready, awv);
      ar_rx.sample("AR", m.m_axi_arvalid, m.m_axi_arready, arv);
      w_rx.sample("W", m.m_axi_wvalid, m.m_axi_wready, wv);
      next_edge();
      // The slave: a read burst's R beats; a write burst's B once its AW and last W beat are in.
      if (ar_in)
        for (unsigned j = 0; j <= arv.len; ++j) rr.items.push_back(r_beat(arv, j));
      if (aw_in) slave_aw.push_back(awv);
      if (w_in && wv.last) ++slave_w_bursts;
      while (!slave_aw.empty() && slave_w_bursts > 0) {
        b.items.push_back(b_resp(slave_aw.front()));
        slave_aw.pop_front();
        --slave_w_bursts;
      }
      advance(rr, r_take);
      advance(b, b_take);
      rdy_aw = rng.chance(ready_pct[0]);
      rdy_w = rng.chance(ready_pct[1]);
      rdy_ar = rng.chance(ready_pct[2]);
      drive_axi();
    }
    m.eval();
    ++edges;
    // Phases: a receiver stalled (its FIFO fills), mostly ready, half ready, always ready; each
    // receiver with its own phase length, the senders' gaps with another.
    for (unsigned k = 0; k < 5; ++k) {
      const uint64_t len = 250 + 70 * k;
      if (edges % len == 0) {
        const uint64_t ph = (edges / len + k) % 4;
        ready_pct[k] = ph == 0 ? 0 : ph == 1 ? 95 : ph == 2 ? 50 : 100;
      }
    }
    if (edges % 430 == 0) valid_pct = (edges / 430) % 3 == 0 ? 30 : (edges / 430) % 3 == 1 ? 100 : 80;
    if (all_done() && ++idle_after > 400) break;
  }
  // Nothing left over: no beat offered after the last expected one.
  if (m.m_axi_awvalid || m.m_axi_wvalid || m.m_axi_arvalid || m.s_axi_rvalid || m.s_axi_bvalid)
    fail("a valid is still high after every beat arrived (a beat delivered twice)");
  const char* ch[5] = {"AW", "W", "AR", "R", "B"};
  const uint64_t left[5] = {aw_rx.expect.size(), w_rx.expect.size(), ar_rx.expect.size(), r_rx.expect.size(),
                            b_rx.expect.size()};
  for (int i = 0; i < 5; ++i) {
    if (left[i]) fail(std::string(ch[i]) + ": " + std::to_string(left[i]) + " beats never arrived");
    if (!full_seen[i]) fail(std::string(ch[i]) + ": its FIFO never filled (backpressure not exercised)");
  }
  if (!r_pairs) fail("R: no core cycle took two beats (the second lane not exercised)");
  std::printf("tb_axi_cdc: core %.3f ps, axi %.3f ps, phase %.3f ps: %" PRIu64 " core and %" PRIu64
              " axi edges; beats AW %" PRIu64 " W %" PRIu64 " AR %" PRIu64 " R %" PRIu64 " B %" PRIu64
              "; writer stalled (FIFO full) AW %" PRIu64 " W %" PRIu64 " AR %" PRIu64 " R %" PRIu64 " B %" PRIu64
              " cycles; %" PRIu64 " synchroniser samples resolved to the old value; %" PRIu64
              " core cycles took two R beats\n",
              tc, ta, phase, n_core, n_axi, aw_rx.got, w_rx.got, ar_rx.got, r_rx.got, b_rx.got, full_seen[0],
              full_seen[1], full_seen[2], full_seen[3], full_seen[4], meta_flips, r_pairs);
  if (failures) {
    std::printf("FAILED (%d errors)\n", failures);
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
