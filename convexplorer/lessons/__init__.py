"""Guided lessons: readable data files, checked on loading, and the pure measures they ask about.

No Qt here: the app's lesson runner applies a step's scene through the document and shows it.
"""

from ._build import SceneArrays, build_scene, build_stack, solution_layer
from ._measures import (
    CHECKS,
    QUANTITIES,
    Quantity,
    format_number,
    line_pixels,
    placeholder_values,
    read_quantity,
    run_check,
    strongest_centres,
)
from ._schema import (
    Lesson,
    LessonError,
    PresetUse,
    Question,
    Scene,
    Solution,
    StackLayer,
    Step,
    load_lessons,
    parse_lesson,
)

__all__ = [
    "CHECKS",
    "QUANTITIES",
    "Lesson",
    "LessonError",
    "PresetUse",
    "Quantity",
    "Question",
    "Scene",
    "SceneArrays",
    "Solution",
    "StackLayer",
    "Step",
    "build_scene",
    "build_stack",
    "format_number",
    "line_pixels",
    "load_lessons",
    "parse_lesson",
    "placeholder_values",
    "read_quantity",
    "run_check",
    "solution_layer",
    "strongest_centres",
]
