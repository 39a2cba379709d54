"""The description of one convolution layer, with PyTorch's ``nn.Conv2d`` rules and clear messages.

Every other part of the model (``conv2d``, ``dot_product_at``, the explorer state) validates through
this class, so a rule and its message live in exactly one place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

Pair = tuple[int, int]
PADDING_MODES: tuple[str, ...] = ("zeros", "reflect", "replicate", "circular")
PADDING_WORDS: tuple[str, ...] = ("valid", "same")
#: ``LayerSpec.pool``: "" (a convolution), "max" (``nn.MaxPool2d``) or "avg" (``nn.AvgPool2d``).
POOLS: tuple[str, ...] = ("", "max", "avg")

# Size bounds: the largest value each setting may take, shared by the layer form, the spec itself
# and every file reader, so nothing can describe a layer or an input the explorer cannot hold.
#: in_channels, out_channels and groups.
MAX_CHANNELS = 256
#: Each side of the kernel (kH, kW).
MAX_KERNEL = 31
#: Each side of the stride.
MAX_STRIDE = 16
#: Each side of the explicit padding.
MAX_PADDING = 64
#: Each side of the dilation.
MAX_DILATION = 16
#: The input's height and width (a 16384-pixel side; larger pictures must be downscaled).
MAX_SIDE = 16384
#: Values in the input, C × H × W (2^28: 1 GiB of float32).
MAX_INPUT_VALUES = 1 << 28


def as_pair(value: int | tuple[int, int] | list[int], name: str) -> Pair:
    """Accept an int or an (h, w) pair, as PyTorch does, and refuse anything else by name."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int or an (h, w) pair, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    try:
        h, w = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or an (h, w) pair, got {value!r}") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (h, w)):
        raise ValueError(f"{name} must hold integers, got {value!r}")
    return (int(h), int(w))


def check_input_size(channels: int, height: int, width: int) -> None:
    """Raise ValueError, giving the numbers, if an input of this size is beyond the bounds."""
    if channels > MAX_CHANNELS:
        raise ValueError(
            f"an input of {channels} channels is too large: at most {MAX_CHANNELS} are allowed"
        )
    if max(height, width) > MAX_SIDE:
        raise ValueError(
            f"an input of {height}×{width} pixels is too large: each side may be at most {MAX_SIDE}"
        )
    if channels * height * width > MAX_INPUT_VALUES:
        raise ValueError(
            f"an input of {channels}×{height}×{width} = {channels * height * width} values is too "
            f"large: at most {MAX_INPUT_VALUES} are allowed"
        )


def _fmt(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


@dataclass(frozen=True)
class LayerSpec:
    """Settings of one ``nn.Conv2d`` layer; ints are normalised to (h, w) pairs on creation."""

    in_channels: int
    out_channels: int
    kernel_size: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair | str = (0, 0)
    padding_mode: str = "zeros"
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    #: Textbook convolution: the kernel is flipped in both axes before the sliding dot product.
    #: PyTorch (and this explorer by default) computes cross-correlation, the kernel as typed.
    flip_kernel: bool = False
    #: ``nn.ConvTranspose2d`` instead of ``nn.Conv2d``: each input pixel scales the kernel and adds
    #: it into the output at stride-spaced spots. Weights keep the app's layout (``weight_shape``,
    #: one row per output channel); PyTorch stores them as ``torch_weight_shape``.
    transposed: bool = False
    #: ConvTranspose2d only: extra rows/cols on the bottom/right of the output.
    output_padding: Pair = (0, 0)
    #: "max" / "avg": ``nn.MaxPool2d`` / ``nn.AvgPool2d`` instead of a convolution. Channel-wise
    #: (in = out = groups), no parameters; the explorer holds fixed (C, 1, kH, kW) weights for
    #: it (``pool_weight``): an average pool is the depthwise conv whose weights are 1/(kH·kW).
    pool: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kernel_size", as_pair(self.kernel_size, "kernel_size"))
        set_(self, "stride", as_pair(self.stride, "stride"))
        set_(self, "dilation", as_pair(self.dilation, "dilation"))
        set_(self, "output_padding", as_pair(self.output_padding, "output_padding"))
        if isinstance(self.padding, str):
            if self.padding not in PADDING_WORDS:
                raise ValueError(
                    f"padding={self.padding!r} is not understood; use an int, an (h, w) pair, "
                    "'valid' or 'same'"
                )
        else:
            set_(self, "padding", as_pair(self.padding, "padding"))
        self._validate()

    def _validate(self) -> None:
        for name in ("bias", "flip_kernel", "transposed"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        for name in ("in_channels", "out_channels", "groups"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self._check_bounds()
        if self.in_channels % self.groups:
            raise ValueError(f"groups={self.groups} does not divide in_channels={self.in_channels}")
        if self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} does not divide out_channels={self.out_channels}"
            )
        if min(self.kernel_size) < 1:
            raise ValueError(f"kernel_size must be at least 1, got {_fmt(self.kernel_size)}")
        if min(self.stride) < 1:
            raise ValueError(f"stride must be at least 1, got {_fmt(self.stride)}")
        if min(self.dilation) < 1:
            raise ValueError(f"dilation must be at least 1, got {_fmt(self.dilation)}")
        if isinstance(self.padding, tuple) and min(self.padding) < 0:
            raise ValueError(f"padding must not be negative, got {_fmt(self.padding)}")
        if self.padding == "same" and self.stride != (1, 1):
            raise ValueError(
                f"padding='same' needs stride 1 (as in PyTorch), got stride={_fmt(self.stride)}"
            )
        if self.padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode={self.padding_mode!r} is unknown; use one of "
                + ", ".join(repr(m) for m in PADDING_MODES)
            )
        self._validate_transposed()
        self._validate_pool()

    def _validate_pool(self) -> None:
        """PyTorch's MaxPool2d / AvgPool2d rules (ceil_mode=False, count_include_pad=True)."""
        if self.pool not in POOLS:
            raise ValueError(f"pool={self.pool!r} is unknown; use 'max', 'avg' or '' (a conv)")
        if not self.pool:
            return
        kind = self.kind
        if self.transposed:
            raise ValueError(f"a {kind} layer cannot be transposed")
        if not self.in_channels == self.out_channels == self.groups:
            raise ValueError(
                f"a {kind} layer pools each channel on its own: out_channels and groups must "
                f"equal in_channels={self.in_channels}, got out_channels={self.out_channels} "
                f"and groups={self.groups}"
            )
        if self.bias:
            raise ValueError(f"a {kind} layer has no bias")
        if self.flip_kernel:
            raise ValueError(f"a {kind} layer has no kernel to flip")
        if isinstance(self.padding, str):
            raise ValueError(
                f"padding={self.padding!r} is not available for {kind}: PyTorch's takes the "
                "padding as numbers only"
            )
        if self.padding_mode != "zeros":
            raise ValueError(
                f"padding_mode={self.padding_mode!r} is not available for {kind}: PyTorch's "
                "pads with " + ("−∞ (max)" if self.pool == "max" else "zeros") + " only"
            )
        if self.pool == "avg" and self.dilation != (1, 1):
            raise ValueError(f"AvgPool2d has no dilation: it must be 1, got {_fmt(self.dilation)}")
        self._check_pool_padding()

    def _check_pool_padding(self) -> None:
        """PyTorch's rule for both pools: 'pad should be smaller than or equal to half of kernel
        size' — the kernel's own size, even for a dilated MaxPool2d (torch 2.14 checks the
        effective size too, but that bound is never the tighter one)."""
        half = (self.kernel_size[0] // 2, self.kernel_size[1] // 2)
        padding = self.padding
        assert isinstance(padding, tuple)
        if padding[0] > half[0] or padding[1] > half[1]:
            raise ValueError(
                f"padding={_fmt(padding)} is too large for a {self.kind} with kernel "
                f"{_fmt(self.kernel_size)}: PyTorch allows at most half the kernel size, "
                f"{_fmt(half)}"
            )

    def _validate_transposed(self) -> None:
        """PyTorch's ConvTranspose2d rules (and output_padding only there)."""
        op = self.output_padding
        if min(op) < 0:
            raise ValueError(f"output_padding must not be negative, got {_fmt(op)}")
        if not self.transposed:
            if op != (0, 0):
                raise ValueError(
                    f"output_padding={_fmt(op)} applies to ConvTranspose2d only; Conv2d has none"
                )
            return
        if isinstance(self.padding, str):
            raise ValueError(
                f"padding={self.padding!r} is not available for ConvTranspose2d: PyTorch's takes "
                "the padding as numbers only"
            )
        if self.padding_mode != "zeros":
            raise ValueError(
                f"padding_mode={self.padding_mode!r} is not available for ConvTranspose2d: "
                "PyTorch's pads with zeros only"
            )
        for axis in (0, 1):
            stride, dilation = self.stride[axis], self.dilation[axis]
            if op[axis] >= max(stride, dilation):
                raise ValueError(
                    f"output_padding must be smaller than either stride or dilation: got "
                    f"{op[axis]} with stride {stride} and dilation {dilation}"
                )

    def _check_bounds(self) -> None:
        for name in ("in_channels", "out_channels", "groups"):
            if getattr(self, name) > MAX_CHANNELS:
                raise ValueError(
                    f"{name}={getattr(self, name)} is too large: at most {MAX_CHANNELS} are allowed"
                )
        pairs: list[tuple[str, Pair | str, int]] = [
            ("kernel_size", self.kernel_size, MAX_KERNEL),
            ("stride", self.stride, MAX_STRIDE),
            ("padding", self.padding, MAX_PADDING),
            ("dilation", self.dilation, MAX_DILATION),
        ]
        for name, pair, limit in pairs:
            if isinstance(pair, tuple) and max(pair) > limit:
                raise ValueError(
                    f"{name}={_fmt(pair)} is too large: each side may be at most {limit}"
                )

    # ---- derived quantities -------------------------------------------------------------------

    def replace(self, **changes: object) -> LayerSpec:
        """A copy with some settings changed, validated like a new spec."""
        return dataclasses.replace(self, **changes)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """The explorer's layout, for both kinds: (C_out, C_in/groups, kH, kW) — one row per
        output channel, one column per input channel it reads. That is PyTorch's layout for
        Conv2d; for ConvTranspose2d PyTorch's is ``torch_weight_shape``."""
        return (self.out_channels, self.in_per_group, *self.kernel_size)

    @property
    def torch_weight_shape(self) -> tuple[int, int, int, int]:
        """PyTorch's layout: (C_out, C_in/groups, kH, kW) for Conv2d, (C_in, C_out/groups, kH, kW)
        for ConvTranspose2d (what files and snippets hold)."""
        if self.transposed:
            return (self.in_channels, self.out_per_group, *self.kernel_size)
        return self.weight_shape

    @property
    def kind(self) -> str:
        """The PyTorch module this layer is: 'Conv2d', 'ConvTranspose2d', 'MaxPool2d' or
        'AvgPool2d'."""
        if self.pool:
            return "MaxPool2d" if self.pool == "max" else "AvgPool2d"
        return "ConvTranspose2d" if self.transposed else "Conv2d"

    @property
    def effective_kernel_size(self) -> Pair:
        """The extent the dilated kernel covers on the (padded) input."""
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation
        return (dh * (kh - 1) + 1, dw * (kw - 1) + 1)

    @property
    def pads(self) -> tuple[int, int, int, int]:
        """Padding as (top, bottom, left, right); 'same' puts the odd pixel bottom/right."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":
            (kh, kw), (dh, dw) = self.kernel_size, self.dilation
            th, tw = dh * (kh - 1), dw * (kw - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        ph, pw = self.padding  # type: ignore[misc]
        return (ph, ph, pw, pw)

    def filter_input_channels(self, out_channel: int) -> range:
        """The input channels filter ``out_channel`` sees (all of them unless groups > 1)."""
        if not 0 <= out_channel < self.out_channels:
            raise ValueError(
                f"out_channel={out_channel} is out of range for {self.out_channels} filters"
            )
        first = (out_channel // self.out_per_group) * self.in_per_group
        return range(first, first + self.in_per_group)

    def check_image(self, height: int, width: int) -> None:
        """Raise if this layer cannot run on an image of this size (empty output, bad padding)."""
        check_input_size(self.in_channels, height, width)
        if self.transposed:
            self._check_transposed_output(height, width)
            return
        top, bottom, left, right = self.pads
        if self.padding_mode == "reflect" and (
            max(top, bottom) >= height or max(left, right) >= width
        ):
            raise ValueError(
                f"reflect padding of {max(top, bottom)}×{max(left, right)} needs an image larger "
                f"than the padding, got {height}×{width}"
            )
        if self.padding_mode == "circular" and (
            max(top, bottom) > height or max(left, right) > width
        ):
            raise ValueError(
                f"circular padding of {max(top, bottom)}×{max(left, right)} cannot exceed the "
                f"image size {height}×{width}"
            )
        eh, ew = self.effective_kernel_size
        ph, pw = height + top + bottom, width + left + right
        if eh > ph or ew > pw:
            raise ValueError(
                f"the {'dilated ' if self.dilation != (1, 1) else ''}kernel covers {eh}×{ew} "
                f"pixels but the padded input is only {ph}×{pw}: the output would be empty"
            )

    def output_size(self, height: int, width: int) -> Pair:
        """(H_out, W_out) for an input of this size, by PyTorch's formula."""
        self.check_image(height, width)
        if self.transposed:
            return self._transposed_size(height, width)
        top, bottom, left, right = self.pads
        eh, ew = self.effective_kernel_size
        sh, sw = self.stride
        return ((height + top + bottom - eh) // sh + 1, (width + left + right - ew) // sw + 1)

    def _transposed_size(self, height: int, width: int) -> Pair:
        """(size − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1, per axis."""
        sizes = []
        for axis, size in enumerate((height, width)):
            k, s, d = self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            p, op = self.padding[axis], self.output_padding[axis]  # type: ignore[index]
            sizes.append((size - 1) * s - 2 * p + d * (k - 1) + op + 1)
        return (sizes[0], sizes[1])

    def _check_transposed_output(self, height: int, width: int) -> None:
        oh, ow = self._transposed_size(height, width)
        if min(oh, ow) < 1:
            raise ValueError(
                f"the output would be {oh}×{ow}, empty: (size − 1)·stride − 2·padding + "
                "dilation·(kernel − 1) + output_padding + 1 must be at least 1 per axis "
                f"(the input is {height}×{width}; try less padding)"
            )
        if max(oh, ow) > MAX_SIDE:
            raise ValueError(
                f"the output would be {oh}×{ow} pixels: each side may be at most {MAX_SIDE}"
            )
        if self.out_channels * oh * ow > MAX_INPUT_VALUES:
            raise ValueError(
                f"the output would hold {self.out_channels}×{oh}×{ow} = "
                f"{self.out_channels * oh * ow} values: at most {MAX_INPUT_VALUES} are allowed"
            )

    @property
    def weights_per_filter(self) -> int:
        kh, kw = self.kernel_size
        return self.in_per_group * kh * kw

    @property
    def parameter_count(self) -> int:
        """Weights plus biases, as ``sum(p.numel() for p in conv.parameters())`` (a pool: 0)."""
        if self.pool:
            return 0
        return self.out_channels * self.weights_per_filter + (self.out_channels if self.bias else 0)

    @property
    def init_fan_in(self) -> int:
        """The fan-in PyTorch's default initialisation uses: weight.size(1)·kH·kW, which is
        C_in/groups·kH·kW for Conv2d and C_out/groups·kH·kW for ConvTranspose2d."""
        kh, kw = self.kernel_size
        return (self.out_per_group if self.transposed else self.in_per_group) * kh * kw

    def mac_count(self, height: int, width: int) -> int:
        """Multiply-adds for one forward pass over an image of this size."""
        oh, ow = self.output_size(height, width)
        if self.transposed:  # every input pixel meets every weight of its group once
            return self.out_channels * height * width * self.weights_per_filter
        return self.out_channels * oh * ow * self.weights_per_filter

    def describe(self) -> str:
        """One plain-English sentence: what the layer holds and why it has that many numbers."""
        kh, kw = self.kernel_size
        n, cin, g = self.out_channels, self.in_channels, self.groups
        filters = f"{n} filter{'s' if n != 1 else ''}"
        if g == 1:
            span = (
                "each spanning the single input channel"
                if cin == 1
                else f"each spanning all {cin} input channels"
            )
        elif self.in_per_group == 1:
            span = f"each seeing 1 of the {cin} input channels (groups={g})"
        else:
            span = f"each seeing {self.in_per_group} of the {cin} input channels (groups={g})"
        weights = f"{n} × {self.weights_per_filter} weights"
        biases = f" + {n} bias{'es' if n != 1 else ''}" if self.bias else " (no bias)"
        flipped = " (flipped: textbook convolution)" if self.flip_kernel else ""
        if self.pool:
            return self._describe_pool()
        if self.transposed:
            return self._describe_transposed(flipped, weights, biases)
        return (
            f"{filters}, {span} with a {kh}×{kw} kernel{flipped}: {weights}{biases} = "
            f"{self.parameter_count} parameters"
        )

    def _describe_transposed(self, flipped: str, weights: str, biases: str) -> str:
        kh, kw = self.kernel_size
        n, cin, g = self.out_channels, self.in_channels, self.groups
        reads = (
            f"{'the single input channel' if cin == 1 else f'all {cin} input channels'}"
            if g == 1
            else f"{self.in_per_group} of the {cin} input channels (groups={g})"
        )
        spread = "side by side" if self.stride == (1, 1) else f"{_fmt(self.stride)} pixels apart"
        return (
            f"ConvTranspose2d: {n} output channel{'s' if n != 1 else ''}, each painted from "
            f"{reads}: every input pixel scales a {kh}×{kw} kernel{flipped} and adds it into "
            f"the output, {spread}: {weights}{biases} = {self.parameter_count} parameters"
        )

    def _describe_pool(self) -> str:
        kh, kw = self.kernel_size
        n = self.in_channels
        channels = "the single channel" if n == 1 else f"each of the {n} channels on its own"
        spread = "side by side" if self.stride == self.kernel_size else f"{_fmt(self.stride)} apart"
        if self.pool == "max":
            dilated = f" (dilation {_fmt(self.dilation)})" if self.dilation != (1, 1) else ""
            what = f"the largest value in its {kh}×{kw} window{dilated}"
            defaults = "ceil_mode=False"
        else:
            what = f"the mean of its {kh}×{kw} window, padding counted as zeros"
            defaults = "count_include_pad=True, ceil_mode=False"
        return (
            f"{self.kind} over {channels}: each output is {what}, windows {spread} "
            f"(PyTorch's defaults {defaults}): no parameters"
        )
