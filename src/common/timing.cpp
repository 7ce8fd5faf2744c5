#include "skipopu/timing.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
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


void kv_walk(const KvWalkTiming& t, const WalkEntry* e, size_t n, uint64_t* at, uint32_t context,
             std::vector<TableReadRun>* reads, uint64_t* end) {
  if (t.beat_bytes == 0 || (t.read_bytes != 0 && t.beat_bytes < t.read_bytes))
    throw std::logic_error("kv_walk: a read-out beat narrower than the buffer's read rate");
  const uint64_t w = t.walk_cycles;
  uint64_t base = t.request_cycles;  // the cycle the walk reaches token base_tok
  uint64_t base_tok = 0;
  if (reads) reads->clear();
  // the table reads of tokens base_tok .. last, the run since the walk last reread its table
  auto run_to = [&](uint64_t last) {
    if (reads && w != 0 && last + 1 > base_tok) reads->push_back({base - t.request_cycles, last + 1 - base_tok});
  };
  uint64_t idle = 0;   // the first cycle the buffer takes a lookup
  uint64_t beats = 0;  // hit beats read out so far
  // the cycle the read ports have read out the attention's first `b` hit beats (0: at once)
  auto credit = [&](uint64_t b) { return t.read_bytes == 0 ? 0 : ceil_div(b * t.beat_bytes, t.read_bytes); };
  for (size_t i = 0; i < n; ++i) {
    const uint64_t reach = w == 0 ? t.request_cycles : base + (e[i].token - base_tok) * w;
    if (e[i].kind == WalkKind::Read) {
      at[i] = reach;
      continue;
    }
    const uint64_t lookup = std::max(reach, idle);
    if (e[i].kind == WalkKind::Hit) {
      const uint64_t nb = std::max<uint64_t>(1, ceil_div(e[i].bytes, t.beat_bytes));
      const uint64_t first = std::max(lookup + t.hit_latency, credit(beats + 1));
      beats += nb;
      // beat k at max(lookup + hit_latency + k, beat k-1 + 1, its credit); a credit step is a
      // cycle at least (beat_bytes >= read_bytes), so the last is the later of the two ends
      const uint64_t last = std::max(lookup + t.hit_latency + nb - 1, credit(beats));
      at[i] = last;
      idle = last + 1;
      run_to(e[i].token);
      if (w != 0) {
        base = first + 1 + t.request_cycles;
        base_tok = uint64_t(e[i].token) + 1;
      }
    } else {
      const uint64_t answer = lookup + t.miss_latency;
      idle = answer + 1;
      at[i] = w == 0 ? t.request_cycles : answer + 2;
      run_to(e[i].token);
      if (w != 0) {
        base = answer + 2 + t.request_cycles;
        base_tok = uint64_t(e[i].token) + 1;
      }
    }
  }
  if (context > 0) run_to(uint64_t(context) - 1);
  if (end) {
    if (context == 0 || w == 0) *end = 0;
    // the last token classified in turn, or the one after the last lookup: base - request_cycles
    else if (base_tok < context) *end = base + (uint64_t(context) - 1 - base_tok) * w + w - 1;
    else *end = base - t.request_cycles;
  }
}

void kv_walk_reference(const KvWalkTiming& t, const WalkEntry* e, size_t n, uint64_t* at, uint32_t context,
                       std::vector<uint64_t>* reads, uint64_t* end) {
  if (t.request_cycles < 1 || t.walk_cycles < 1 || t.hit_latency < 2 || t.miss_latency < 2 || t.beat_bytes == 0)
    throw std::logic_error("kv_walk_reference: request_cycles, walk_cycles >= 1, latencies >= 2");
  // The walk, cycle x after the start (x = 0): RD, the table read (request_cycles - 1 cycles; the
  // start's cycle is one); CL, a token classified in its first cycle (an own entry appended
  // then, requested the cycle after), the next token walk_cycles later; a reused token: LK (the
  // lookup once the buffer is idle), RSP (its first beat or its miss answer taken), APP (a
  // miss appended), then RD again.
  enum { RD, CL, LK, RSP, APP, DONE } as = RD;
  uint64_t cnt = t.request_cycles - 1;  // RD: cycles left; CL: cycles spent on the token
  size_t i = 0;                         // the walk's next entry
  uint64_t tok = 0;
  if (reads) reads->clear();
  if (end) *end = 0;
  // CL from cycle `cl` (its token reached the cycle after it): the token's table read
  // request_cycles before that when `chained` (classified straight after the previous token;
  // else its read was RD's first cycle, recorded by enter_rd)
  auto enter_cl = [&](uint64_t cl, bool chained) {
    as = i == n && tok >= context ? DONE : CL;
    cnt = 0;
    if (as == DONE && end && tok > 0) *end = cl;  // the walk over (A_FL)
    if (as == CL && chained && reads) reads->push_back(cl + 1 - t.request_cycles);
  };
  auto enter_rd = [&](uint64_t rd) {
    if (i == n && tok >= context) {  // the last token was a lookup: over, no table read
      as = DONE;
      if (end) *end = rd;
    } else if (t.request_cycles == 1) enter_cl(rd, true);
    else {
      as = RD;
      cnt = t.request_cycles - 1;
      if (reads && (i < n || tok < context)) reads->push_back(rd);
    }
  };
  if (cnt == 0) enter_cl(0, true);
  else if (reads && (n > 0 || context > 0)) reads->push_back(0);
  // The buffer: a lookup issues its reads (a hit's beats, or one miss answer) from
  // latency - 2 cycles after it, one a cycle while fewer than two items wait (the queue and the
  // one issued the cycle before); an item is in the queue 2 cycles after its issue.
  struct Item {
    bool hit, last;
    uint64_t due;
  };
  std::deque<Item> pipe, queue;
  bool lk_busy = false, lk_hit = false, drain = false;
  uint64_t issue_at = 0, rd_left = 0;
  size_t rd_entry = 0;
  int64_t cred = 0;  // read-out bytes not yet taken (none at the start; read_bytes a cycle)
  for (uint64_t x = 0; as != DONE || drain || lk_busy || !queue.empty() || !pipe.empty(); ++x) {
    if (x > (uint64_t(1) << 32)) throw std::logic_error("kv_walk_reference: no progress");
    while (!pipe.empty() && pipe.front().due == x) {
      queue.push_back(pipe.front());
      pipe.pop_front();
    }
    const bool idle = !lk_busy && queue.empty() && pipe.empty();
    const bool h_ok = t.read_bytes == 0 || cred >= int64_t(t.beat_bytes);
    bool pop = false;
    Item head{};
    if (!queue.empty()) {
      head = queue.front();
      pop = head.hit ? ((drain || as == RSP) && h_ok) : as == RSP;
    }
    const bool can_issue = queue.size() + pipe.size() < size_t(pop) + 2;
    bool lookup = false;
    switch (as) {
      case RD:
        if (--cnt == 0) enter_cl(x + 1, false);
        break;
      case CL:
        if (cnt == 0 && i < n && e[i].token == tok && e[i].kind != WalkKind::Read) {
          as = LK;
          break;
        }
        if (cnt == 0 && i < n && e[i].token == tok) {  // an own entry: requested the cycle after
          at[i] = x + 1;
          ++i;
        }
        if (++cnt == t.walk_cycles) {
          ++tok;
          enter_cl(x + 1, true);
        }
        break;
      case LK:
        if (idle) {
          lookup = true;
          as = RSP;
        }
        break;
      case RSP:
        if (pop) {
          ++tok;
          if (head.hit) {
            ++i;
            enter_rd(x + 1);
          } else {
            as = APP;
          }
        }
        break;
      case APP:
        at[i] = x + 1;
        ++i;
        enter_rd(x + 1);
        break;
      default:
        break;
    }
    if (pop) {
      queue.pop_front();
      if (head.hit) {
        cred -= int64_t(t.beat_bytes);
        drain = !head.last;
        if (head.last) at[rd_entry] = x;
      }
    }
    if (lookup) {
      lk_busy = true;
      lk_hit = e[i].kind == WalkKind::Hit;
      issue_at = x + (lk_hit ? t.hit_latency : t.miss_latency) - 2;
      rd_left = lk_hit ? std::max<uint64_t>(1, ceil_div(e[i].bytes, t.beat_bytes)) : 1;
      rd_entry = i;
    }
    if (lk_busy && x >= issue_at && can_issue) {
      pipe.push_back(Item{lk_hit, rd_left == 1, x + 2});
      if (--rd_left == 0) lk_busy = false;
    }
    cred += int64_t(t.read_bytes);
  }
}

}  // namespace skipopu::timing
