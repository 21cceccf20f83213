"""Where Anderson's solver overhead on problem (b) of `bench/solvers.py` comes from, and what bounds it from below.

Two measurements, printed with their protocol; the last line is JSON.

1. Memory sweep. Anderson type II with m = 1..5 on (b) (the DEQ-tutorial conv cell, batch 64, state 6.4 MB) next to
   forward iteration, runs interleaved solver by solver (so machine drift hits all alike), median of --repeats runs.
   overhead = solve time / time f itself took inside that solve, as in `bench/solvers.py`. Per iteration, Anderson's
   own work beyond forward iteration costs (overhead - 1) x t_f; the sweep separates the part that grows with m (memory
   traffic over the stored residuals and images) from the fixed part (the small solve, bookkeeping, dispatch).

2. Fused-kernel probe. The residual / history / Gram-row step of one iteration (G_s = F - X, Y_s = F, the Gram row
   G_s . G_j, |F|^2) as the separate PyTorch ops jiio uses against one hand-fused C++ kernel (OpenMP over samples, one
   pass over the state, non-temporal stores for the two history writes), compiled with torch.utils.cpp_extension.
   Both are timed with the history cold (16 other state-sized tensors written in between, as f's activations would)
   and F, X warm, as they are right after f. Needs a C++ compiler and `pip install ninja`; skipped otherwise.

usage: python bench/anderson_floor.py [--repeats 5]"""
import argparse, json, statistics, sys, time, os
import torch
from solvers import problems, Ours

def sweep(repeats):
    "Anderson-II with m = 1..5 and forward iteration on (b), interleaved; one row per solver."
    _, (pname, cell, x, src) = problems()
    bs = {'fixed_point_iter': Ours(cell, x, 'fixed_point_iter', {})}
    bs.update({f'anderson-II m={m}': Ours(cell, x, 'anderson', dict(kind='II', m=m)) for m in range(1, 6)})
    for _ in range(repeats):
        for b in bs.values(): b.fwd()
    t_f = statistics.median(statistics.median(b.alone) for b in bs.values())
    print(f'{pname} (x: {src}); one f evaluation (standalone): {1e3 * t_f:.2f} ms; median of {repeats} interleaved runs')
    print(f"{'solver':20s} {'nfev':>5s} {'fwd ms':>8s} {'overhead':>8s} {'extra ms/iter':>13s}")
    rows = []
    for name, b in bs.items():
        t = statistics.median(r[0] for r in b.runs)
        ovh = statistics.median(r[0] / r[1] for r in b.runs)
        f_in = statistics.median(r[1] for r in b.runs) / b.res.nfev
        rows.append(dict(solver=name, nfev=b.res.nfev, fwd_ms=1e3 * t, overhead=ovh, extra_ms_per_iter=1e3 * (ovh - 1) * f_in))
        print(f"{name:20s} {b.res.nfev:5d} {1e3 * t:8.1f} {ovh:8.3f} {rows[-1]['extra_ms_per_iter']:13.2f}")
    return rows

KERNEL = r'''
#include <torch/extension.h>
#include <immintrin.h>
#include <algorithm>
// G[:, s] = F - X and Y[:, s] = F (non-temporal stores); returns (g . G[:, j] for j < n, |F|^2), one pass per sample.
std::vector<torch::Tensor> resid_gram(torch::Tensor F, torch::Tensor X, torch::Tensor G, torch::Tensor Y, int64_t s, int64_t n) {
  const int64_t B = F.size(0), D = F.size(1), m = G.size(1), CH = 2048;
  TORCH_CHECK(D % 8 == 0 && F.is_contiguous() && X.is_contiguous() && G.is_contiguous() && Y.is_contiguous());
  auto out = torch::empty({B, n}, F.options()); auto fn = torch::empty({B}, F.options());
  const float *f = F.data_ptr<float>(), *x = X.data_ptr<float>();
  float *g = G.data_ptr<float>(), *y = Y.data_ptr<float>(), *o = out.data_ptr<float>(), *fo = fn.data_ptr<float>();
  #pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < B; ++b) {
    const float *fb = f + b * D, *xb = x + b * D;
    float *gs = g + (b * m + s) * D, *ys = y + (b * m + s) * D;
    alignas(32) float buf[2048]; double acc[64] = {0}, accf = 0;
    for (int64_t c0 = 0; c0 < D; c0 += CH) {
      const int64_t L = std::min(D, c0 + CH) - c0; float af = 0, ag = 0;
      #pragma omp simd reduction(+:af,ag)
      for (int64_t i = 0; i < L; ++i) { float fi = fb[c0 + i], gi = fi - xb[c0 + i]; buf[i] = gi; af += fi * fi; ag += gi * gi; }
      for (int64_t i = 0; i < L; i += 8) {
        _mm256_stream_ps(gs + c0 + i, _mm256_load_ps(buf + i)); _mm256_stream_ps(ys + c0 + i, _mm256_loadu_ps(fb + c0 + i)); }
      accf += af; acc[s] += ag;
      for (int64_t j = 0; j < n; ++j) {
        if (j == s) continue;
        const float *gj = g + (b * m + j) * D + c0; float a = 0;
        #pragma omp simd reduction(+:a)
        for (int64_t i = 0; i < L; ++i) a += buf[i] * gj[i];
        acc[j] += a; }
    }
    _mm_sfence();
    for (int64_t j = 0; j < n; ++j) o[b * n + j] = (float)acc[j];
    fo[b] = (float)accf;
  }
  return {out, fn};
}
'''

def probe(repeats=30, B=64, D=25088, m=5, s=2):
    "The residual/history/Gram step as PyTorch ops vs one fused C++ kernel; cold history, warm F and X."
    try:
        import ninja  # noqa: F401
        from torch.utils.cpp_extension import load_inline
        t = time.perf_counter()
        mod = load_inline('jiio_anderson_probe', cpp_sources=KERNEL, functions=['resid_gram'],
                          extra_cflags=['-O3', '-mavx2', '-fopenmp'], extra_ldflags=['-fopenmp'])
        t_build = time.perf_counter() - t
    except Exception as e:
        print(f'fused-kernel probe skipped: {type(e).__name__}: {str(e)[:200]}'); return None
    F, X = torch.randn(B, D), torch.randn(B, D)
    G, Y = torch.randn(B, m, D), torch.randn(B, m, D)
    G2, Y2 = G.clone(), Y.clone()
    o, fn = mod.resid_gram(F, X, G, Y, s, m)
    torch.sub(F, X, out=G2[:, s]); Y2[:, s].copy_(F)
    ref = torch.bmm(G2[:, s:s+1], G2[:, :m].transpose(1, 2))[:, 0]
    err = ((o - ref).abs().max() / ref.abs().max()).item()
    assert torch.equal(G, G2) and torch.equal(Y, Y2) and err < 1e-5, 'the fused kernel disagrees with the PyTorch ops'
    others = [torch.randn(B, D) for _ in range(16)]
    def cold(fn):
        ts = []
        for _ in range(repeats):
            for a in others: a.add_(1)
            F.add_(0); X.add_(0)
            t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
        return 1e3 * statistics.median(ts)
    def ops():
        torch.sub(F, X, out=G2[:, s]); Y2[:, s].copy_(F)
        torch.bmm(G2[:, s:s+1], G2[:, :m].transpose(1, 2)); torch.linalg.vector_norm(F, dim=1)
    t_ops, t_fused = [], []
    for _ in range(3): t_ops.append(cold(ops)); t_fused.append(cold(lambda: mod.resid_gram(F, X, G, Y, s, m)))
    r = dict(build_s=t_build, max_rel_err=err, ops_ms=statistics.median(t_ops), fused_ms=statistics.median(t_fused))
    print(f'state {B}x{D}, m={m}; built in {t_build:.0f} s; Gram row agrees to {err:.1e} (relative), history writes exact')
    print(f"PyTorch ops (sub into the slot, copy, bmm, vector_norm): {r['ops_ms']:.2f} ms;  fused kernel: {r['fused_ms']:.2f} ms "
          f"(median of 3 x {repeats})")
    return r

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(2)
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}\n')
    rows = sweep(a.repeats); print()
    fused = probe()
    print(json.dumps(dict(benchmark='anderson_floor', repeats=a.repeats, sweep=rows, fused_probe=fused)))
