"""Benchmark multi-scale deformable attention at DepthFormer's real shapes.

Times forward + backward of the sampling core (value, sampling locations
and attention weights in, ``(N, Q, heads * D)`` out, gradients w.r.t. all
three) and measures its peak memory, for

* ``ours``: ``multi_scale_deformable_attn`` (grid_sample, chunked queries,
  recomputed in backward; what the HAHI neck uses),
* ``plain``: the same function unchunked, without recomputation (autograd
  keeps every sampled tensor),
* ``naive``: the explicit per-point loop reference from the tests, timed on
  a subset of the queries and extrapolated linearly (labelled as such).

Shapes default to DepthFormer Swin-L at a 352x704 KITTI crop: 4 Transformer
levels of 88x176, 44x88, 22x44, 11x22 (20,328 tokens), embed 512, 8 heads
(64 dims each), 8 points; ``self`` attention has all 20,328 tokens as
queries, ``cross`` attention the 176x352 = 61,952 conv tokens.

Every case runs in a fresh subprocess. Memory on CPU is the growth of the
process's peak RSS (``ru_maxrss``) during the first forward + backward,
over the inputs already allocated; on CUDA it is
``torch.cuda.max_memory_allocated`` minus the memory allocated before.

Examples::

    python tools/analysis_tools/benchmark_msda.py
    python tools/analysis_tools/benchmark_msda.py --device cuda --batch 2
    python tools/analysis_tools/benchmark_msda.py --impls ours naive \
        --modes self --input-size 480 640
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Benchmark multi-scale deformable attention')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        default=[352, 704],
        metavar=('H', 'W'))
    parser.add_argument('--embed-dims', type=int, default=512)
    parser.add_argument('--num-heads', type=int, default=8)
    parser.add_argument('--num-points', type=int, default=8)
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['self', 'cross'],
        choices=['self', 'cross'])
    parser.add_argument(
        '--impls',
        nargs='+',
        default=['ours', 'plain', 'naive'],
        choices=['ours', 'plain', 'naive'])
    parser.add_argument(
        '--repeats',
        type=int,
        default=2,
        help='timed runs after the first (memory) run')
    parser.add_argument(
        '--naive-queries',
        type=int,
        default=8,
        help='queries the naive loop actually computes')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch CPU threads (shared machines: keep low)')
    parser.add_argument(
        '--dtype', default='float32', choices=['float32', 'float64'])
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument(
        '--child', nargs=2, metavar=('IMPL', 'MODE'), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def level_shapes(h, w):
    return [(h // s, w // s) for s in (4, 8, 16, 32)]


def _load_naive():
    path = osp.join(ROOT, 'tests', 'test_models', 'test_layers',
                    'naive_msda.py')
    spec = importlib.util.spec_from_file_location('naive_msda', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.naive_msda


def _peak_rss_mib():
    # high-water mark of the resident set; ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mib():
    try:
        with open('/proc/self/statm') as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf('SC_PAGE_SIZE') / 2**20
    except OSError:  # not Linux: fall back to the high-water mark
        return _peak_rss_mib()


def run_case(args, impl, mode):
    """Run one (impl, mode) case in this process; returns a result dict."""
    import torch
    sys.path.insert(0, ROOT)
    from depth.models.layers.multi_scale_deform_attn import \
        multi_scale_deformable_attn
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)
    h, w = args.input_size
    shapes = level_shapes(h, w)
    n_value = sum(a * b for a, b in shapes)
    n_query = n_value if mode == 'self' else (h // 2) * (w // 2)
    heads, points = args.num_heads, args.num_points
    dims = args.embed_dims // heads
    levels = len(shapes)
    n = args.batch
    q_run = n_query
    if impl == 'naive':
        q_run = min(args.naive_queries, n_query)
    value = torch.randn(
        n,
        n_value,
        heads,
        dims,
        device=device,
        dtype=dtype,
        requires_grad=True)
    # reference points anywhere in the image plus offsets of a few pixels
    ref = torch.rand(n, q_run, 1, levels, 1, 2, device=device, dtype=dtype)
    scale = torch.tensor([[1. / b, 1. / a] for a, b in shapes],
                         device=device,
                         dtype=dtype).view(1, 1, 1, levels, 1, 2)
    offsets = torch.randn(
        n, q_run, heads, levels, points, 2, device=device, dtype=dtype) * 4
    loc = (ref + offsets * scale).detach().requires_grad_(True)
    weights = torch.randn(
        n, q_run, heads, levels * points, device=device,
        dtype=dtype).softmax(-1).view(n, q_run, heads, levels,
                                      points).detach().requires_grad_(True)
    grad_out = torch.randn(n, q_run, heads * dims, device=device, dtype=dtype)
    if impl == 'ours':

        def fn():
            return multi_scale_deformable_attn(value, shapes, loc, weights)
    elif impl == 'plain':

        def fn():
            return multi_scale_deformable_attn(
                value,
                shapes,
                loc,
                weights,
                chunk_numel=None,
                use_checkpoint=False)
    else:
        naive = _load_naive()

        def fn():
            return naive(value, shapes, loc, weights)

    def step():
        out = fn()
        t_fwd = time.perf_counter()
        out.backward(grad_out)
        return t_fwd

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    sync()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = _current_rss_mib()
    t0 = time.perf_counter()
    t_fwd = step()
    sync()
    t1 = time.perf_counter()
    if device.type == 'cuda':
        peak_mib = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        peak_mib = _peak_rss_mib() - base
    times, fwd_times = [t1 - t0], [t_fwd - t0]
    for _ in range(args.repeats):
        for t in (value, loc, weights):
            t.grad = None
        sync()
        t0 = time.perf_counter()
        t_fwd = step()
        sync()
        times.append(time.perf_counter() - t0)
        fwd_times.append(t_fwd - t0)
    best = min(times[1:]) if len(times) > 1 else times[0]
    best_fwd = min(fwd_times[1:]) if len(fwd_times) > 1 else fwd_times[0]
    return dict(
        impl=impl,
        mode=mode,
        device=str(device),
        threads=args.threads,
        batch=n,
        queries=n_query,
        queries_computed=q_run,
        values=n_value,
        level_shapes=shapes,
        heads=heads,
        head_dims=dims,
        points=points,
        dtype=args.dtype,
        fwd_bwd_s=best,
        fwd_s=best_fwd,
        peak_mib=peak_mib,
        extrapolated=False)


def extrapolate(r1, r2):
    """Linear fit through two subset runs (q1 < q2 queries), evaluated at
    the full query count: ``cost(Q) = cost(q1) + slope * (Q - q1)``."""
    q1, q2, q = r1['queries_computed'], r2['queries_computed'], r1['queries']
    out = dict(r2)
    for key in ('fwd_bwd_s', 'fwd_s', 'peak_mib'):
        slope = max(r2[key] - r1[key], 0.) / (q2 - q1)
        out[key] = r1[key] + slope * (q - q1)
        out[f'measured_{key}'] = [r1[key], r2[key]]
    out['queries_computed'] = [q1, q2]
    out['extrapolated'] = True
    return out


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        print('RESULT ' + json.dumps(run_case(args, *args.child)))
        return 0
    import torch
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        print('benchmark_msda: --device cuda requested but CUDA is not '
              'available; skipping.')
        return 0
    results = []
    for mode in args.modes:
        for impl in args.impls:
            base_argv = argv if argv is not None else sys.argv[1:]
            if impl == 'naive':
                k = args.naive_queries
                runs = [
                    _spawn(base_argv +
                           ['--naive-queries', str(q)], impl, mode,
                           args.threads) for q in (k, 2 * k)
                ]
                res = None if None in runs else extrapolate(*runs)
            else:
                res = _spawn(base_argv, impl, mode, args.threads)
            if res is None:
                continue
            results.append(res)
            print_row(res)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
    return 0


def _spawn(argv, impl, mode, threads):
    """Run one case in a fresh interpreter (clean peak-memory counters)."""
    cmd = [sys.executable, osp.abspath(__file__)] + list(argv) + \
        ['--child', impl, mode]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    if proc.returncode != 0 or not lines:
        print(f'[{impl}/{mode}] failed (rc {proc.returncode}):\n'
              f'{proc.stderr[-2000:]}')
        return None
    return json.loads(lines[-1][len('RESULT '):])


def print_row(r):
    tag = ''
    if r['extrapolated']:
        q1, q2 = r['queries_computed']
        t1, t2 = r['measured_fwd_bwd_s']
        m1, m2 = r['measured_peak_mib']
        tag = (f' [EXTRAPOLATED linearly to {r["queries"]} queries from runs '
               f'on {q1} and {q2} queries: fwd+bwd {t1:.3f} / {t2:.3f} s, '
               f'peak +{m1:.1f} / +{m2:.1f} MiB]')
    print(
        f'{r["mode"]:>5} {r["impl"]:>5} | N={r["batch"]} Q={r["queries"]} '
        f'S={r["values"]} levels={r["level_shapes"]} heads={r["heads"]}x'
        f'{r["head_dims"]} points={r["points"]} {r["dtype"]} '
        f'{r["device"]} threads={r["threads"]} | fwd {r["fwd_s"]:.3f} s, '
        f'fwd+bwd {r["fwd_bwd_s"]:.3f} s, peak +{r["peak_mib"]:.0f} MiB'
        f'{tag}',
        flush=True)


if __name__ == '__main__':
    sys.exit(main())
