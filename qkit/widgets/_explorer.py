"""The one pattern behind every interactive figure of the course.

An :class:`Explorer` joins three things:

* ``controls``: ipywidgets (sliders, dropdowns, ...) keyed by the keyword argument they feed;
* ``compute``: a **pure** function of those keyword arguments, defined in a core module and
  unit-tested there;
* ``draw``: a function ``draw(figure, result)`` that renders the result on a matplotlib figure.

On every change of a control the explorer calls ``compute(**values)``, keeps the return value in
:attr:`Explorer.result`, redraws and shows the new figure. Nothing is computed inside the
callbacks themselves, so a test can drive the explorer headlessly::

    ex = poisson_explorer()
    ex.controls["mean"].value = 12.0
    assert ex.result.mean == 12.0
"""

from __future__ import annotations

import base64
import io
from typing import Any, Callable, Mapping

import ipywidgets as widgets
from matplotlib.figure import Figure
from IPython.display import display

__all__ = ["Explorer"]


class Explorer(widgets.VBox):
    """Controls, a pure computation and a figure that follows them.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        The controls, keyed by the name of the keyword argument of ``compute`` they set.
    compute : callable
        ``compute(**fixed, **values) -> result``; must be pure (no plotting, no widgets).
    draw : callable
        ``draw(figure, result)``: clears and redraws the figure from ``result``.
    fixed : mapping, optional
        Keyword arguments passed to ``compute`` that no control sets.
    figsize : tuple of float, optional
        Figure size in inches.
    describe : callable, optional
        ``describe(result) -> str``: a one-line text shown under the figure (e.g. the number
        the figure illustrates), kept in :attr:`text`.
    continuous_update : bool
        If False (default), sliders update when released, which keeps slow computations smooth.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        compute: Callable[..., Any],
        draw: Callable[[Figure, Any], None],
        *,
        fixed: Mapping[str, Any] | None = None,
        figsize: tuple[float, float] | None = None,
        describe: Callable[[Any], str] | None = None,
        continuous_update: bool = False,
    ) -> None:
        if not controls:
            raise ValueError("controls must name at least one control, got none")
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.fixed = dict(fixed or {})
        self.describe = describe
        self.result: Any = None
        self.text: str = ""
        self.error: str = ""
        self.updates = 0
        self.output = widgets.Output()
        self.label = widgets.HTML()
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = continuous_update
            control.observe(self._on_change, names="value")
        # A bare Figure, outside pyplot's registry: the inline backend would otherwise show it
        # again at the end of every later cell that uses pyplot. It is shown only through
        # the Output widget.
        self.figure = Figure(figsize=figsize)
        box = widgets.VBox(list(self.controls.values()))
        super().__init__([box, self.output, self.label])
        self.update()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """Display data: the live widget, plus a still image and a sentence to fall back on.

        A running kernel shows the widget. A notebook opened before its cells are run (or on a
        code host) has no widget state to restore, so it shows the still image of the figure as
        it was when the cell ran, and the sentence says how to bring the controls back.
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        names = ", ".join(self.controls)
        bundle["text/plain"] = (
            f"Interactive figure (controls: {names}): run the notebook's cells to use it."
        )
        if self.updates:
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
            bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return bundle

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, keyed like ``compute``'s arguments."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Recompute from the current control values and redraw."""
        try:
            self.result = self.compute(**self.fixed, **self.values)
        except ValueError as exc:  # a bad combination of controls: say so, keep the old figure
            self.error = str(exc)
            self.label.value = f"<span style='color:#b00'>{self.error}</span>"
            return
        self.error = ""
        self.figure.clear()
        self.draw(self.figure, self.result)
        self.text = self.describe(self.result) if self.describe else ""
        self.label.value = self.text
        self.updates += 1
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)
