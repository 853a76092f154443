"""Convert a uint8-quantised TFLite image classifier to an ONNX graph that computes the same thing.

The Coral iNaturalist classifiers are quantisation-aware-trained MobileNetV2s stored as
uint8 TFLite. Loading only their dequantised weights into a float network would give
another model: every activation of the original is rounded to 256 levels, and the
logits to steps of 0.08. So the ONNX graph keeps the file's arithmetic:

* weights stay uint8 initializers (the exact bytes of the TFLite file) behind
  ``DequantizeLinear``, biases stay int32;
* every tensor the TFLite graph stores as uint8 passes through ``QuantizeLinear`` →
  ``DequantizeLinear`` with that tensor's own scale and zero point;
* only the final softmax is left in float, so that small probabilities are not rounded
  to zero before the taxonomy sums them (TFLite's own output is in steps of 1/256).

onnxruntime fuses the Q/DQ pairs around each convolution into integer kernels, so
the result is both faithful and fast. The TFLite flatbuffer is read with the schema
bindings that ship in ``ai-edge-litert`` (build-time only; the program never imports it).
Only the operators these networks use are supported; anything else is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class ConversionError(RuntimeError):
    pass


@dataclass(frozen=True)
class QTensor:
    """A TFLite tensor: NHWC shape, element type, per-tensor quantisation, and constant data if any."""

    index: int
    shape: tuple[int, ...]
    dtype: str
    scale: float | None
    zero_point: int | None
    data: npt.NDArray[Any] | None


@dataclass(frozen=True)
class Operator:
    name: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: dict[str, Any]


@dataclass(frozen=True)
class TfliteGraph:
    tensors: tuple[QTensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


def read_tflite(path: Path) -> TfliteGraph:
    """Parse the flatbuffer into plain records (one subgraph, per-tensor quantisation)."""
    from ai_edge_litert import schema_py_generated as schema

    buffer = path.read_bytes()
    model = schema.Model.GetRootAsModel(buffer, 0)
    if model.SubgraphsLength() != 1:
        raise ConversionError(f"{path.name}: expected one subgraph, found {model.SubgraphsLength()}")
    op_names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    type_names = {value: name for name, value in vars(schema.TensorType).items() if not name.startswith("_")}
    codes = []
    for k in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(k)
        codes.append(op_names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())])
    graph = model.Subgraphs(0)
    tensors = []
    for k in range(graph.TensorsLength()):
        t = graph.Tensors(k)
        q = t.Quantization()
        scale = zero_point = None
        if q is not None and q.ScaleLength():
            if q.ScaleLength() != 1:
                raise ConversionError(f"{path.name}: tensor {t.Name().decode()} is quantised per channel; not supported")
            scale, zero_point = float(q.ScaleAsNumpy()[0]), int(q.ZeroPointAsNumpy()[0])
        dtype = type_names[t.Type()]
        raw = model.Buffers(t.Buffer()).DataAsNumpy()
        data = None
        if not isinstance(raw, int) and raw.size:  # an empty buffer reads as the integer 0
            numpy_type = {"UINT8": np.uint8, "INT32": np.int32, "FLOAT32": np.float32, "INT8": np.int8}[dtype]
            data = np.frombuffer(raw.tobytes(), dtype=numpy_type).reshape(tuple(t.ShapeAsNumpy()))
        tensors.append(QTensor(k, tuple(int(v) for v in t.ShapeAsNumpy()), dtype, scale, zero_point, data))
    operators = []
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        name = codes[op.OpcodeIndex()]
        operators.append(Operator(name, tuple(int(v) for v in op.InputsAsNumpy()), tuple(int(v) for v in op.OutputsAsNumpy()),
                                  _options(schema, op, name)))  # fmt: skip
    return TfliteGraph(tuple(tensors), tuple(operators), tuple(int(v) for v in graph.InputsAsNumpy()),
                       tuple(int(v) for v in graph.OutputsAsNumpy()))  # fmt: skip


def _options(schema: Any, op: Any, name: str) -> dict[str, Any]:
    table = op.BuiltinOptions()
    classes = {
        "CONV_2D": schema.Conv2DOptions,
        "DEPTHWISE_CONV_2D": schema.DepthwiseConv2DOptions,
        "ADD": schema.AddOptions,
        "AVERAGE_POOL_2D": schema.Pool2DOptions,
        "FULLY_CONNECTED": schema.FullyConnectedOptions,
        "SOFTMAX": schema.SoftmaxOptions,
    }
    if name not in classes:
        raise ConversionError(f"TFLite operator {name} is not supported by this converter")
    options = classes[name]()
    options.Init(table.Bytes, table.Pos)
    read: dict[str, Any] = {}
    for field in ("StrideH", "StrideW", "Padding", "FusedActivationFunction", "DepthMultiplier", "FilterHeight", "FilterWidth",
                  "DilationHFactor", "DilationWFactor", "Beta", "KeepNumDims"):  # fmt: skip
        if hasattr(options, field):
            read[field] = getattr(options, field)()
    activation_names = {v: k for k, v in vars(schema.ActivationFunctionType).items() if not k.startswith("_")}
    if "FusedActivationFunction" in read:
        read["FusedActivationFunction"] = activation_names[read["FusedActivationFunction"]]
    padding_names = {v: k for k, v in vars(schema.Padding).items() if not k.startswith("_")}
    if "Padding" in read:
        read["Padding"] = padding_names[read["Padding"]]
    return read


class _Builder:
    """Accumulates ONNX nodes and initializers; tensor names are ``t<index>`` for TFLite tensors."""

    def __init__(self, graph: TfliteGraph) -> None:
        self.graph = graph
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def fresh(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, array: npt.NDArray[Any]) -> str:
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, **attributes: Any) -> str:
        out = self.fresh(stem)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out

    def quant_params(self, tensor: QTensor) -> tuple[str, str]:
        if tensor.scale is None or tensor.zero_point is None:
            raise ConversionError(f"tensor {tensor.index} has no quantisation parameters")
        zero_type = np.uint8 if tensor.dtype == "UINT8" else np.int32
        return (self.constant("scale", np.array(tensor.scale, dtype=np.float32)),
                self.constant("zero_point", np.array(tensor.zero_point, dtype=zero_type)))  # fmt: skip

    def requantize(self, value: str, tensor: QTensor, name: str | None = None) -> str:
        """Round ``value`` to the uint8 grid of ``tensor`` and back: what TFLite stores between operators."""
        scale, zero = self.quant_params(tensor)
        quantized = self.node("QuantizeLinear", [value, scale, zero], "q")
        out = name or f"t{tensor.index}"
        self.nodes.append(helper.make_node("DequantizeLinear", [quantized, scale, zero], [out], name=out))
        return out

    def dequantized_constant(self, tensor: QTensor, layout: tuple[int, ...] | None = None) -> str:
        """uint8 weights or int32 biases, stored as in the TFLite file, dequantised in the graph."""
        if tensor.data is None:
            raise ConversionError(f"tensor {tensor.index} should be a constant")
        data = tensor.data if layout is None else np.ascontiguousarray(np.transpose(tensor.data, layout))
        stored = self.constant("w", data)
        scale, zero = self.quant_params(tensor)
        return self.node("DequantizeLinear", [stored, scale, zero], "w_dq")


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: the odd pixel goes after (bottom/right), unlike PyTorch's symmetric padding."""
    out = -(-size // stride)
    effective = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _activation(builder: _Builder, value: str, name: str) -> str:
    if name == "NONE":
        return value
    if name == "RELU6":
        low = builder.constant("zero", np.array(0.0, dtype=np.float32))
        high = builder.constant("six", np.array(6.0, dtype=np.float32))
        return builder.node("Clip", [value, low, high], "relu6")
    if name == "RELU":
        return builder.node("Relu", [value], "relu")
    raise ConversionError(f"fused activation {name} is not supported")


def _convolution(builder: _Builder, op: Operator, value: str, depthwise: bool) -> str:
    tensors = builder.graph.tensors
    source, weights, bias = (tensors[i] for i in op.inputs)
    _, height, width, channels = source.shape
    o = op.options
    if depthwise:
        if o["DepthMultiplier"] != 1:
            raise ConversionError("depthwise convolutions with a depth multiplier other than 1 are not supported")
        weight = builder.dequantized_constant(weights, (3, 0, 1, 2))  # 1×kh×kw×C → C×1×kh×kw
        kernel_h, kernel_w, group = weights.shape[1], weights.shape[2], channels
    else:
        weight = builder.dequantized_constant(weights, (0, 3, 1, 2))  # O×kh×kw×I → O×I×kh×kw
        kernel_h, kernel_w, group = weights.shape[1], weights.shape[2], 1
    dilation = (o.get("DilationHFactor", 1) or 1, o.get("DilationWFactor", 1) or 1)
    if o["Padding"] == "SAME":
        top, bottom = _same_pads(height, kernel_h, o["StrideH"], dilation[0])
        left, right = _same_pads(width, kernel_w, o["StrideW"], dilation[1])
    else:
        top = bottom = left = right = 0
    conv = builder.node("Conv", [value, weight, builder.dequantized_constant(bias)], "conv", group=group,
                        kernel_shape=[kernel_h, kernel_w], strides=[o["StrideH"], o["StrideW"]],
                        dilations=list(dilation), pads=[top, left, bottom, right])  # fmt: skip
    return _activation(builder, conv, o["FusedActivationFunction"])


def convert(graph: TfliteGraph, input_name: str, output_name: str) -> onnx.GraphProto:
    """The ONNX graph: float NCHW input already normalised to the input tensor's real values, float probabilities out."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise ConversionError("expected one input and one output tensor")
    builder = _Builder(graph)
    tensors = graph.tensors
    source = tensors[graph.inputs[0]]
    if source.dtype != "UINT8" or len(source.shape) != 4:
        raise ConversionError(f"expected a uint8 NHWC image input, found {source.dtype} {source.shape}")
    _, height, width, channels = source.shape
    # The engine normalises to (x - zero_point) * scale exactly; rounding it back to the grid keeps that exact
    # and lets onnxruntime fuse the first convolution too.
    values: dict[int, str] = {source.index: builder.requantize(input_name, source)}
    for op in graph.operators:
        out = tensors[op.outputs[0]]
        ins = [values[i] for i in op.inputs if tensors[i].data is None]
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            result = _convolution(builder, op, ins[0], depthwise=op.name == "DEPTHWISE_CONV_2D")
        elif op.name == "ADD":
            result = _activation(builder, builder.node("Add", ins, "add"), op.options["FusedActivationFunction"])
        elif op.name == "AVERAGE_POOL_2D":
            o = op.options
            if o["Padding"] != "VALID":
                raise ConversionError("average pooling with SAME padding is not supported")
            result = builder.node("AveragePool", ins, "pool", kernel_shape=[o["FilterHeight"], o["FilterWidth"]],
                                  strides=[o["StrideH"], o["StrideW"]])  # fmt: skip
        elif op.name == "FULLY_CONNECTED":
            flat = builder.node("Flatten", ins, "flatten", axis=1)
            weights, bias = tensors[op.inputs[1]], tensors[op.inputs[2]]
            gemm = builder.node("Gemm", [flat, builder.dequantized_constant(weights), builder.dequantized_constant(bias)],
                                "fc", transB=1)  # fmt: skip
            result = _activation(builder, gemm, op.options["FusedActivationFunction"])
        elif op.name == "SOFTMAX":
            if op.outputs[0] != graph.outputs[0]:
                raise ConversionError("softmax is only supported as the final operator")
            beta = op.options.get("Beta", 1.0)
            logits = ins[0] if beta == 1.0 else builder.node("Mul", [ins[0], builder.constant("beta", np.array(beta, np.float32))], "beta")
            builder.nodes.append(helper.make_node("Softmax", [logits], [output_name], name="softmax", axis=-1))
            values[out.index] = output_name
            continue
        else:
            raise ConversionError(f"TFLite operator {op.name} is not supported by this converter")
        values[out.index] = builder.requantize(result, out)
    if values.get(graph.outputs[0]) != output_name:
        raise ConversionError("the graph does not end in a softmax")
    classes = tensors[graph.outputs[0]].shape[-1]
    return helper.make_graph(
        builder.nodes,
        "tflite_import",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", channels, height, width])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", classes])],
        builder.initializers,
    )


def input_normalisation(graph: TfliteGraph) -> tuple[float, float]:
    """(mean, std) such that ``(pixel - mean) / std`` is the real value the uint8 input stands for."""
    source = graph.tensors[graph.inputs[0]]
    assert source.scale is not None and source.zero_point is not None
    return float(source.zero_point), 1.0 / source.scale


def to_onnx_model(path: Path, input_name: str = "image", output_name: str = "scores") -> onnx.ModelProto:
    graph = read_tflite(path)
    model = helper.make_model(convert(graph, input_name, output_name), opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="livespecies-training")  # fmt: skip
    model.ir_version = 8  # what onnxruntime 1.32 and onnx 1.23 both read for opset 17
    onnx.checker.check_model(model, full_check=True)
    return model
