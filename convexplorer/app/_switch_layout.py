"""A layer switch is laid out before it is painted, so the window paints it once.

Every view takes the new layer in one pass of the event loop. What they change in geometry
(the sliding window's rows shown or hidden, numbers of other widths, a scrollbar the input grid
now needs) waits in Qt's posted layout requests, and the scenes of the pictures wait in queued
calls; the window painted the pictures, then laid the rows out and painted the moved widgets
again (about 6 ms of a click on ``benchmarks/bench_strip.py``'s stack). An event posted at high
priority when the switch starts is handled once the views are done and before anything else the
switch posted: it lays out every pending request, so the first paint has the final geometry.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

from ..qt import Document

_LAY_OUT = QEvent.Type(QEvent.registerEventType())


class SwitchLayout(QObject):
    """Lays out pending layout requests after each layer switch, ahead of the paint."""

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        document.layerSelected.connect(self._switched)

    def _switched(self) -> None:
        QCoreApplication.postEvent(self, QEvent(_LAY_OUT), Qt.EventPriority.HighEventPriority.value)

    def event(self, event: QEvent) -> bool:
        if event.type() == _LAY_OUT:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
            return True
        return super().event(event)
