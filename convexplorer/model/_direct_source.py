"""The "direct" kernels' source, written per kernel shape, and compiled with numba.

Why generated source: LLVM vectorises only an innermost loop, and keeps a value in a register only
when it is a named scalar. So the pixel loop is innermost, and every weight a pass uses and every
filter's running sum are spelled out as scalars for this kernel width and these filters per pass,
and the column step is a constant (``CONSTANT_COLUMN_STEPS``). The sum's order is the same in
every variant (input channel, kernel row, kernel column; products rounded before they are
added), so which variant or how many filters per pass never changes a bit.

``_direct_compile`` compiles it with numba and keeps it on disk.
"""

from __future__ import annotations

from typing import NamedTuple

from ._spec import LayerSpec

#: Weights a pass may hold in registers: kernels up to this many taps add a whole input channel
#: per pass (the rows unrolled), larger ones one kernel row per pass.
UNROLLED_TAPS = 9

#: Filters whose rows one pass adds to, sharing each input value read: 4 for kernels whose rows
#: are unrolled, 2 for larger ones (whose weights would not stay in registers otherwise;
#: benchmarks/README.md, "direct").
FILTERS_PER_UNROLLED_PASS = 4
FILTERS_PER_ROW_PASS = 2


#: Column strides compiled as constants (with column dilation 1): the pixel loop then reads the
#: input in vectors (stride 2 by LLVM's interleaved loads); as arguments they defeat the
#: vectoriser (2.4× slower at stride 1).
CONSTANT_COLUMN_STEPS = (1, 2)


class KernelShape(NamedTuple):
    """What a compiled variant is specialised on."""

    rows: int  # kernel rows unrolled in a pass (0: one kernel row per pass, rows a loop)
    width: int  # kernel columns
    filters: int  # filters per pass
    column_step: int  # outputs' column stride as a constant (taps one column apart), 0: arguments


def shape_for(spec: LayerSpec) -> KernelShape:
    """The variant a layer runs on. The engine offers direct only where the column step is a
    constant (``_cost.candidates``); the other variant serves a method forced by a caller."""
    kh, kw = spec.kernel_size
    sw, dw = spec.stride[1], spec.dilation[1]
    column_step = sw if dw == 1 and sw in CONSTANT_COLUMN_STEPS else 0
    if kh * kw <= UNROLLED_TAPS:
        return KernelShape(kh, kw, FILTERS_PER_UNROLLED_PASS, column_step)
    return KernelShape(0, kw, FILTERS_PER_ROW_PASS, column_step)


def passes_per_row(spec: LayerSpec, filters: int) -> int:
    """Passes over an output row for ``filters`` consecutive filters of one group: whole blocks
    of the shape's filters per pass, then one pass per leftover filter, each once per input
    channel (or per input channel and kernel row when the rows are not unrolled)."""
    shape = shape_for(spec)
    blocks = filters // shape.filters + filters % shape.filters
    return blocks * spec.in_per_group * (1 if shape.rows else spec.kernel_size[0])


def source(shape: KernelShape) -> str:
    """Python source of ``kernel(padded, c0, taps, bias, out, f0, f1, y0, y1, sh, sw, dh, dw)``:
    rows y0..y1-1 of filters f0..f1-1 into ``out`` (filters × H_out × W_out), from the padded
    input's channels c0.. (C × H_p × W_p), ``taps`` (C_in/g × kH × kW × filters) and, when it
    has any values, ``bias`` (filters), added once a row's sum is complete."""
    rows, width, per_pass, column_step = shape
    passes = [str(ky) for ky in range(rows)] if rows else ["ky"]
    lines = [
        "def kernel(padded, c0, taps, bias, out, f0, f1, y0, y1, sh, sw, dh, dw):",
        "    channels, kernel_rows = taps.shape[0], taps.shape[1]",
        "    ow = out.shape[2]",
        f"    whole = f0 + (f1 - f0) // {per_pass} * {per_pass}",
        "    for y in range(y0, y1):",
    ]

    def body(filters: list[str], indent: str) -> None:
        """One filter block's rows: zeroed, every input channel's (or kernel row's) pass, the
        bias."""
        for j, f in enumerate(filters):
            lines.append(f"{indent}o{j} = out[{f}, y]")
            lines.append(f"{indent}o{j}[:] = 0")
        lines.append(f"{indent}for c in range(channels):")
        inner = indent + "    "
        if not rows:
            lines.append(f"{inner}for ky in range(kernel_rows):")
            inner += "    "
        for ky in passes:
            lines.append(f"{inner}r{ky} = padded[c0 + c, y * sh + {ky} * dh]")
        for ky in passes:
            for kx in range(width):
                for j, f in enumerate(filters):
                    lines.append(f"{inner}w{j}_{ky}_{kx} = taps[c, {ky}, {kx}, {f}]")
        lines.append(f"{inner}for x in range(ow):")
        pixel = inner + "    "
        for j in range(len(filters)):
            lines.append(f"{pixel}a{j} = o{j}[x]")
        for ky in passes:
            for kx in range(width):
                for j in range(len(filters)):
                    column = {0: f"x * sw + {kx} * dw", 1: f"x + {kx}"}.get(
                        column_step, f"x * {column_step} + {kx}"
                    )
                    lines.append(f"{pixel}a{j} += w{j}_{ky}_{kx} * r{ky}[{column}]")
        for j in range(len(filters)):
            lines.append(f"{pixel}o{j}[x] = a{j}")
        lines.append(f"{indent}if bias.size:")
        for j, f in enumerate(filters):
            lines.append(f"{indent}    o{j} += bias[{f}]")

    lines.append(f"        for fb in range(f0, whole, {per_pass}):")
    body([f"fb + {j}" for j in range(per_pass)], "            ")
    lines.append("        for f in range(whole, f1):")
    body(["f"], "            ")
    return "\n".join(lines) + "\n"
