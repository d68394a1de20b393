using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The slow, obviously correct backtracker the fast one is checked against: every value is COPIED into a
/// double[] first, every rule is plain loops over (n, c, y, x) coordinates, written from DESIGN.md independently
/// of the library's code. Conv channel sums are accumulated in double; element products that are compared
/// (Gemm, the in-window argmax) are single float multiplies, exactly what the fast code computes.
/// Handles the ops the test networks use (2-D convs and pools, dense, concat, add, pass-through).
/// </summary>
public sealed class ReferenceBacktracker
{
    private readonly Dictionary<string, double[]> _v = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _s = new(StringComparer.Ordinal);
    private readonly ExecutionPlan _plan;

    public ReferenceBacktracker(ActivationStore store)
    {
        _plan = store.Plan;
        foreach (var name in store.Plan.Values.Keys)
        {
            if (store.TryGet(name, out var view) && view.DataType == Runtime.DataType.Float32)
            {
                _v[name] = view.ToDoubleArray();
                _s[name] = (int[])view.Shape.Clone();
            }
        }
    }

    public Dictionary<string, SortedSet<long>> Run(string start, long index, FixationOptions o)
    {
        var sets = new Dictionary<string, SortedSet<long>>(StringComparer.Ordinal) { [start] = [index] };
        void Add(string value, long i)
        {
            if (_plan.Values[value].Kind == ValueKind.Constant)
            {
                return;
            }

            if (!sets.TryGetValue(value, out var s))
            {
                sets[value] = s = [];
            }

            s.Add(i);
        }

        for (int si = _plan.Steps.Count - 1; si >= 0; si--)
        {
            var step = _plan.Steps[si];
            if (!sets.TryGetValue(step.Outputs[0], out var outFix) || outFix.Count == 0)
            {
                continue;
            }

            string x = step.Inputs[0];
            string y = step.Outputs[0];
            switch (step.Kind)
            {
                case OpKind.Relu or OpKind.BatchNormalization or OpKind.LRN or OpKind.Softmax or OpKind.Flatten or OpKind.Reshape or OpKind.Dropout or OpKind.Identity:
                    foreach (long f in outFix)
                    {
                        Add(x, f);
                    }

                    break;
                case OpKind.Conv:
                    foreach (long f in outFix)
                    {
                        Add(x, Conv(step, f, o.ConvLocation));
                    }

                    break;
                case OpKind.MaxPool or OpKind.AveragePool or OpKind.GlobalAveragePool or OpKind.GlobalMaxPool:
                    foreach (long f in outFix)
                    {
                        foreach (long i in Pool(step, f, step.Kind is OpKind.AveragePool or OpKind.GlobalAveragePool && AllPositivePool(step, o)))
                        {
                            Add(x, i);
                        }
                    }

                    break;
                case OpKind.Gemm:
                    foreach (long f in outFix)
                    {
                        foreach (long i in Gemm(step, f, o))
                        {
                            Add(x, i);
                        }
                    }

                    break;
                case OpKind.Concat:
                {
                    var ys = _s[y];
                    long inner = (long)ys[2] * ys[3];
                    foreach (long f in outFix)
                    {
                        int n = (int)(f / (ys[1] * inner)), c = (int)(f / inner % ys[1]);
                        long pos = f % inner;
                        int offset = 0;
                        foreach (var input in step.Inputs)
                        {
                            int ck = _s[input][1];
                            if (c < offset + ck)
                            {
                                Add(input, ((((long)n * ck) + (c - offset)) * inner) + pos);
                                break;
                            }

                            offset += ck;
                        }
                    }

                    break;
                }

                case OpKind.Add:
                {
                    // Same-shape residual join: larger value wins, ties to the shallower (skip) input.
                    string a = step.Inputs[0], b = step.Inputs[1];
                    int da = Depth(a), db = Depth(b);
                    foreach (long f in outFix)
                    {
                        double va = _v[a][f], vb = _v[b][f];
                        string pick = va > vb ? a : vb > va ? b : (db < da ? b : a);
                        Add(pick, f);
                    }

                    break;
                }

                default:
                    throw new InvalidOperationException($"reference has no rule for {step.Kind}");
            }
        }

        return sets;
    }

    private long Conv(PlanStep step, long f, ConvLocation location)
    {
        var node = step.Node;
        string xName = step.Inputs[0], wName = node.Inputs[1];
        var x = _v[xName];
        var w = _v[wName];
        int[] xs = _s[xName], ws = _s[wName], ys = _s[step.Outputs[0]];
        int cin = xs[1], h = xs[2], wd = xs[3], cout = ws[0], cpg = ws[1], kh = ws[2], kw = ws[3];
        int oh = ys[2], ow = ys[3];
        int n = (int)(f / ((long)cout * oh * ow)), co = (int)(f / ((long)oh * ow) % cout), oy = (int)(f / ow % oh), ox = (int)(f % ow);
        var (sh, sw, dh, dw, pt, pl) = Geometry(node, h, wd, kh, kw, oh, ow);
        int group = (int)node.GetInt("group", 1);
        int g = co / (cout / group);

        int bestLocal = 0;
        double bestSum = double.NegativeInfinity;
        for (int cl = 0; cl < cpg; cl++)
        {
            int ci = (g * cpg) + cl;
            double sum = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                    {
                        sum += x[(((((long)n * cin) + ci) * h) + iy) * wd + ix] * w[(((((long)co * cpg) + cl) * kh) + ky) * kw + kx];
                    }
                }
            }

            if (sum > bestSum)
            {
                bestSum = sum;
                bestLocal = cl;
            }
        }

        int ch = (g * cpg) + bestLocal;
        int ry, rx;
        if (location == ConvLocation.Anchor)
        {
            ry = Math.Clamp((oy * sh) - pt + ((kh - 1) / 2 * dh), 0, h - 1);
            rx = Math.Clamp((ox * sw) - pl + ((kw - 1) / 2 * dw), 0, wd - 1);
        }
        else
        {
            ry = -1;
            rx = -1;
            float best = float.NegativeInfinity;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                    {
                        continue;
                    }

                    float p = (float)x[(((((long)n * cin) + ch) * h) + iy) * wd + ix] * (float)w[(((((long)co * cpg) + bestLocal) * kh) + ky) * kw + kx];
                    if (ry < 0 || p > best)
                    {
                        best = p;
                        ry = iy;
                        rx = ix;
                    }
                }
            }
        }

        return (((((long)n * cin) + ch) * h) + ry) * wd + rx;
    }

    private IEnumerable<long> Pool(PlanStep step, long f, bool allPositive)
    {
        var node = step.Node;
        string xName = step.Inputs[0];
        var x = _v[xName];
        int[] xs = _s[xName], ys = _s[step.Outputs[0]];
        int h = xs[2], wd = xs[3], oh = ys[2], ow = ys[3];
        long nc = f / ((long)oh * ow);
        int oy = (int)(f / ow % oh), ox = (int)(f % ow);
        int kh, kw, sh, sw, dh, dw, pt, pl;
        if (step.Kind is OpKind.GlobalAveragePool or OpKind.GlobalMaxPool)
        {
            (kh, kw, sh, sw, dh, dw, pt, pl) = (h, wd, 1, 1, 1, 1, 0, 0);
        }
        else
        {
            var k = node.GetInts("kernel_shape")!;
            (kh, kw) = ((int)k[0], (int)k[1]);
            (sh, sw, dh, dw, pt, pl) = Geometry(node, h, wd, kh, kw, oh, ow);
        }

        var result = new List<long>();
        long best = -1;
        double bestV = double.NegativeInfinity;
        for (int ky = 0; ky < kh; ky++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                {
                    continue;
                }

                long i = (((nc * h) + iy) * wd) + ix;
                if (best < 0 || x[i] > bestV)
                {
                    best = i;
                    bestV = x[i];
                }

                if (x[i] > 0)
                {
                    result.Add(i);
                }
            }
        }

        return allPositive && result.Count > 0 ? result : best >= 0 ? [best] : [];
    }

    private IEnumerable<long> Gemm(PlanStep step, long f, FixationOptions o)
    {
        string aName = step.Inputs[0], bName = step.Inputs[1];
        var a = _v[aName];
        var b = _v[bName];
        int[] bs = _s[bName];
        bool transB = step.Node.GetInt("transB", 0) != 0;
        int k = transB ? bs[1] : bs[0], n = transB ? bs[0] : bs[1];
        int row = (int)(f / n), j = (int)(f % n);
        var p = new float[k];
        for (int i = 0; i < k; i++)
        {
            p[i] = (float)a[((long)row * k) + i] * (float)(transB ? b[((long)j * k) + i] : b[((long)i * n) + j]);
        }

        bool flattened = Flattened(aName);
        var positive = Enumerable.Range(0, k).Where(i => p[i] > 0).Select(i => ((long)row * k) + i).ToList();
        if (!(flattened && o.FcAfterFlatten == FcAfterFlatten.Argmax) && positive.Count > 0)
        {
            return positive;
        }

        int best = 0;
        for (int i = 1; i < k; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        return [((long)row * k) + best];
    }

    /// <summary>Walks back through Flatten/Reshape and pass-through ops to a value with spatial size &gt; 1.</summary>
    private bool Flattened(string value)
    {
        while (true)
        {
            var shape = _s[value];
            if (shape.Length >= 3 && shape.Skip(2).Aggregate(1L, (p, d) => p * d) > 1)
            {
                return true;
            }

            int producer = _plan.Values[value].Producer;
            if (producer < 0 || _plan.Steps[producer].Kind is not (OpKind.Flatten or OpKind.Reshape or OpKind.Relu or OpKind.Dropout or OpKind.Identity or OpKind.BatchNormalization))
            {
                return false;
            }

            value = _plan.Steps[producer].Inputs[0];
        }
    }

    private int Depth(string value)
    {
        int producer = _plan.Values[value].Producer;
        if (producer < 0)
        {
            return 0;
        }

        return 1 + _plan.Steps[producer].Inputs.Where(i => i.Length > 0).Select(Depth).DefaultIfEmpty(0).Max();
    }

    private static (int Sh, int Sw, int Dh, int Dw, int Pt, int Pl) Geometry(Node node, int h, int w, int kh, int kw, int oh, int ow)
    {
        var s = node.GetInts("strides") ?? [1, 1];
        var d = node.GetInts("dilations") ?? [1, 1];
        var p = node.GetInts("pads") ?? [0, 0, 0, 0];
        string auto = node.GetString("auto_pad", "NOTSET");
        int pt = (int)p[0], pl = (int)p[1];
        if (auto is "SAME_UPPER" or "SAME_LOWER")
        {
            int th = Math.Max(0, ((oh - 1) * (int)s[0]) + ((kh - 1) * (int)d[0]) + 1 - h);
            int tw = Math.Max(0, ((ow - 1) * (int)s[1]) + ((kw - 1) * (int)d[1]) + 1 - w);
            pt = auto == "SAME_UPPER" ? th / 2 : (th + 1) / 2;
            pl = auto == "SAME_UPPER" ? tw / 2 : (tw + 1) / 2;
        }
        else if (auto == "VALID")
        {
            (pt, pl) = (0, 0);
        }

        return ((int)s[0], (int)s[1], (int)d[0], (int)d[1], pt, pl);
    }

    /// <summary>
    /// Independent form of the Auto rule: all positive at a pool whose output reaches a graph output through
    /// reshaping/activation steps only (walked step by step over the plan), argmax elsewhere.
    /// </summary>
    private bool AllPositivePool(PlanStep step, FixationOptions o)
    {
        if (o.AveragePool != AveragePoolRule.Auto)
        {
            return o.AveragePool == AveragePoolRule.AllPositive;
        }

        OpKind[] passive = [OpKind.Flatten, OpKind.Reshape, OpKind.Squeeze, OpKind.Unsqueeze, OpKind.Identity, OpKind.Dropout, OpKind.Cast,
            OpKind.Relu, OpKind.LeakyRelu, OpKind.Clip, OpKind.Sigmoid, OpKind.Tanh, OpKind.HardSigmoid, OpKind.Softmax, OpKind.LogSoftmax];
        var frontier = new List<string> { step.Outputs[0] };
        bool reached = false;
        for (int guard = 0; frontier.Count > 0 && guard < 1000; guard++)
        {
            var next = new List<string>();
            foreach (var v in frontier)
            {
                reached |= _plan.OutputNames.Contains(v);
                foreach (var s in _plan.Steps.Where(s => s.Inputs.Contains(v)))
                {
                    if (!passive.Contains(s.Kind))
                    {
                        return false;
                    }

                    next.AddRange(s.Outputs.Where(n => n.Length > 0));
                }
            }

            frontier = next;
        }

        return reached;
    }
}
