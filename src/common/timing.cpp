#include "skipopu/timing.hpp"

#include <algorithm>
#include <vector>

namespace skipopu::timing {

namespace {

// Tile i of n arriving linearly between first and last (floored).
uint64_t linear_arrival(uint64_t first, uint64_t last, uint64_t i, uint64_t n) {
  return n == 1 ? first : first + (i * (last - first)) / (n - 1);
}

}  // namespace

uint64_t overlap_finish_reference(uint64_t start, uint64_t first, uint64_t last, uint64_t n_tiles,
                                  uint64_t tile_cycles) {
  uint64_t t = start;
  for (uint64_t i = 0; i < n_tiles; ++i) {
    const uint64_t arrival = linear_arrival(first, last, i, n_tiles);
    if (arrival > t) t = arrival;
    t += tile_cycles;
  }
  return t;
}

// Cycles of one tile step of `tokens` tokens when a tile takes `tile_read` cycles to read out.
static uint64_t tile_step(uint64_t tokens, uint64_t tile_read) {
  return tokens == 0 ? 0 : tokens > tile_read ? tokens : tile_read;
}

GemmWork gemm_work(const ArrayShape& a, const GemmPart* parts, size_t nparts, uint64_t tile_read) {
  GemmWork w;
  for (size_t i = 0; i < nparts; ++i) {
    w.compute += gemm_tiles(a, parts[i].k, parts[i].n) * tile_step(parts[i].tokens, tile_read);
    w.macs += parts[i].k * parts[i].n * parts[i].tokens;
    if (i > 0 && parts[i].tokens > parts[i - 1].tokens) w.ordered = false;
    w.tail = tile_step(parts[i].tokens, tile_read);
  }
  return w;
}

uint64_t gemm_finish_reference(const ArrayShape& a, const GemmPart* parts, size_t nparts, uint64_t start,
                               uint64_t first, uint64_t last, uint64_t tile_read) {
  uint64_t n = 0;
  for (size_t i = 0; i < nparts; ++i) {
    // Count the tiles by walking the matrix: row blocks of `rows` outputs, column blocks
    // of `cols` inputs.
    for (uint64_t r = 0; r < parts[i].n; r += a.rows)
      for (uint64_t c = 0; c < parts[i].k; c += a.cols) ++n;
  }
  uint64_t t = start, j = 0;
  for (size_t i = 0; i < nparts; ++i)
    for (uint64_t r = 0; r < parts[i].n; r += a.rows)
      for (uint64_t c = 0; c < parts[i].k; c += a.cols) {
        const uint64_t arrival = linear_arrival(first, last, j++, n);
        if (arrival > t) t = arrival;
        uint64_t step = 0;
        for (uint64_t m = 0; m < parts[i].tokens; ++m) ++step;  // one token vector per cycle
        if (parts[i].tokens > 0 && step < tile_read) step = tile_read;  // the tile's read-out
        t += step;
      }
  return t;
}

uint64_t router_finish_reference(uint64_t start, bool from_hbm, uint64_t weights_done, uint64_t tokens, uint64_t d,
                                 uint32_t lanes, uint32_t latency) {
  const uint64_t ready = from_hbm ? weights_done : start;
  uint64_t t = start;
  for (uint64_t k = 0; k < tokens; ++k)
    for (uint64_t e = 0; e < d; e += lanes) {
      if (ready > t) t = ready;
      ++t;
    }
  return t + latency;
}

AttentionCycles attention_cycles(const ArrayShape& a, const AttentionShape& s) {
  AttentionCycles w;
  for (size_t q = 0; q < s.queries; ++q) {
    w.qk += attn_qk_cycles(a, s.heads, s.head_dim, s.context[q]);
    w.pv += attn_pv_cycles(a, s.heads, s.head_dim, s.context[q]);
    w.softmax_elems += s.heads * s.context[q];
  }
  w.tail = attn_qk_cycles(a, s.heads, s.head_dim, 1) + attn_pv_cycles(a, s.heads, s.head_dim, 1);
  return w;
}

StepCounts step_counts(const ArrayShape& a, const AttentionShape& s) {
  return {s.heads * ceil_div(s.head_dim, a.cols), s.heads * ceil_div(s.head_dim, a.rows)};
}

uint64_t attention_stream_finish(const ArrayShape& a, const AttentionShape& s, uint64_t start, const uint64_t* ready,
                                 size_t entries, AttnSteps steps) {
  const bool qk = steps != AttnSteps::PvOnly, pv = steps != AttnSteps::QkOnly;
  // Steps by the entry they need: cnt[e].
  thread_local std::vector<uint64_t> cnt;
  cnt.assign(entries, 0);
  const StepCounts k = step_counts(a, s);
  uint64_t total = 0;
  for (size_t q = 0; q < s.queries; ++q) {
    const uint64_t n = s.context[q];
    if (qk) {
      for (uint64_t kb = 0; kb < n; kb += a.rows) cnt[std::min<uint64_t>(kb + a.rows, n) - 1] += k.qk_block;
      total += ceil_div(n, a.rows) * k.qk_block;
    }
    if (!pv) continue;
    for (uint64_t ec = 0; ec < n; ec += a.cols) cnt[std::min<uint64_t>(ec + a.cols, n) - 1] += k.pv_chunk;
    total += ceil_div(n, a.cols) * k.pv_chunk;
  }
  // take: the cycle the step engine takes entry e (one entry a cycle, in stream order, none
  // before the start): max(ready[e], take of e - 1 + 1).
  uint64_t best = start + total, suffix = total, take = start;
  for (size_t e = 0; e < entries; ++e) {
    if (e > 0) ++take;
    if (ready[e] > take) take = ready[e];
    if (cnt[e] == 0) continue;
    if (take + suffix > best) best = take + suffix;
    suffix -= cnt[e];
  }
  return best;
}

uint64_t attention_stream_reference(const ArrayShape& a, const AttentionShape& s, uint64_t start,
                                    const uint64_t* ready, size_t entries, AttnSteps steps) {
  const bool qk = steps != AttnSteps::PvOnly, pv = steps != AttnSteps::QkOnly;
  std::vector<uint64_t> need;  // per step, in walk order
  for (size_t q = 0; q < s.queries; ++q) {
    const uint64_t n = s.context[q];
    for (uint64_t h = 0; h < s.heads; ++h) {
      if (qk)
        for (uint64_t kb = 0; kb < n; kb += a.rows)
          for (uint64_t dc = 0; dc < s.head_dim; dc += a.cols) need.push_back(std::min<uint64_t>(kb + a.rows, n) - 1);
      if (!pv) continue;
      for (uint64_t ob = 0; ob < s.head_dim; ob += a.rows)
        for (uint64_t ec = 0; ec < n; ec += a.cols) need.push_back(std::min<uint64_t>(ec + a.cols, n) - 1);
    }
  }
  std::stable_sort(need.begin(), need.end());
  std::vector<uint64_t> take(entries);  // the cycle entry e is taken: one a cycle, in order, from the start
  for (size_t e = 0; e < entries; ++e) take[e] = std::max(ready[e], e ? take[e - 1] + 1 : start);
  uint64_t t = start;
  for (uint64_t e : need) {
    if (take[e] > t) t = take[e];
    ++t;
  }
  return t;
}

// Beat j of an n-beat request: visible linearly between its first and its last data.
static uint64_t beat_visible(uint64_t first, uint64_t done, uint64_t beats, uint64_t j) {
  return beats <= 1 ? done : first + (j * (done - first)) / (beats - 1);
}

void EmbedIntake::start(uint32_t ports, uint64_t start, uint32_t lanes) {
  lanes_ = lanes;
  ports_.resize(ports);
  for (Port& q : ports_) {
    q.runs.clear();
    q.parts.clear();
    q.run_taken = 0;
  }
  cycle_ = end_ = start;
  left_ = 0;
}

void EmbedIntake::add(uint32_t port, uint32_t beats, uint64_t first, uint64_t done) {
  if (beats == 0) return;
  ports_[port].parts.push_back(Part{first, done, beats, 0});
  left_ += beats;
}

int EmbedIntake::take(Port& q, uint64_t c) {
  int r;
  if (!q.runs.empty()) {
    Run& h = q.runs.front();
    r = 1;
    if (++q.run_taken == h.beats) {
      q.run_taken = 0;
      r = 2;
      if (--h.count == 0) q.runs.pop_front();
    }
  } else {
    if (q.parts.empty()) return 0;
    Part& h = q.parts.front();
    if (beat_visible(h.first, h.done, h.beats, h.taken) > c) return 0;
    r = 1;
    if (++h.taken == h.beats) {
      q.parts.pop_front();
      r = 2;
    }
  }
  --left_;
  return r;
}

void EmbedIntake::advance(uint64_t horizon) {
  while (left_ > 0 && cycle_ < horizon) {
    const uint64_t c = cycle_;
    // a port's requests all visible by c join its runs (in order: the oldest first)
    for (Port& q : ports_)
      while (!q.parts.empty() && q.parts.front().done <= c) {
        const Part& h = q.parts.front();
        if (q.runs.empty()) q.run_taken = h.taken;  // only the oldest may be part taken
        if (!q.runs.empty() && q.runs.back().beats == h.beats) ++q.runs.back().count;
        else q.runs.push_back(Run{h.beats, 1});
        q.parts.pop_front();
      }
    bool took = false;
    for (Port& q : ports_) {
      int r = take(q, c);
      if (r == 0) continue;
      for (uint32_t l = 1; r == 1 && l < lanes_; ++l) r = take(q, c);  // the other lanes: the request's next beats, if visible
      took = true;
      break;
    }
    if (!took) {  // no beat visible: on to the first one that will be
      uint64_t soonest = UINT64_MAX;
      for (const Port& q : ports_)
        if (!q.parts.empty()) {
          const Part& h = q.parts.front();
          soonest = std::min(soonest, beat_visible(h.first, h.done, h.beats, h.taken));
        }
      cycle_ = std::min(soonest, horizon);
      continue;
    }
    end_ = c;
    cycle_ = c + 1;
  }
}

uint64_t embed_intake_reference(const IntakeRow* rows, size_t n, uint32_t ports, uint64_t start, uint32_t lanes) {
  struct Beat {
    uint64_t at;
    size_t row;
  };
  std::vector<std::vector<Beat>> at(ports);
  for (size_t i = 0; i < n; ++i)
    for (uint64_t j = 0; j < rows[i].beats; ++j)
      at[rows[i].port].push_back(Beat{beat_visible(rows[i].first, rows[i].done, rows[i].beats, j), i});
  std::vector<size_t> pos(ports, 0);
  size_t left = 0;
  for (const auto& v : at) left += v.size();
  uint64_t end = start;
  for (uint64_t c = start; left > 0; ++c) {
    for (uint32_t p = 0; p < ports; ++p) {
      const auto& v = at[p];
      size_t& k = pos[p];
      if (k < v.size() && v[k].at <= c) {  // e_sel: the lowest port with a beat
        ++k;
        --left;
        for (uint32_t l = 1; l < lanes && k < v.size() && v[k].at <= c && v[k].row == v[k - 1].row; ++l) {
          ++k;  // the other lanes: the same request's next beats
          --left;
        }
        end = c;
        break;
      }
    }
  }
  return end;
}

}  // namespace skipopu::timing
