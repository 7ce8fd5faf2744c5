#include "skipopu/baselines/gpu_model.hpp"

#include <algorithm>
#include <dirent.h>
#include <functional>

#include "skipopu/error.hpp"
#include "skipopu/sizes.hpp"

namespace skipopu::baselines {

namespace {

GpuKernels read_kernels(JsonReader& parent, const char* key) {
  JsonReader o = parent.object(key);
  GpuKernels k;
  k.attn = o.real("attn", 0, 1e4);
  k.attn_kv_only = o.real("attn_kv_only", 0, 1e4);
  k.mlp = o.real("mlp", 0, 1e4);
  k.router = o.real("router", 0, 1e4);
  k.token = o.real("token", 0, 1e4);
  o.finish();
  return k;
}

GpuWeights read_weights(JsonReader& parent, const char* key) {
  JsonReader o = parent.object(key);
  GpuWeights w;
  w.bits = static_cast<uint32_t>(o.u64("bits", 1, 16));
  w.group_size = static_cast<uint32_t>(o.u64("group_size", 0, 1u << 20));
  w.scale_bits = static_cast<uint32_t>(o.u64("scale_bits", 0, 32));
  w.zero_point_bits = static_cast<uint32_t>(o.u64("zero_point_bits", 0, 32));
  w.lm_head_bits = static_cast<uint32_t>(o.u64("lm_head_bits", 1, 16));
  w.embedding_bits = static_cast<uint32_t>(o.u64("embedding_bits", 1, 32));
  o.finish();
  return w;
}

double dequant_s(const GpuCard& c, uint64_t weights, uint32_t bits) {
  return bits < 16 ? double(weights) * c.dequant_ps_per_weight * 1e-12 : 0.0;
}

}  // namespace

const char* to_string(GpuMode m) { return m == GpuMode::Dense ? "dense" : "skip"; }

GpuWeights gpu_weights_from(const WeightFormat& f) {
  GpuWeights w;
  w.bits = f.bits;
  w.group_size = f.group_size;
  w.scale_bits = f.scale_bits;
  w.zero_point_bits = f.zero_point_bits;
  w.lm_head_bits = f.lm_head_bits;
  w.embedding_bits = f.embedding_bits;
  return w;
}

uint64_t gpu_matrix_bytes(const GpuWeights& f, uint64_t k, uint64_t n, uint32_t bits) {
  // 16-bit weights on a GPU are FP16: no group scales.
  return sizes::matrix_bytes(k, n, bits, f.group_size, bits < 16 ? f.scale_bits + f.zero_point_bits : 0);
}

GpuCard load_gpu_card(const std::string& path) {
  const Json doc = load_json_file(path);
  JsonReader r(doc, path);
  GpuCard c;
  c.file = path;
  c.name = r.str("name");
  r.str("description");
  c.status = r.choice("status", {"modelled", "measured"});
  c.peak_gbps = r.real("peak_bandwidth_gbps", 1, 1e5);
  c.reachable_fraction = r.real("reachable_fraction", 0.05, 1.0);
  c.kernel_overhead_us = r.real("kernel_overhead_us", 0, 1e4);
  c.dequant_ps_per_weight = r.real("dequant_ps_per_weight", 0, 1e4);
  c.launch_us = r.real("launch_us", 0, 1e5);
  c.graph_launch_us = r.real("graph_launch_us", 0, 1e5);
  c.host_sync_us = r.real("host_sync_us", 0, 1e5);
  c.cuda_graphs = r.boolean("cuda_graphs");
  c.sm_count = static_cast<uint32_t>(r.u64("sm_count", 1, 100000));
  c.boost_ghz = r.real("boost_ghz", 0.1, 10);
  JsonReader k = r.object("kernels");
  c.compiled = read_kernels(k, "compiled");
  c.eager = read_kernels(k, "eager");
  k.finish();
  for (JsonReader& p : r.objects("published")) {
    PublishedFigure f;
    f.figure = p.str("figure");
    f.source = p.str("source");
    f.tokens_per_s = p.real("tokens_per_s", 0.01, 1e6);
    f.fitted = p.choice("fitted", {"", "kernel_overhead_us", "dequant_ps_per_weight", "launch_us"});
    f.mode = p.choice("mode", {"dense", "skip"}) == "dense" ? GpuMode::Dense : GpuMode::Skip;
    f.graphs = p.boolean("cuda_graphs");
    f.model = p.str("model");
    f.prompt = static_cast<uint32_t>(p.u64("prompt", 1, 1u << 20));
    f.decode = static_cast<uint32_t>(p.u64("decode", 1, 1u << 20));
    f.weights = read_weights(p, "weights");
    p.finish();
    c.published.push_back(f);
  }
  c.measured = r.raw("measured");
  if (!c.measured.is_null() && !c.measured.is_object()) r.fail("measured", "expected null or an object");
  if (c.status == "measured" && c.measured.is_null()) r.fail("measured", "status is \"measured\" but no measurement");
  c.sources = r.raw("sources");
  r.finish();
  return c;
}

std::vector<std::string> gpu_card_paths(const std::string& data_dir) {
  std::vector<std::string> out;
  const std::string dir = data_dir + "/models/gpu";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) out.push_back(dir + "/" + n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw InputError(dir + ": no GPU cards (*.json)");
  return out;
}

GpuReplay::GpuReplay(const GpuCard& card, const ModelCard& m, const GpuWeights& w, uint32_t kv_bits,
                     KvPolicy policy, GpuMode mode, bool graphs)
    : card_(card), m_(m), w_(w), policy_(mode == GpuMode::Dense ? KvPolicy::Dense : policy), mode_(mode),
      graphs_(graphs), kv_(policy_, m.layers) {
  entry_bytes_ = sizes::kv_entry_bytes(m, kv_bits);
  attn_kv_w_ = m.attn_kv_weights();
  attn_w_ = m.attn_weights();
  mlp_w_ = m.mlp_weights();
  uint64_t b[sizes::kLayerMatrices];
  const auto lay = sizes::layer_matrices(m);
  for (size_t i = 0; i < lay.size(); ++i) b[i] = gpu_matrix_bytes(w, lay[i].k, lay[i].n, w.bits);
  attn_kv_b_ = b[sizes::kKvProj];
  attn_b_ = attn_kv_b_ + b[sizes::kQProj] + b[sizes::kOProj];
  mlp_b_ = b[sizes::kGateUp] + b[sizes::kDown];
  const sizes::MatrixShape head = sizes::lm_head(m);
  head_b_ = gpu_matrix_bytes(w, head.k, head.n, w.lm_head_bits);
  router_b_ = sizes::router_weight_bytes(m.d_model, 16);  // Linear(d->2) in FP16, read by a GPU kernel
  emb_b_ = sizes::embedding_row_bytes(m, w.embedding_bits);
  dense_.reset(m.layers);
  for (uint32_t l = 0; l < m.layers; ++l) {
    dense_.set_attn(l, true);
    dense_.set_mlp(l, true);
  }
}

void GpuReplay::add(const TokenRecord& rec_in) {
  const TokenRecord& rec = mode_ == GpuMode::Dense ? dense_ : rec_in;
  const uint32_t t = kv_.tokens();
  kv_.record(rec.attn);
  if (rec_in.prompt) return;
  const GpuKernels& kn = graphs_ ? card_.compiled : card_.eager;
  const double bw = card_.peak_gbps * 1e9 * card_.reachable_fraction;
  const double ovh = card_.kernel_overhead_us * 1e-6;
  const double launch = card_.launch_us * 1e-6;
  // Current segment.
  double seg_gpu = 0, seg_kernels = 0, total = 0, kernels = 0;
  auto kernel_work = [&](double n, uint64_t bytes, uint64_t weights, uint32_t bits) {
    seg_gpu += double(bytes) / bw + dequant_s(card_, weights, bits) + n * ovh;
    seg_kernels += n;
    kernels += n;
  };
  auto close_segment = [&](bool sync) {
    const double issue = graphs_ ? card_.graph_launch_us * 1e-6 : seg_kernels * launch;
    total += std::max(seg_gpu, issue);
    seg_gpu = seg_kernels = 0;
    if (sync) {
      total += card_.host_sync_us * 1e-6;
      ++r_.syncs;
    }
  };
  const bool skip = mode_ == GpuMode::Skip;
  uint64_t bytes = emb_b_;
  r_.other_bytes += emb_b_;
  // Head (embedding) and tail (final norm, LM head, sampling) kernels.
  kernel_work(kn.token, emb_b_ + head_b_, uint64_t(m_.vocab) * m_.d_model, w_.lm_head_bits);
  bytes += head_b_;
  r_.weight_bytes += head_b_;
  for (uint32_t l = 0; l < m_.layers; ++l) {
    for (int mod = 0; mod < 2; ++mod) {
      if (skip) {  // router decision, then the host reads it
        kernel_work(kn.router, router_b_, 0, 16);
        bytes += router_b_;
        r_.other_bytes += router_b_;
        close_segment(true);
      }
      if (mod == 0) {
        const bool ran = rec.attn_ran(l);
        uint64_t kvw = 0, kvr = 0;
        if (kv_.stored(t, l)) kvw = entry_bytes_;
        if (ran)
          for (uint32_t c = 0; c < t; ++c)
            if (kv_.source(c, l) >= 0) kvr += entry_bytes_;
        if (ran) {
          kernel_work(kn.attn, attn_b_ + kvr + kvw, attn_w_, w_.bits);
          bytes += attn_b_;
          r_.weight_bytes += attn_b_;
        } else if (policy_ == KvPolicy::Dense) {
          kernel_work(kn.attn_kv_only, attn_kv_b_ + kvw, attn_kv_w_, w_.bits);
          bytes += attn_kv_b_;
          r_.weight_bytes += attn_kv_b_;
        }
        bytes += kvr + kvw;
        r_.kv_read += kvr;
        r_.kv_write += kvw;
      } else if (rec.mlp_ran(l)) {
        kernel_work(kn.mlp, mlp_b_, mlp_w_, w_.bits);
        bytes += mlp_b_;
        r_.weight_bytes += mlp_b_;
      }
    }
  }
  close_segment(false);
  r_.seconds += total;
  r_.bytes += bytes;
  r_.kernels = (r_.kernels * double(r_.tokens) + kernels) / double(r_.tokens + 1);
  ++r_.tokens;
}

GpuResult gpu_replay_trace(const GpuCard& card, const ModelCard& m, const std::string& trace_path,
                           const GpuWeights& w, uint32_t kv_bits, KvPolicy policy, GpuMode mode, bool graphs) {
  TraceReader tr(trace_path);
  tr.check_model(m);
  GpuReplay g(card, m, w, kv_bits, policy, mode, graphs);
  TokenRecord rec;
  while (tr.next(rec)) g.add(rec);
  return g.result();
}

GpuResult gpu_replay_figure(const GpuCard& card, const ModelCard& m, const PublishedFigure& f) {
  GpuReplay g(card, m, f.weights, 16, KvPolicy::Dense, f.mode, f.graphs);
  TokenRecord rec;
  rec.reset(m.layers);
  for (uint32_t l = 0; l < m.layers; ++l) {
    rec.set_attn(l, true);
    rec.set_mlp(l, true);
  }
  for (uint32_t i = 0; i < f.prompt + f.decode; ++i) {
    rec.index = i;
    rec.prompt = i < f.prompt;
    g.add(rec);
  }
  return g.result();
}

GpuCard calibrate_gpu_card(const GpuCard& in, const std::string& data_dir) {
  GpuCard c = in;
  const char* order[] = {"kernel_overhead_us", "dequant_ps_per_weight", "launch_us"};
  for (const char* coef : order) {
    for (const PublishedFigure& f : in.published) {
      if (f.fitted != coef) continue;
      const ModelCard m = load_model_card(resolve_model_path(f.model, data_dir));
      double* p = f.fitted == "kernel_overhead_us" ? &c.kernel_overhead_us
                  : f.fitted == "dequant_ps_per_weight" ? &c.dequant_ps_per_weight : &c.launch_us;
      // tokens/s falls monotonically as the coefficient grows: bisection.
      double lo = 0, hi = 1000;
      for (int it = 0; it < 200; ++it) {
        *p = 0.5 * (lo + hi);
        if (gpu_replay_figure(c, m, f).tokens_per_s() > f.tokens_per_s) lo = *p; else hi = *p;
      }
      *p = 0.5 * (lo + hi);
    }
  }
  return c;
}

}  // namespace skipopu::baselines
