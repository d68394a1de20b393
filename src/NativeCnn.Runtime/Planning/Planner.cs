using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Runtime.Planning;

/// <summary>
/// Compiles a <see cref="ModelGraph"/> for concrete input shapes: validates the wiring, orders the nodes,
/// infers every value's type and shape through the operators, folds every node whose inputs are all known
/// (which removes the Shape→Gather→Concat→Reshape chains exporters emit), and with <see cref="PlanOptions.Fusion"/>
/// folds BatchNormalization into a preceding Conv, fuses Relu/LeakyRelu/Clip into the Conv or Add that feeds them,
/// places Concat inputs in their slices of the Concat output and makes Dropout/Identity/Reshape-like outputs views of their
/// inputs; then lays out the activation arena (views take no slot of their own).
/// </summary>
public static partial class Planner
{
    private const int ArenaAlignment = 64;

    public static ExecutionPlan Build(ModelGraph graph, IReadOnlyDictionary<string, int[]> inputShapes, PlanOptions options)
    {
        long opset = graph.DefaultOpset();
        var order = TopologicalOrder(graph);

        var types = new Dictionary<string, ValueType>(StringComparer.Ordinal);
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var values = new Dictionary<string, PlannedValue>(StringComparer.Ordinal);
        var valueOrder = new List<string>();

        foreach (var (name, t) in graph.Initializers)
        {
            constants[name] = t;
            types[name] = new ValueType(t.DataType, t.Shape);
        }

        var inputNames = new List<string>();
        foreach (var input in graph.Inputs)
        {
            if (!inputShapes.TryGetValue(input.Name, out var shape))
            {
                throw new InputMismatchException($"no shape given for graph input '{input.Name}'");
            }

            if (!input.DataType.IsStorable())
            {
                throw new UnsupportedDataTypeException($"graph input '{input.Name}' has type {input.DataType}, which the runtime cannot hold");
            }

            var vt = new ValueType(input.DataType, shape);
            types[input.Name] = vt;
            values[input.Name] = new PlannedValue { Name = input.Name, Type = vt, Kind = ValueKind.Input };
            valueOrder.Add(input.Name);
            inputNames.Add(input.Name);
        }

        var consumerCount = CountConsumers(graph);
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            foreach (var o in n.Outputs.Where(o => o.Length > 0))
            {
                producers[o] = n;
            }
        }

        var graphOutputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        var steps = new List<PlanStep>();
        var provisional = ConvsBeforeBatchNorm(graph, consumerCount, graphOutputs, options);
        var provisionalKernels = new HashSet<IKernel>(ReferenceEqualityComparer.Instance);
        var scratch = new SharedScratch();

        foreach (var node in order)
        {
            var kind = OperatorRegistry.KindOf(node.OpType, node.Domain);
            if (kind is null || OperatorRegistry.Get(kind.Value) is not { } op)
            {
                string domain = node.Domain.Length == 0 ? "ai.onnx" : node.Domain;
                throw new UnsupportedOperatorException($"operator '{node.OpType}' (domain {domain}, opset {opset}) of node '{node.DisplayName}' is not supported");
            }

            if (options.Fusion && kind == OpKind.BatchNormalization && TryFoldIntoConvStep(node, steps, values, constants, consumerCount, graphOutputs, opset, options, scratch))
            {
                // The folded conv now produces the BN output: it needs a type for later nodes and a slot in the arena.
                types[node.Outputs[0]] = values[node.Outputs[0]].Type;
                valueOrder.Add(node.Outputs[0]);
                continue;
            }

            if (options.Fusion && kind is OpKind.Relu or OpKind.LeakyRelu or OpKind.Clip &&
                TryFuseActivation(graph, node, kind.Value, steps, values, constants, consumerCount, graphOutputs, opset))
            {
                // The producing step now writes the activation's output: it needs a type for later nodes and a slot in the arena.
                types[node.Outputs[0]] = values[node.Outputs[0]].Type;
                valueOrder.Add(node.Outputs[0]);
                continue;
            }

            var ctx = MakeContext(node, opset, types, constants, options);
            ctx = provisional.Contains(node) && !constants.ContainsKey(node.Inputs[0]) ? MakeContext(node, opset, types, constants, options with { ReferenceKernels = true }) : ctx;
            ctx.Input0IsFlattenedFeatureMap = node.HasInput(0) && FlattenedFeatureMap.Is(node.Inputs[0],
                v => types.TryGetValue(v, out var t) ? t.Shape : null, v => producers.GetValueOrDefault(v));
            bool allConstant = Enumerable.Range(0, node.Inputs.Count).All(i => !node.HasInput(i) || constants.ContainsKey(node.Inputs[i]));
            bool folds = (allConstant || op.NeedsOnlyInputShapes) && op.CanFold;

            // The kernel reserves its scratch in the plan's shared block, starting at offset 0 (steps run one at a time); a
            // node folded now runs at plan time, before the block exists, so its kernel allocates its own (garbage after).
            using var scratchStep = SharedScratch.Step(folds ? null : scratch);
            IKernel kernel;
            try
            {
                kernel = op.Plan(ctx);
                if (ctx.Options.ReferenceKernels && !options.ReferenceKernels)
                {
                    provisionalKernels.Add(kernel);
                }
            }
            catch (NativeCnnException)
            {
                throw;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
            {
                throw ctx.Error($"cannot be planned: {e.Message}");
            }

            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.HasOutput(i) && ctx.OutputTypes[i] is null)
                {
                    throw ctx.Unsupported($"output {i} ('{node.Outputs[i]}') is not produced by this operator");
                }

                if (node.HasOutput(i) && types.ContainsKey(node.Outputs[i]))
                {
                    throw ctx.Error($"value '{node.Outputs[i]}' is produced twice");
                }
            }

            string auxBase = node.Outputs.FirstOrDefault(o => o.Length > 0) ?? node.DisplayName;
            // Shape-only operators (Shape) fold whatever their inputs are, which lets Shape→Gather→Concat→Reshape fold.
            if (folds)
            {
                Fold(node, ctx, kernel, types, constants, values, valueOrder, auxBase);
                continue;
            }

            var outputs = new string[node.Outputs.Count];
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                outputs[i] = node.Outputs[i];
                if (!node.HasOutput(i))
                {
                    continue;
                }

                var vt = ctx.OutputTypes[i]!;
                CheckDeclared(graph, node.Outputs[i], vt, node);
                types[node.Outputs[i]] = vt;
                values[node.Outputs[i]] = new PlannedValue { Name = node.Outputs[i], Type = vt, Kind = ValueKind.Activation, Producer = steps.Count };
                valueOrder.Add(node.Outputs[i]);
            }

            var aux = new string[ctx.Auxiliary.Count];
            for (int i = 0; i < aux.Length; i++)
            {
                var a = ctx.Auxiliary[i];
                aux[i] = $"{auxBase}#{a.Suffix}";
                values[aux[i]] = new PlannedValue
                {
                    Name = aux[i], Type = new ValueType(a.DataType, a.Shape), Kind = ValueKind.Auxiliary,
                    Producer = steps.Count, Description = a.Description,
                };
                valueOrder.Add(aux[i]);
            }

            bool zeroCopy = false;
            if (options.Fusion && kind == OpKind.Concat)
            {
                kernel = PlanConcatInPlace(node, opset, kernel, values, graphOutputs, out zeroCopy);
            }
            else if (options.Fusion && kind is OpKind.Dropout or OpKind.Identity or OpKind.Reshape or OpKind.Flatten or OpKind.Squeeze or OpKind.Unsqueeze
                && TryAliasPassThrough(node, values, constants, graphOutputs, inputNames))
            {
                kernel = new ZeroCopyKernel($"{node.OpType}View");
                zeroCopy = true;
            }

            steps.Add(new PlanStep
            {
                Index = steps.Count, Node = node, Kind = kind.Value, Kernel = kernel,
                Inputs = [.. node.Inputs], Outputs = outputs, Auxiliary = aux, Macs = MacCounter.Count(kind.Value, ctx), ZeroCopy = zeroCopy,
            });
        }

        // A conv planned provisionally whose BatchNormalization could not be folded into it gets its real kernel now.
        for (int i = 0; i < steps.Count; i++)
        {
            if (provisionalKernels.Contains(steps[i].Kernel))
            {
                var st = steps[i];
                var ctx = MakeContext(st.Node, opset, types, constants, options);
                using var scratchStep = SharedScratch.Step(scratch);
                steps[i] = new PlanStep
                {
                    Index = st.Index, Node = st.Node, Kind = st.Kind, Kernel = OperatorRegistry.Get(st.Kind)!.Plan(ctx), Inputs = st.Inputs,
                    Outputs = st.Outputs, Auxiliary = st.Auxiliary, Macs = st.Macs, FusedNodes = st.FusedNodes,
                };
            }
        }

        foreach (var o in graph.Outputs)
        {
            if (!types.ContainsKey(o.Name))
            {
                throw new InvalidModelException($"graph output '{o.Name}' is not produced by any node, initializer or input");
            }
        }

        foreach (var (name, t) in constants)
        {
            if (!values.ContainsKey(name))
            {
                values[name] = new PlannedValue { Name = name, Type = new ValueType(t.DataType, t.Shape), Kind = ValueKind.Constant, Constant = t };
            }
        }

        long arena = LayOut(values, valueOrder, options);
        var consumers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            foreach (var i in s.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(i, out var list))
                {
                    consumers[i] = list = [];
                }

                list.Add(s.Index);
            }
        }

        var consumerLists = consumers.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value, StringComparer.Ordinal);
        double gcMs = CompactAfterPlanning();
        scratch.Allocate();
        return new ExecutionPlan
        {
            Graph = graph, Options = options, Steps = steps, Values = values, InputNames = inputNames,
            OutputNames = graph.Outputs.Select(o => o.Name).ToList(), ArenaBytes = arena,
            Consumers = consumerLists, ValueOrder = valueOrder, Scratch = scratch, PlanningGcMilliseconds = gcMs,
        };
    }

    private static NodeContext MakeContext(Node node, long opset, Dictionary<string, ValueType> types, Dictionary<string, Tensor> constants, PlanOptions options)
    {
        var inTypes = new ValueType?[node.Inputs.Count];
        var inConst = new Tensor?[node.Inputs.Count];
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (!node.HasInput(i))
            {
                continue;
            }

            inTypes[i] = types.TryGetValue(node.Inputs[i], out var t)
                ? t
                : throw new InvalidModelException($"node {node}: input '{node.Inputs[i]}' is not produced by any node, initializer or graph input");
            inConst[i] = constants.GetValueOrDefault(node.Inputs[i]);
        }

        return new NodeContext(node, opset, inTypes, inConst, options);
    }

    private static void Fold(Node node, NodeContext ctx, IKernel kernel, Dictionary<string, ValueType> types, Dictionary<string, Tensor> constants,
        Dictionary<string, PlannedValue> values, List<string> valueOrder, string auxBase)
    {
        var ins = new TensorView[node.Inputs.Count];
        for (int i = 0; i < ins.Length; i++)
        {
            ins[i] = !node.HasInput(i) ? default
                : constants.TryGetValue(node.Inputs[i], out var c) ? c.View
                : new TensorView(types[node.Inputs[i]].DataType, types[node.Inputs[i]].Shape, 0); // shape only: see Operator.NeedsOnlyInputShapes
        }

        var outTensors = new Tensor?[node.Outputs.Count];
        var outs = new TensorView[node.Outputs.Count];
        for (int i = 0; i < outs.Length; i++)
        {
            if (node.HasOutput(i))
            {
                var vt = ctx.OutputTypes[i]!;
                outTensors[i] = Tensor.Create(vt.DataType, vt.Shape);
                outs[i] = outTensors[i]!.View;
            }
        }

        var auxTensors = ctx.Auxiliary.Select(a => Tensor.Create(a.DataType, a.Shape)).ToArray();
        kernel.Run(new KernelArgs(ins, outs, auxTensors.Select(t => t.View).ToArray(), 1));
        for (int i = 0; i < outs.Length; i++)
        {
            if (outTensors[i] is { } t)
            {
                constants[node.Outputs[i]] = t;
                types[node.Outputs[i]] = new ValueType(t.DataType, t.Shape);
                values[node.Outputs[i]] = new PlannedValue
                {
                    Name = node.Outputs[i], Type = types[node.Outputs[i]], Kind = ValueKind.Constant, Constant = t,
                    Description = $"folded at plan time ({node.OpType})",
                };
                valueOrder.Add(node.Outputs[i]);
            }
        }

        for (int i = 0; i < auxTensors.Length; i++)
        {
            string name = $"{auxBase}#{ctx.Auxiliary[i].Suffix}";
            values[name] = new PlannedValue
            {
                Name = name, Type = new ValueType(auxTensors[i].DataType, auxTensors[i].Shape), Kind = ValueKind.Constant,
                Constant = auxTensors[i], Description = ctx.Auxiliary[i].Description,
            };
        }
    }

    /// <summary>
    /// Folds an inference-mode BatchNormalization into the Conv step that produces its input when the conv output
    /// feeds nothing else, is not a graph output, and conv weights/bias and BN parameters are float32 constants:
    /// <c>W'[o] = W[o]·γ[o]/√(σ²[o]+ε)</c>, <c>b'[o] = (b[o] − μ[o])·γ[o]/√(σ²[o]+ε) + β[o]</c>.
    /// </summary>
    private static bool TryFoldIntoConv(Node bn, List<PlanStep> steps, Dictionary<string, PlannedValue> values, Dictionary<string, Tensor> constants,
        Dictionary<string, int> consumerCount, HashSet<string> graphOutputs, long opset, PlanOptions options)
    {
        if (bn.Inputs.Count != 5 || bn.Outputs.Count(o => o.Length > 0) != 1 || !bn.HasOutput(0) || bn.GetInt("training_mode", 0) != 0)
        {
            return false;
        }

        string x = bn.Inputs[0];
        if (!values.TryGetValue(x, out var pv) || pv.Kind != ValueKind.Activation || pv.Producer < 0 ||
            consumerCount.GetValueOrDefault(x) != 1 || graphOutputs.Contains(x))
        {
            return false;
        }

        var conv = steps[pv.Producer];
        if (conv.Kind != OpKind.Conv || conv.Outputs.Length != 1 || pv.Type.DataType != DataType.Float32 ||
            !constants.TryGetValue(conv.Inputs[1], out var w) || w.DataType != DataType.Float32 ||
            (conv.Inputs.Length > 2 && conv.Inputs[2].Length > 0 && !constants.ContainsKey(conv.Inputs[2])))
        {
            return false;
        }

        var bnParams = new Tensor[4];
        for (int i = 0; i < 4; i++)
        {
            if (!constants.TryGetValue(bn.Inputs[i + 1], out var t) || t.DataType != DataType.Float32)
            {
                return false;
            }

            bnParams[i] = t;
        }

        int co = w.Shape[0];
        if (bnParams.Any(t => t.Length != co))
        {
            return false;
        }

        float eps = bn.GetFloat("epsilon", 1e-5f);
        var scale = bnParams[0].AsSpan<float>();
        var beta = bnParams[1].AsSpan<float>();
        var mean = bnParams[2].AsSpan<float>();
        var variance = bnParams[3].AsSpan<float>();
        var w2 = Tensor.Create(DataType.Float32, w.Shape);
        var b2 = Tensor.Create(DataType.Float32, [co]);
        var ws = w.AsSpan<float>();
        var w2s = w2.AsSpan<float>();
        var b2s = b2.AsSpan<float>();
        ReadOnlySpan<float> b = conv.Inputs.Length > 2 && conv.Inputs[2].Length > 0 ? constants[conv.Inputs[2]].AsSpan<float>() : default;
        int per = (int)(w.Length / co);
        for (int o = 0; o < co; o++)
        {
            float k = scale[o] / MathF.Sqrt(variance[o] + eps);
            for (int j = 0; j < per; j++)
            {
                w2s[(o * per) + j] = ws[(o * per) + j] * k;
            }

            b2s[o] = ((b.IsEmpty ? 0f : b[o]) - mean[o]) * k + beta[o];
        }

        string y = bn.Outputs[0];
        string wName = $"{y}#folded_W", bName = $"{y}#folded_B";
        constants[wName] = w2;
        constants[bName] = b2;
        values[wName] = new PlannedValue { Name = wName, Type = new ValueType(DataType.Float32, w2.Shape), Kind = ValueKind.Constant, Constant = w2, Description = "conv weight with BatchNormalization folded in" };
        values[bName] = new PlannedValue { Name = bName, Type = new ValueType(DataType.Float32, b2.Shape), Kind = ValueKind.Constant, Constant = b2, Description = "conv bias with BatchNormalization folded in" };

        var fusedNode = new Node
        {
            Name = conv.Node.Name, OpType = conv.Node.OpType, Domain = conv.Node.Domain, Attributes = conv.Node.Attributes,
            Inputs = [conv.Inputs[0], wName, bName], Outputs = [y],
        };
        var types = values.ToDictionary(kv => kv.Key, kv => kv.Value.Type, StringComparer.Ordinal);
        var ctx = MakeContext(fusedNode, opset, types, constants, options);
        var kernel = OperatorRegistry.Get(OpKind.Conv)!.Plan(ctx);
        string[] stepInputs = [.. fusedNode.Inputs];
        if (CopiesWeights(kernel))
        {
            // The kernel packed (or transformed) the folded weight into its own layout and never reads input 1 when it
            // runs: keeping the folded tensor too would hold the conv's weights a third time. The step lists the conv's
            // own weight in its place (a constant fixations read anyway; the kernel ignores it).
            constants.Remove(wName);
            values.Remove(wName);
            stepInputs[1] = conv.Inputs[1];
        }

        values[x] = new PlannedValue { Name = x, Type = pv.Type, Kind = ValueKind.Elided, ReplacedBy = y, Description = "BatchNormalization folded into the conv" };
        values[y] = new PlannedValue { Name = y, Type = ctx.OutputTypes[0]!, Kind = ValueKind.Activation, Producer = conv.Index };
        steps[conv.Index] = new PlanStep
        {
            Index = conv.Index, Node = conv.Node, Kind = OpKind.Conv, Kernel = kernel, Inputs = stepInputs, Outputs = [y],
            Auxiliary = conv.Auxiliary, Macs = conv.Macs, FusedNodes = [.. conv.FusedNodes, bn],
        };
        if (options.LowMemory)
        {
            // The folded weight the kernel just packed is garbage now; the GC would let such tensors pile up over the whole
            // plan (ResNet-18 --low-memory: peak RSS 225 → 206 MiB). A collection costs well under a millisecond per fold.
            GC.Collect();
        }

        return true;
    }

    /// <summary>
    /// Fuses a float32 Relu, LeakyRelu or Clip (constant bounds) into the Conv, Add, Sum or (unfolded) BatchNormalization
    /// step that produces its input when
    /// that input feeds nothing else and is not a graph output: the step's kernel applies the activation to each
    /// block of its output as it writes it (<see cref="IActivationEpilogue"/>; kernels without an epilogue get a
    /// separate in-place pass, <see cref="ActivationAfterKernel"/>), the step now produces the activation's output,
    /// and the pre-activation value is listed as elided, replaced by it. The activation is computed by the same
    /// lane-wise operations as the standalone kernel, so every stored value is bitwise what the unfused plan stores.
    /// </summary>
    private static bool TryFuseActivation(ModelGraph graph, Node act, OpKind kind, List<PlanStep> steps, Dictionary<string, PlannedValue> values,
        Dictionary<string, Tensor> constants, Dictionary<string, int> consumerCount, HashSet<string> graphOutputs, long opset)
    {
        if (act.Inputs.Count == 0 || !act.HasInput(0) || act.Outputs.Count != 1 || !act.HasOutput(0))
        {
            return false;
        }

        string x = act.Inputs[0];
        if (!values.TryGetValue(x, out var pv) || pv.Kind != ValueKind.Activation || pv.Producer < 0 || pv.Type.DataType != DataType.Float32 ||
            consumerCount.GetValueOrDefault(x) != 1 || graphOutputs.Contains(x))
        {
            return false;
        }

        var step = steps[pv.Producer];
        if (step.Kind is not (OpKind.Conv or OpKind.Add or OpKind.Sum or OpKind.BatchNormalization) || step.Outputs.Length != 1 || step.Outputs[0] != x ||
            step.FusedNodes.Any(n => n.OpType is "Relu" or "LeakyRelu" or "Clip") || step.Kernel is ActivationAfterKernel)
        {
            return false;
        }

        FusedActivation activation;
        switch (kind)
        {
            case OpKind.Relu:
                activation = FusedActivation.Relu;
                break;
            case OpKind.LeakyRelu:
                activation = new FusedActivation(ActivationKind.LeakyRelu, Alpha: act.GetFloat("alpha", 0.01f));
                break;
            default:
                float lo = -float.MaxValue, hi = float.MaxValue;
                if (opset >= 11)
                {
                    lo = float.NegativeInfinity;
                    hi = float.PositiveInfinity;
                    for (int i = 1; i < act.Inputs.Count; i++)
                    {
                        if (!act.HasInput(i))
                        {
                            continue;
                        }

                        if (i > 2 || !constants.TryGetValue(act.Inputs[i], out var bound) || bound.DataType != DataType.Float32 || bound.Length != 1)
                        {
                            return false;
                        }

                        float v = bound.AsSpan<float>()[0];
                        (lo, hi) = i == 1 ? (v, hi) : (lo, v);
                    }
                }
                else
                {
                    lo = act.GetFloat("min", lo);
                    hi = act.GetFloat("max", hi);
                }

                activation = new FusedActivation(ActivationKind.Clip, Lo: lo, Hi: hi);
                break;
        }

        string y = act.Outputs[0];
        if (values.ContainsKey(y) || constants.ContainsKey(y))
        {
            return false;   // produced twice: let the normal path report it
        }

        CheckDeclared(graph, y, pv.Type, act);
        IKernel kernel = step.Kernel;
        if (kernel is IActivationEpilogue epilogue)
        {
            epilogue.SetActivation(activation);
        }
        else
        {
            kernel = new ActivationAfterKernel(kernel, activation);
        }

        values[x] = new PlannedValue { Name = x, Type = pv.Type, Kind = ValueKind.Elided, ReplacedBy = y, Description = $"{act.OpType} fused into the {step.Kind}" };
        values[y] = new PlannedValue { Name = y, Type = pv.Type, Kind = ValueKind.Activation, Producer = step.Index };
        steps[step.Index] = new PlanStep
        {
            Index = step.Index, Node = step.Node, Kind = step.Kind, Kernel = kernel, Inputs = step.Inputs, Outputs = [y],
            Auxiliary = step.Auxiliary, Macs = step.Macs, FusedNodes = [.. step.FusedNodes, act],
        };
        return true;
    }

    /// <summary>
    /// Zero-copy Concat: when every axis before the concat axis has size 1 (batch 1 on the channel axis), each input is
    /// one contiguous run of the output, so an input that a step of this plan produces (and that is not a graph output,
    /// not already a view, not given twice) becomes a view into its run: its producer writes it there in place and
    /// the Concat copies nothing for it. Such inputs stay stored values, readable by name with the same elements.
    /// Returns the Concat's kernel: <see cref="ZeroCopyKernel"/> when every input is in place, else a
    /// <see cref="PartialConcatKernel"/> that copies the rest (or the original kernel when nothing could be placed).
    /// </summary>
    private static IKernel PlanConcatInPlace(Node node, long opset, IKernel kernel, Dictionary<string, PlannedValue> values,
        HashSet<string> graphOutputs, out bool zeroCopy)
    {
        zeroCopy = false;
        var y = values[node.Outputs[0]];
        int rank = y.Type.Shape.Length;
        long axisAttr = node.Attribute("axis") is null ? 1 : node.GetInt("axis", 1);
        int axis = (int)(axisAttr < 0 ? axisAttr + rank : axisAttr);
        if (rank == 0 || axis < 0 || axis >= rank || ShapeUtil.Product(y.Type.Shape.AsSpan(0, axis)) != 1 || y.AliasOf is not null)
        {
            return kernel;
        }

        if (node.Inputs.Any(i => !values.ContainsKey(i)))
        {
            return kernel;      // an initializer (constants get their values entry at the end of planning): leave this Concat alone
        }

        var placed = new HashSet<string>(StringComparer.Ordinal);
        var copyInputs = new List<int>();
        var copyOffsets = new List<long>();
        var copyBytes = new List<long>();
        long offset = 0;
        for (int k = 0; k < node.Inputs.Count; k++)
        {
            string name = node.Inputs[k];
            var v = values[name];
            long bytes = v.ByteSize;
            bool inPlace = v.Kind == ValueKind.Activation && v.Producer >= 0 && v.AliasOf is null && !graphOutputs.Contains(name) &&
                v.Type.DataType == y.Type.DataType && !placed.Contains(name) && node.Inputs.Count(i => i == name) == 1;
            if (inPlace)
            {
                values[name] = new PlannedValue
                {
                    Name = name, Type = v.Type, Kind = v.Kind, Producer = v.Producer,
                    Description = $"written in place into '{y.Name}' at byte {offset} (zero-copy {node.OpType})",
                    AliasOf = y.Name, AliasByteOffset = offset,
                };
                placed.Add(name);
            }
            else
            {
                copyInputs.Add(k);
                copyOffsets.Add(offset);
                copyBytes.Add(bytes);
            }

            offset += bytes;
        }

        if (placed.Count == 0)
        {
            return kernel;
        }

        if (copyInputs.Count == 0)
        {
            zeroCopy = true;
            return new ZeroCopyKernel("ConcatZeroCopy");
        }

        return new PartialConcatKernel([.. copyInputs], [.. copyOffsets], [.. copyBytes]);
    }

    /// <summary>
    /// Zero-copy Dropout (inference, no mask output, constant or absent ratio and training_mode), Identity, and the ops
    /// that only relabel dimensions (Reshape, Flatten, Squeeze, Unsqueeze with constant shape or axes inputs): the
    /// output becomes a view of the input (same elements in the same order, readable by name under its own shape) when
    /// the input is an activation of this plan and neither is a graph input or output. ShuffleNet's channel shuffle
    /// copied each tensor twice through Reshape (33 steps, 0.2 of 9 ms).
    /// </summary>
    private static bool TryAliasPassThrough(Node node, Dictionary<string, PlannedValue> values, Dictionary<string, Tensor> constants,
        HashSet<string> graphOutputs, List<string> graphInputs)
    {
        if (node.Outputs.Count(o => o.Length > 0) != 1 || !node.HasOutput(0) || !node.HasInput(0))
        {
            return false;
        }

        for (int i = 1; i < node.Inputs.Count; i++)
        {
            if (node.HasInput(i) && !constants.ContainsKey(node.Inputs[i]))
            {
                return false;       // a training_mode known only at run time is checked by the kernel
            }
        }

        string x = node.Inputs[0], y = node.Outputs[0];
        if (!values.TryGetValue(x, out var xv) || xv.Kind != ValueKind.Activation || graphInputs.Contains(x) || graphOutputs.Contains(x) ||
            graphOutputs.Contains(y) || values[y].Type.DataType != xv.Type.DataType || values[y].ByteSize != xv.ByteSize)
        {
            return false;
        }

        var yv = values[y];
        values[y] = new PlannedValue
        {
            Name = y, Type = yv.Type, Kind = yv.Kind, Producer = yv.Producer, Description = $"a view of '{x}' ({node.OpType} copies nothing)",
            AliasOf = x,
        };
        return true;
    }

    private static void CheckDeclared(ModelGraph graph, string name, ValueType vt, Node node)
    {
        var declared = graph.Outputs.FirstOrDefault(o => o.Name == name) ?? graph.ValueInfos.FirstOrDefault(o => o.Name == name);
        if (declared?.Shape is not { } dims)
        {
            return;
        }

        bool rankOk = dims.Length == vt.Shape.Length;
        bool dimsOk = rankOk && dims.Select((d, i) => !d.IsKnown || d.Value == vt.Shape[i]).All(b => b);
        if (!dimsOk)
        {
            throw new InvalidModelException(
                $"node {node}: value '{name}' is declared as [{string.Join(",", dims)}] but its inputs and weights give {ShapeUtil.Format(vt.Shape)}");
        }
    }

    private static long LayOut(Dictionary<string, PlannedValue> values, List<string> order, PlanOptions options)
    {
        long offset = 0;
        foreach (var name in order)
        {
            var v = values[name];
            if (v.Kind is ValueKind.Constant or ValueKind.Elided || v.AliasOf is not null)
            {
                continue;
            }

            v.Offset = offset;
            try
            {
                offset = checked(offset + ((v.ByteSize + ArenaAlignment - 1) / ArenaAlignment * ArenaAlignment));
            }
            catch (OverflowException)
            {
                throw new ResourceLimitException($"the activations overflow a 64-bit byte count at value '{name}' {ShapeUtil.Format(v.Type.Shape)}");
            }

            if (offset > options.MaxArenaBytes)
            {
                throw new ResourceLimitException(
                    $"the activation arena would need more than {options.MaxArenaBytes:N0} bytes (at value '{name}' {v.Type}); " +
                    "the input is too large for this machine or the model's shapes are wrong");
            }
        }

        // Views (zero-copy Concat inputs, Dropout/Identity outputs) take their place inside the value they alias.
        foreach (var name in order)
        {
            if (values[name].AliasOf is not null)
            {
                values[name].Offset = AliasOffset(values, name);
            }
        }

        return offset;
    }

    private static long AliasOffset(Dictionary<string, PlannedValue> values, string name)
    {
        long offset = 0;
        for (int guard = 0; guard < 1024; guard++)
        {
            var v = values[name];
            if (v.AliasOf is null)
            {
                return v.Offset + offset;
            }

            offset += v.AliasByteOffset;
            name = v.AliasOf;
        }

        throw new InvalidOperationException($"value '{name}' is a view of a view … more than 1024 deep");
    }

    private static Dictionary<string, int> CountConsumers(ModelGraph graph)
    {
        var c = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            foreach (var i in n.Inputs.Where(i => i.Length > 0))
            {
                c[i] = c.GetValueOrDefault(i) + 1;
            }
        }

        return c;
    }

    /// <summary>Kahn's algorithm, stable in the model's node order; a cycle or a dangling input is an error.</summary>
    public static List<Node> TopologicalOrder(ModelGraph graph)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (var o in graph.Nodes[i].Outputs.Where(o => o.Length > 0))
            {
                if (!producer.TryAdd(o, i) || graph.Initializers.ContainsKey(o) || graph.Inputs.Any(x => x.Name == o))
                {
                    throw new InvalidModelException($"value '{o}' is produced more than once (node {graph.Nodes[i]})");
                }
            }
        }

        var known = new HashSet<string>(graph.Initializers.Keys, StringComparer.Ordinal);
        known.UnionWith(graph.Inputs.Select(i => i.Name));
        var pending = new int[graph.Nodes.Count];
        var dependents = new List<int>[graph.Nodes.Count];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            dependents[i] = [];
        }

        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (var input in graph.Nodes[i].Inputs.Where(s => s.Length > 0).Distinct())
            {
                if (producer.TryGetValue(input, out int p))
                {
                    pending[i]++;
                    dependents[p].Add(i);
                }
                else if (!known.Contains(input))
                {
                    throw new InvalidModelException($"node {graph.Nodes[i]}: input '{input}' is not produced by any node, initializer or graph input");
                }
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < pending.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var result = new List<Node>(graph.Nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            result.Add(graph.Nodes[i]);
            foreach (int d in dependents[i])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(d, d);
                }
            }
        }

        if (result.Count != graph.Nodes.Count)
        {
            var stuck = graph.Nodes.Where((_, i) => pending[i] > 0).First();
            throw new InvalidModelException($"the graph has a cycle (node {stuck} never becomes ready)");
        }

        return result;
    }
}
