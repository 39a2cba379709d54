"""Check against PyTorch: run the "Copy as PyTorch" script on the explorer's input and compare.

The check runs exactly the script ``pytorch_snippet`` writes, with its ``x`` bound to the
explorer's input, so it proves the snippet as well as the numbers, and a snippet that learns new
layer kinds is checked as it stands. Each output channel is judged by the rounding rule of
``model.output_bound``: float32 sums in another order may differ by 2·γ_n·Σ|w·x| + |b| (the
magnitudes computed by PyTorch in float64, on |x| with every parameter made |p|), plus FFT's
error where the explorer computes by FFT; after an activation, that bound stretched by its
steepest slope plus the rounding of the function on either side (``model.activated_bound``).

torch is imported only when a check runs; without it ``run_check`` raises ``TorchUnavailable``
with the install command. Nothing here touches the state: a ``CheckJob`` holds copies, so a
worker thread may run it while the user goes on editing.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np

from ..model import ExplorerState, OutputsNotReady, StateView, activated_bound, output_bound
from ._errors import TORCH_INSTALL, TorchUnavailable
from ._snippets import pytorch_snippet

#: The name the explorer's input has in the script the check runs.
INPUT_NAME = "explorer_input"
INPUT_LINE = f"x = torch.from_numpy({INPUT_NAME})[None]  # the explorer's input, a batch of one"
TORCH_NEEDED = f"Checking against PyTorch needs torch: {TORCH_INSTALL}"

BIT_IDENTICAL = "bit-identical"
ROUNDING = "identical to float32 rounding"
DIFFERS = "differs"
FAILED = "could not compare"


@dataclass(frozen=True)
class CheckJob:
    """What a check compares: a private copy of the layer (input, spec, weights, activation)
    and the explorer's output channels after the activation, each (H_out, W_out).

    Made on the UI thread at the cost of copying the weights: the input and the outputs are
    shared, since the state never writes into an image or an output it has handed out (a new
    result is a new array), so a worker may read them while the user goes on editing.
    """

    layer: StateView
    outputs: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, state: StateView) -> CheckJob:
        """What the check needs; raises ``OutputsNotReady`` while outputs are stale."""
        if state.stale_channels:
            raise OutputsNotReady(state.stale_channels)
        outputs = tuple(state.output(o) for o in range(state.spec.out_channels))
        bias = None if state.bias is None else np.array(state.bias)
        layer = ExplorerState(
            state.image, state.spec, np.array(state.weight), bias, state.activation
        )
        return cls(StateView(layer), outputs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ChannelDifference:
    """One output channel compared: the largest differences, where the worst one is, the verdict.

    ``max_rel`` is relative to the size of the terms summed (see ``compare``); ``worst`` is the
    (row, col) of the largest difference or, when the channel differs, of the value furthest
    beyond its rounding bound; ``ours``, ``theirs`` and ``bound`` are there.
    """

    channel: int
    max_abs: float
    max_rel: float
    worst: tuple[int, int]
    ours: float
    theirs: float
    bound: float
    verdict: str


@dataclass(frozen=True)
class TorchCheck:
    """The outcome: per channel differences, the script that ran, what it printed and warned."""

    snippet: str
    torch_version: str
    channels: tuple[ChannelDifference, ...]
    printed: str = ""
    warnings: tuple[str, ...] = ()
    failure: str = ""  # why nothing could be compared (the script failed, shapes differ)

    @property
    def verdict(self) -> str:
        if self.failure:
            return FAILED
        verdicts = {c.verdict for c in self.channels}
        for verdict in (DIFFERS, ROUNDING):
            if verdict in verdicts:
                return verdict
        return BIT_IDENTICAL

    @property
    def worst(self) -> ChannelDifference | None:
        """The first channel that differs, else the one with the largest difference."""
        differing = [c for c in self.channels if c.verdict == DIFFERS]
        if differing:
            return differing[0]
        return max(self.channels, key=lambda c: c.max_abs, default=None)


def check_against_pytorch(state: StateView) -> TorchCheck:
    """Run the check now, on this thread (scripts and tests; the app uses a worker)."""
    return run_check(CheckJob.of(state))


def run_check(job: CheckJob) -> TorchCheck:
    """Run the snippet on the job's input in PyTorch and compare every output channel."""
    try:
        import torch
    except ImportError as error:
        raise TorchUnavailable(TORCH_NEEDED) from error
    layer = job.layer
    snippet = pytorch_snippet(layer, INPUT_LINE)
    printed: list[str] = []
    namespace: dict[str, object] = {
        "__name__": "__pytorch_check__",
        INPUT_NAME: np.array(layer.image, dtype=np.float32),  # writable: torch shares it
        "print": lambda *args, **_: printed.append(" ".join(str(a) for a in args)),
    }
    result = {"snippet": snippet, "torch_version": str(torch.__version__)}
    with warnings.catch_warnings(record=True) as caught, torch.no_grad():
        warnings.simplefilter("always")
        try:
            exec(compile(snippet, "<Copy as PyTorch>", "exec"), namespace)
            theirs = namespace["y"].detach()[0].numpy()  # type: ignore[attr-defined]
            # the layer's own module, before the activation: a convolution or a pool
            conv, x = namespace.get("conv", namespace.get("pool")), namespace["x"]
            raw = conv(x).detach()[0].numpy()  # type: ignore[operator]
            magnitudes = _magnitudes(conv, x)
        except Exception as error:  # the script is the thing under test: say how it failed
            return TorchCheck(**result, channels=(), failure=f"the script raised {error!r}")
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    result.update(printed="\n".join(printed), warnings=notes)
    ours = np.stack(job.outputs)
    if theirs.shape != ours.shape:
        return TorchCheck(
            **result,
            channels=(),
            failure=f"PyTorch's output has shape {theirs.shape}, the explorer's {ours.shape}",
        )
    raw_bound = output_bound(layer.spec, layer.image, layer.weight, magnitudes)
    bound = activated_bound(raw_bound, raw, layer.activation)
    return TorchCheck(**result, channels=compare(ours, theirs, bound, magnitudes))


def _magnitudes(conv, x) -> np.ndarray:
    """Σ|w·x| + |b| per output: the same convolution (without the activation, which would
    squash the sizes) in float64 with |p| for every parameter, on |x|."""
    absolute = copy.deepcopy(conv).double()
    for parameter in absolute.parameters():
        parameter.abs_()
    return absolute(x.double().abs())[0].numpy()


def compare(
    ours: np.ndarray, theirs: np.ndarray, bound: np.ndarray, magnitudes: np.ndarray
) -> tuple[ChannelDifference, ...]:
    """Per channel of two (C, H, W) results: differences against the rounding ``bound``.

    The relative difference is |Δ| over the size of what was summed (Σ|w·x| + |b|), where
    rounding lives: over the value itself it explodes wherever a sum cancels to almost 0.
    """
    channels = []
    for o, (mine, other, allowed, size) in enumerate(
        zip(ours, theirs, bound, magnitudes, strict=True)
    ):
        error = np.abs(mine.astype(np.float64) - other.astype(np.float64))
        relative = np.divide(error, size, out=np.zeros_like(error), where=size > 0)
        beyond = ~(error <= allowed)  # NaN counts as beyond
        if mine.tobytes() == other.tobytes():
            verdict = BIT_IDENTICAL
        elif beyond.any():
            verdict = DIFFERS
        else:
            verdict = ROUNDING
        if verdict == DIFFERS:
            excess = np.where(beyond, np.nan_to_num(error - allowed, nan=np.inf), -np.inf)
            flat = int(np.argmax(excess))
        else:
            flat = int(np.argmax(error))
        row, col = (int(i) for i in np.unravel_index(flat, error.shape))
        channels.append(
            ChannelDifference(
                channel=o,
                max_abs=float(error.max()),
                max_rel=float(relative.max()),
                worst=(row, col),
                ours=float(mine[row, col]),
                theirs=float(other[row, col]),
                bound=float(allowed[row, col]),
                verdict=verdict,
            )
        )
    return tuple(channels)
