"""The network strip and the stack in the app, driven as a user would: click a column and every
view of that layer follows; add, duplicate, remove and move through the Layers menu and a column's
context menu (one undo step each, refusals said in the status bar with the stack bit-identical);
shapes and parameter counts; later columns following an edit; a hovered pixel's field outlined;
sessions, Copy as PyTorch and Import Model Layers for a whole stack; What's This over the strip."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QHelpEvent,
    QImage,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QWhatsThis,
)

from convexplorer.app import build_window
from convexplorer.app.main_window import MainWindow
from convexplorer.model import (
    LayerSetup,
    LayerSpec,
    NetworkSnapshot,
    receptive_field,
)
from convexplorer.widgets import style
from convexplorer.widgets.network_strip import NetworkStrip, layer_detail
from convexplorer.widgets.network_strip._column import StripColumn
from tests.stack_support import fingerprint
from tests.window_support import answer, settings_in, shown_window

SIZE = (20, 24)


def setup(spec: LayerSpec, activation: str, seed: int) -> LayerSetup:
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal(spec.weight_shape) / 4).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
    return LayerSetup(spec, weight, bias, activation)


def three_layers() -> NetworkSnapshot:
    """conv 3→4 (ReLU) → conv 4→4 3×3 (ReLU) → conv 4→4 1×1: every layer can move but the
    first, the first cannot be duplicated (its copy would read 4 channels off 3)."""
    image = np.random.default_rng(0).standard_normal((3, *SIZE)).astype(np.float32)
    layers = (
        setup(LayerSpec(3, 4, 3, padding=1), "relu", 1),
        setup(LayerSpec(4, 4, 3), "relu", 2),
        setup(LayerSpec(4, 4, 1), "none", 3),
    )
    return NetworkSnapshot(image, layers)


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    win = shown_window(qtbot, settings_in(tmp_path))
    assert win.document.load_network(three_layers(), "Open the stack")
    win.settle()
    yield win
    if QWhatsThis.inWhatsThisMode():
        QWhatsThis.leaveWhatsThisMode()
    QWhatsThis.hideText()


def strip(window: MainWindow) -> NetworkStrip:
    return window.network_strip


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def whole(window: MainWindow) -> tuple:
    """The stack bit for bit: input, selected layer, every layer."""
    return fingerprint(window.document.network_snapshot())


def layers(window: MainWindow) -> tuple:
    """Every layer bit for bit (settings, weights, bias, activation), not which is selected."""
    return whole(window)[3]


def input_column(window: MainWindow) -> StripColumn:
    """The strip's first column: the input (not a layer)."""
    column = strip(window).findChildren(StripColumn)[0]
    assert column not in strip(window).columns
    return column


def menu_action(window: MainWindow, menu_title: str, text: str) -> QAction:
    """The action of the menu bar's ``menu_title`` menu whose text (without '&') is ``text``."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu_title:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu_title} → {text}")


def click(qtbot, widget, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(widget, button, pos=widget.rect().center())


def thumbnails(column: StripColumn) -> list[QImage]:
    """The column's small maps as drawn (outlines included)."""
    return [label.pixmap().toImage() for label in column._thumbs]


# ---- selecting -----------------------------------------------------------------------------


def test_clicking_a_column_selects_its_layer_and_every_view_of_it_follows(qtbot, window):
    document = window.document
    columns = strip(window).columns
    assert len(columns) == 3
    for index in (1, 2, 0):
        click(qtbot, columns[index])
        assert document.stack.selected == index
        spec = document.stack.layer(index).spec
        assert window.layer_controls.out_channels.value() == spec.out_channels
        assert window.layer_controls.kernel_size.value() == spec.kernel_size
        assert window.layer_controls.in_channels.text().startswith(f"{spec.in_channels} ")
        qtbot.waitUntil(lambda s=spec: len(window.output_panels.panels) == s.out_channels)
        composite = 1 if spec.in_channels == 3 else 0  # an RGB input shows its picture too
        assert len(window.input_view.panels) == spec.in_channels + composite
        assert f"layer {index + 1} of 3" in window.windowTitle()
        assert [column.is_selected for column in columns] == [i == index for i in range(3)]


def test_clicking_the_input_column_says_what_it_is_and_keeps_the_layer(qtbot, window):
    window.document.select_layer(2)
    click(qtbot, input_column(window))
    assert window.document.stack.selected == 2
    assert status(window) == "The input: click a layer to work on it"


def test_the_layers_menu_steps_through_the_layers_and_greys_out_at_the_ends(window):
    previous = menu_action(window, "Layers", "Previous Layer")
    following = menu_action(window, "Layers", "Next Layer")
    assert window.document.stack.selected == 0
    assert not previous.isEnabled() and following.isEnabled()
    following.trigger()
    following.trigger()
    assert window.document.stack.selected == 2
    assert previous.isEnabled() and not following.isEnabled()
    previous.trigger()
    assert window.document.stack.selected == 1


# ---- shaping the stack ------------------------------------------------------------------------


def one_undo_step(window: MainWindow, act) -> tuple[tuple, tuple]:
    """Do ``act``; check it made one undo step that undoes and redoes it bit for bit. Returns
    the layers before and after."""
    document = window.document
    before, count = layers(window), document.undo_count
    act()
    window.settle()
    after = layers(window)
    assert after != before
    assert document.undo_count == count + 1
    document.undo()
    assert layers(window) == before
    document.redo()
    assert layers(window) == after
    return before, after


def test_add_layer_puts_a_relu_block_after_the_selected_one_as_one_undo_step(qtbot, window):
    window.document.select_layer(1)
    click(qtbot, strip(window).findChild(QToolButton, "addLayerButton"))
    stack = window.document.stack
    assert len(stack) == 4 and stack.selected == 2
    new = stack.layer(2)
    assert (new.spec.in_channels, new.spec.out_channels, new.activation) == (4, 4, "relu")
    assert window.document.undo_label == "Insert Conv2d as layer 3"
    window.document.undo()
    assert len(window.document.stack) == 3
    one_undo_step(window, menu_action(window, "Layers", "Add Layer After").trigger)


def test_duplicate_remove_and_move_from_the_layers_menu_are_one_undo_step_each(window):
    document = window.document
    document.select_layer(1)
    _, after = one_undo_step(window, menu_action(window, "Layers", "Duplicate Layer").trigger)
    assert len(after) == 4 and after[1] == after[2]  # settings, weights and all
    assert document.stack.selected == 2

    document.select_layer(2)
    before, after = one_undo_step(window, menu_action(window, "Layers", "Remove Layer").trigger)
    assert after == before[:2] + before[3:]

    document.select_layer(len(document.stack) - 1)
    last = len(document.stack) - 1
    before, after = one_undo_step(
        window, menu_action(window, "Layers", "Move Layer Earlier").trigger
    )
    assert (after[last - 1], after[last]) == (before[last], before[last - 1])
    assert document.stack.selected == last - 1
    before, after = one_undo_step(window, menu_action(window, "Layers", "Move Layer Later").trigger)
    assert document.stack.selected == last


def test_a_column_s_context_menu_selects_it_and_offers_what_can_be_done(qtbot, window):
    column = strip(window).columns[1]
    count = window.document.undo_count
    point = column.rect().center()  # what a right-click sends the column
    QApplication.sendEvent(
        column, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, column.mapToGlobal(point))
    )
    assert window.document.stack.selected == 1
    menu = next(m for m in strip(window).findChildren(QMenu) if m.isVisible())
    texts = [action.text().replace("&", "") for action in menu.actions() if action.text()]
    assert texts == [
        "Add Layer After",
        "Duplicate Layer",
        "Remove Layer",
        "Move Layer Earlier",
        "Move Layer Later",
    ]
    duplicate = next(a for a in menu.actions() if a.text().replace("&", "") == "Duplicate Layer")
    menu.hide()
    duplicate.trigger()
    assert len(window.document.stack) == 4
    assert window.document.undo_count == count + 1


@pytest.mark.parametrize(
    ("layer", "action", "said"),
    [
        (0, "Duplicate Layer", "Not duplicated: layer 2 expects 3 input channels, layer 1 makes 4"),
        (0, "Remove Layer", "Not removed: layer 1 expects 4 input channels, the input has 3"),
        (1, "Move Layer Earlier", "Not moved: layer 1 expects 4 input channels, the input has 3"),
    ],
)
def test_a_refused_change_is_said_in_the_status_bar_and_changes_nothing(
    window, layer, action, said
):
    document = window.document
    document.select_layer(layer)
    before, count = whole(window), document.undo_count
    menu_action(window, "Layers", action).trigger()
    assert status(window).startswith(said)
    assert whole(window) == before
    assert document.undo_count == count


def test_the_last_layer_cannot_be_removed_and_a_full_stack_takes_no_more(qtbot, window):
    document = window.document
    image = document.stack.layer(0).image
    only = NetworkSnapshot(image, (setup(LayerSpec(3, 2, 3), "none", 4),))
    assert document.load_network(only, "One layer")
    remove = menu_action(window, "Layers", "Remove Layer")
    assert not remove.isEnabled()
    before = whole(window)
    strip(window).remove_layer()  # what the action would do: refused in words
    assert status(window) == "Not removed: the stack needs at least one layer: this is its only one"
    assert whole(window) == before

    full = NetworkSnapshot(
        image, tuple(setup(LayerSpec(3, 3, 1), "none", seed) for seed in range(16))
    )
    assert document.load_network(full, "Sixteen layers")
    window.settle()
    before = whole(window)
    menu_action(window, "Layers", "Add Layer After").trigger()
    assert status(window) == "No layer added: the stack already has 16 layers, the most it can hold"
    assert whole(window) == before


# ---- what the columns show -------------------------------------------------------------------


def test_each_column_shows_what_the_layer_is_its_shape_and_its_parameter_count(window):
    stack = window.document.stack
    for index, column in enumerate(strip(window).columns):
        view = stack.layer(index)
        spec = view.spec
        assert column.title.text() == f"<b>Layer {index + 1}</b>&nbsp; {layer_detail(view)}"
        shape = style.shape_text(spec.out_channels, *view.output_size)
        assert column.shape.text() == f"{shape} · {spec.parameter_count} parameters"
        assert column.map_count == spec.out_channels
    details = [layer_detail(stack.layer(index)) for index in range(3)]
    assert details == ["Conv2d 3→4 3×3 · ReLU", "Conv2d 4→4 3×3 · ReLU", "Conv2d 4→4 1×1"]
    shapes = [column.shape.text() for column in strip(window).columns]
    assert shapes == [
        "4×20×24 · 112 parameters",
        "4×18×22 · 148 parameters",
        "4×18×22 · 20 parameters",
    ]


def test_a_pool_column_has_no_parameters_and_many_maps_are_counted(window):
    image = window.document.stack.layer(0).image
    pool = LayerSpec(32, 32, 2, stride=2, groups=32, bias=False, pool="max")
    from convexplorer.model import pool_weight

    snapshot = NetworkSnapshot(
        image,
        (
            setup(LayerSpec(3, 32, 3, padding=1), "relu", 5),
            LayerSetup(pool, pool_weight(pool), None),
        ),
    )
    assert window.document.load_network(snapshot, "Conv and pool")
    window.settle()
    conv, pooled = strip(window).columns
    assert pooled.shape.text() == "32×10×12 · 0 parameters"
    assert "MaxPool2d 32→32 2×2 /2" in pooled.title.text()
    assert conv.map_count == 16  # the rest are counted beside them
    assert conv._more.text() == "+ 16 more maps"


def test_an_edit_in_layer_1_redraws_the_thumbnails_of_the_layers_after_it(qtbot, window):
    document = window.document
    columns = strip(window).columns
    before = [thumbnails(column) for column in columns]
    document.select_layer(0)
    assert document.set_bias(0, 5.0)
    for index in (0, 1, 2):  # filter 0 of layer 1, then every map after it
        qtbot.waitUntil(lambda i=index: thumbnails(columns[i])[0] != before[i][0])
    qtbot.waitUntil(lambda: document.stack.is_current)
    assert "updating" not in columns[2].title.text()


def test_a_column_waiting_for_the_layer_before_says_updating(qtbot, window):
    """16 channels at 96²: after an edit in layer 1 the scheduler computes one layer per pass of
    the event loop, so layer 3 waits for layer 2 and says so until it is fed."""
    rng = np.random.default_rng(8)
    image = rng.standard_normal((3, 96, 96)).astype(np.float32)
    specs = [LayerSpec(3, 16, 3, padding=1), LayerSpec(16, 16, 3, padding=1)]
    snapshot = NetworkSnapshot(
        image, tuple(setup(spec, "relu", seed) for seed, spec in enumerate([*specs, specs[1]]))
    )
    document = window.document
    assert document.load_network(snapshot, "A wider stack")
    window.settle()
    columns = strip(window).columns
    assert not any("updating" in column.title.text() for column in columns)
    document.select_layer(0)
    assert document.set_bias(1, -3.0)
    assert document.stack.is_waiting(2)  # layer 2's result needs the event loop
    assert "<b>Layer 3 · updating</b>" in columns[2].title.text()
    assert "updating" not in columns[0].title.text()
    qtbot.waitUntil(lambda: document.stack.is_current)
    qtbot.waitUntil(lambda: not any("updating" in c.title.text() for c in columns))


# ---- the receptive field ------------------------------------------------------------------


def hover_output(qtbot, window: MainWindow, pixel: tuple[int, int]) -> None:
    panel = window.output_panels.panels[0]
    scene = panel.image.mapToScene(QPointF(pixel[1] + 0.5, pixel[0] + 0.5))
    grid = window.output_panels.grid
    qtbot.mouseMove(grid.view.viewport(), grid.view.mapFromScene(scene))


def test_hovering_an_output_pixel_outlines_its_field_on_earlier_columns_and_the_input(
    qtbot, window
):
    document = window.document
    document.select_layer(2)
    window.settle()
    qtbot.waitUntil(lambda: window.output_panels.panels[0].has_image)
    hover_output(qtbot, window, (5, 7))
    inputs = window.input_view
    qtbot.waitUntil(lambda: inputs.field is not None)
    expected = receptive_field(document.stack.layer(0).image.shape, document.stack.specs, 2, (5, 7))
    marked = [input_column(window), *strip(window).columns]
    assert [column.marked for column in marked] == [*expected.boxes[:3], None]
    assert expected.boxes[0] == (4, 6, 5, 5)  # 1×1 after 3×3 'valid' after 3×3 padded by 1
    assert np.array_equal(inputs.field.image_mask, expected.image_mask)
    for panel in inputs.panels:  # the selected layer's input: layer 2's maps
        assert panel.field.isVisible() and panel.field.box == expected.boxes[2]
    unmarked = thumbnails(strip(window).columns[0])
    hover_output(qtbot, window, (0, 0))
    qtbot.waitUntil(lambda: thumbnails(strip(window).columns[0]) != unmarked)


# ---- files, clipboard and models ----------------------------------------------------------------


def test_a_three_layer_session_saved_and_opened_through_the_file_menu_is_bit_for_bit(
    qtbot, window, tmp_path, monkeypatch
):
    document = window.document
    document.select_layer(1)
    assert document.set_weight(2, 1, 0, 2, -0.0)  # a value only bits tell apart
    path = tmp_path / "three.convx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (str(path), ""))
    saved = whole(window)
    menu_action(window, "File", "Save Session As…").trigger()
    assert path.exists() and not document.is_modified
    assert status(window) == "Saved three.convx"

    settings = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    restarted = build_window(settings=settings)  # a new run of the app
    qtbot.addWidget(restarted)
    answer(restarted, QMessageBox.StandardButton.Discard)
    menu_action(restarted, "File", "Open Session…").trigger()
    restarted.settle()
    assert whole(restarted) == saved
    assert len(strip(restarted).columns) == 3
    assert restarted.windowTitle().startswith("three.convx[*] — layer 2 of 3")


def test_copy_as_pytorch_puts_an_nn_sequential_of_the_stack_on_the_clipboard(window):
    menu_action(window, "File", "Copy as PyTorch").trigger()
    snippet = QGuiApplication.clipboard().text()
    assert "model = nn.Sequential(" in snippet
    assert snippet.count("nn.Conv2d(") == 3 and snippet.count("nn.ReLU()") == 2
    compile(snippet, "snippet", "exec")
    assert status(window) == (
        "Copied a PyTorch snippet that builds an nn.Sequential of all 3 layers with their weights"
    )


def test_copy_as_pytorch_runs_in_torch_to_the_explorer_s_last_maps(window):
    torch = pytest.importorskip("torch")
    from tests.stack_support import stack_bound, stack_outputs

    menu_action(window, "File", "Copy as PyTorch").trigger()
    scope: dict = {}
    snippet = QGuiApplication.clipboard().text().split("\nx = ")[0]
    exec(compile(snippet, "snippet", "exec"), scope)
    snapshot = window.document.network_snapshot()
    with torch.no_grad():
        got = scope["model"](torch.from_numpy(snapshot.image)[None])[0].numpy()
    outputs = stack_outputs(snapshot)
    mine = window.document.stack.layer(2).outputs()
    assert np.array_equal(mine, outputs[-1][1])
    assert np.all(np.abs(got - mine) <= stack_bound(snapshot, outputs))


def test_import_model_layers_loads_the_stack_as_one_undo_step(qtbot, window, tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 2, 3, padding=1))
    path = tmp_path / "mine.pt"
    torch.save(model.state_dict(), path)
    document = window.document
    before, count = whole(window), document.undo_count

    dialog = window.files.models.open_dialog()
    assert dialog is not None and dialog.open_checkpoint(path)
    click(qtbot, dialog.ok_button)
    window.settle()
    stack = document.stack
    assert len(stack) == 2 and len(strip(window).columns) == 2
    for index, conv in ((0, model[0]), (1, model[2])):
        assert np.array_equal(stack.layer(index).weight, conv.weight.detach().numpy())
        assert np.array_equal(stack.layer(index).bias, conv.bias.detach().numpy())
    assert document.undo_count == count + 1
    assert document.undo_label == "Import model layers from mine.pt"
    assert status(window).startswith("Imported 2 layers from mine.pt")
    document.undo()
    assert layers(window) == before[3]
    assert len(strip(window).columns) == 3


# ---- help -----------------------------------------------------------------------------------


def test_what_s_this_answers_over_the_strip(window):
    column = strip(window).columns[1]
    pos = column.rect().center()
    window.whats_this.action.trigger()
    assert QWhatsThis.inWhatsThisMode()
    for kind in (QEvent.Type.QueryWhatsThis, QEvent.Type.WhatsThis):
        event = QHelpEvent(kind, pos, column.mapToGlobal(pos))
        QApplication.sendEvent(column, event)
        assert event.isAccepted()
    text = window.whats_this.last_text
    assert text.startswith("<b>Network</b>") or "Network" in text[:40]
    assert "Right-click a layer" in text
    assert "The selected layer is an nn.Conv2d reading 3 channels and making 4" in text


def test_the_layer_actions_say_their_keys_and_the_add_button_its_action(window):
    actions = strip(window).actions_by_name
    keys = {name: action.shortcut().toString() for name, action in actions.items()}
    assert keys == {
        "add": "Ctrl+Shift+N",
        "duplicate": "Ctrl+Shift+D",
        "remove": "Ctrl+Shift+Backspace",
        "left": "Ctrl+Shift+PgUp",
        "right": "Ctrl+Shift+PgDown",
        "previous": "Ctrl+PgUp",
        "next": "Ctrl+PgDown",
    }
    for action in actions.values():
        assert action.toolTip().endswith(f"({action.shortcut().toString()})")
    assert strip(window).accessibleName() == "Network strip"
    assert all(column.accessibleName() for column in strip(window).columns)


def test_a_closed_context_menu_goes(qtbot, window):
    """Each right-click made a new QMenu child of the strip that stayed after it closed."""
    column = strip(window).columns[1]
    point = column.rect().center()
    for _ in range(3):
        QApplication.sendEvent(
            column,
            QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, column.mapToGlobal(point)),
        )
        menu = next(m for m in strip(window).findChildren(QMenu) if m.isVisible())
        menu.close()
    qtbot.waitUntil(lambda: not strip(window).findChildren(QMenu))


def test_the_selected_column_wears_the_selection_colour_without_a_new_style_sheet(qtbot, window):
    """Selecting restyled every column (a style sheet re-polishes a column and each of its
    thumbnails: 4 ms of every click); the border is painted instead."""
    columns = strip(window).columns
    sheets = [column.styleSheet() for column in columns]
    click(qtbot, columns[2])

    def edge(column: StripColumn) -> QColor:
        picture = column.grab().toImage()
        return picture.pixelColor(1, picture.height() // 2)

    assert [column.styleSheet() for column in columns] == sheets
    assert edge(columns[2]) == style.SELECTED_COLOR
    assert edge(columns[0]) != style.SELECTED_COLOR


def test_after_a_change_of_the_stack_the_strip_shows_one_arrow_per_layer_at_once(window):
    """The arrows of the row before a rebuild stayed in sight until the event loop deleted them:
    two arrows before layer 1 in a picture taken at once."""

    def arrows() -> int:
        return sum(
            label.isVisible() and label.text() == "→"
            for label in strip(window).findChildren(QLabel)
        )

    assert arrows() == 3
    menu_action(window, "Layers", "Add Layer After").trigger()
    assert arrows() == 4
    menu_action(window, "Layers", "Remove Layer").trigger()
    menu_action(window, "Layers", "Remove Layer").trigger()
    assert arrows() == 2
    assert sum(column.isVisible() for column in strip(window).findChildren(StripColumn)) == 3
