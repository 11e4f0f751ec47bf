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

Coarse then refine
------------------
A slider must answer within about 100 ms. When the exact answer takes longer, give the explorer
a quick ``compute`` (an honest coarse result that says it is coarse, e.g. a smaller sample or a
coarser grid) and a ``refine`` with the same signature. A change then shows the coarse result at
once and computes ``refine`` in one background thread; the refined figure replaces the coarse
one unless the controls changed meanwhile (a newer change supersedes an older refinement, whose
result is dropped). :meth:`Explorer.wait` blocks until no refinement is pending.

In place, and cached text
-------------------------
Clearing the figure and drawing it anew costs more than most computations behind a slider:
every axes, tick and legend is built again. An explorer may pass ``redraw(figure, result)``,
which moves the new numbers onto the artists ``draw`` made (``set_data``, ``set_height``,
``set_text``) and returns True, or returns False when it cannot (e.g. a legend entry appears),
and ``draw`` then runs on the cleared figure. The figure is rendered by
:class:`qkit.widgets._render.CachedTextCanvas`, which rasterises each text glyph once.

The figure is shown as PNG bytes in an :class:`ipywidgets.Image`: setting a widget's value is
safe from a background thread (it is one comm message), whereas the ``with output:`` capture of
an ``Output`` widget follows the thread that runs it and loses what a thread draws.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Mapping
from typing import Any, Callable

import ipywidgets as widgets
from matplotlib.figure import Figure

from qkit.widgets._render import CachedTextCanvas

__all__ = ["Explorer"]

#: Width of a slider's track and readout, added to the explorer's label width.
_TRACK_WIDTH = "240px"


def _cell(ax: Any) -> tuple | None:
    """Where an axes sits in its grid (None for an axes placed by hand, e.g. a colour bar)."""
    spec = ax.get_subplotspec()
    if spec is None:
        return None
    return (spec.get_geometry(), spec.get_gridspec().get_geometry())


def _tick_widths(ax: Any) -> tuple[int, int]:
    """The longest x and y tick label in characters: the room the layout must leave for them."""
    return tuple(max((len(t) for t in axis.get_major_formatter().format_ticks(axis.get_majorticklocs())),
                     default=0) for axis in (ax.xaxis, ax.yaxis))


def _check_arguments(controls, compute, draw, refine, fixed, describe, redraw=None) -> None:
    """Refuse the Explorer's bad arguments with a message naming them."""
    if not isinstance(controls, Mapping):
        raise TypeError(f"controls must be a dict of name -> ipywidgets control, got {type(controls).__name__}")
    if not controls:
        raise ValueError("controls must name at least one control, got none")
    for name, control in controls.items():
        if not isinstance(name, str) or not isinstance(control, widgets.ValueWidget):
            raise TypeError(f"controls must map names to ipywidgets controls (sliders, dropdowns, ...); "
                            f"got {name!r}: {type(control).__name__}")
    if fixed is not None and not isinstance(fixed, Mapping):
        raise TypeError(f"fixed must be a dict of keyword arguments or None, got {type(fixed).__name__}")
    if describe is not None and not callable(describe):
        raise TypeError(f"describe must be callable or None, got {describe!r}")
    for name, value in (("compute", compute), ("draw", draw)):
        if not callable(value):
            raise TypeError(f"{name} must be callable, got {value!r}")
    for name, value in (("refine", refine), ("redraw", redraw)):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be callable or None, got {value!r}")


class Explorer(widgets.VBox):
    """Controls, a pure computation and a figure that follows them.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        The controls, keyed by the name of the keyword argument of ``compute`` they set. They
        all get one label width, fitted to the longest description, so their tracks line up.
    compute : callable
        ``compute(**fixed, **values) -> result``; must be pure (no plotting, no widgets). With
        ``refine``, this is the quick coarse result shown at once.
    draw : callable
        ``draw(figure, result)``: draws the result on the (cleared) figure.
    redraw : callable, optional
        ``redraw(figure, result) -> bool``: updates, in place, a figure that ``draw`` drew
        (new data on the same artists: ``set_data``, ``set_text``, ...), and returns True; or
        returns False when it cannot (e.g. the result needs other artists), and the figure is
        then cleared and drawn by ``draw``. It must leave the figure as ``draw`` would have
        drawn it: the numbers shown are the same either way.
    refine : callable, optional
        ``refine(**fixed, **values) -> result`` of the same kind as ``compute``'s, slower and
        exact (or finer). Run in a background thread after every change; its figure replaces
        the coarse one if the controls have not changed meanwhile.
    fixed : mapping, optional
        Keyword arguments passed to ``compute`` (and ``refine``) that no control sets.
    figsize : tuple of float, optional
        Figure size in inches.
    describe : callable, optional
        ``describe(result) -> str``: a one-line text shown under the figure (e.g. the number
        the figure illustrates), kept in :attr:`text`. A coarse result should say it is coarse.
    continuous_update : bool
        If False (default), sliders update when released, which keeps slow computations smooth.

    Attributes
    ----------
    result : object
        The last result drawn (coarse or refined).
    refined : bool
        True when :attr:`result` came from ``refine`` (always False without ``refine``).
    text, error : str
        The description of :attr:`result`, and the message of the last bad combination of
        controls ('' when the controls are valid).
    updates : int
        Figures drawn after ``compute`` (one per accepted change, plus the first).
    refinements : int
        Figures drawn after ``refine``.
    description_width : str
        The CSS label width given to every control.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        compute: Callable[..., Any],
        draw: Callable[[Figure, Any], None],
        *,
        refine: Callable[..., Any] | None = None,
        fixed: Mapping[str, Any] | None = None,
        figsize: tuple[float, float] | None = None,
        describe: Callable[[Any], str] | None = None,
        continuous_update: bool = False,
        redraw: Callable[[Figure, Any], bool] | None = None,
    ) -> None:
        _check_arguments(controls, compute, draw, refine, fixed, describe, redraw)
        self.controls = dict(controls)
        self.compute = compute
        self.refine = refine
        self.draw = draw
        self.redraw = redraw
        self.fixed = dict(fixed or {})
        self.describe = describe
        self.result: Any = None
        self.refined = False
        self.text: str = ""
        self.error: str = ""
        self.updates = 0
        self.refinements = 0
        self._png = b""
        self._generation = 0
        self._lock = threading.RLock()  # the figure, the result and what is shown
        self._queue = threading.Condition()  # the refinement request and the worker
        self._request: tuple[int, dict] | None = None
        self._busy = False
        self._worker: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.image = widgets.Image(format="png")
        self.label = widgets.HTML()
        self.description_width = self._align_labels()
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = continuous_update
            control.observe(self._on_change, names="value")
        # A bare Figure, outside pyplot's registry: the inline backend would otherwise show it
        # again at the end of every later cell that uses pyplot. It is shown only as PNG bytes.
        self.figure = Figure(figsize=figsize)
        self._canvas = CachedTextCanvas(self.figure)  # Agg, reusing text glyphs between draws
        self._drawn = False  # True once ``draw`` has drawn the figure ``redraw`` may update
        self._engine = self.figure.get_layout_engine()
        self._layout_shape: tuple = ()
        self._positions: list = []
        box = widgets.VBox(list(self.controls.values()))
        super().__init__([box, self.image, self.label])
        self.update()
        if self.error:  # the initial values already fail: a bad argument of the builder
            raise ValueError(self.error)

    def _align_labels(self) -> str:
        """Give every control one label width, fitted to the longest description."""
        longest = max(len(getattr(c, "description", "") or "") for c in self.controls.values())
        width = f"{longest + 2}ch"
        for control in self.controls.values():
            style = getattr(control, "style", None)
            if style is not None and hasattr(style, "description_width"):
                style.description_width = width
            if getattr(control, "layout", None) is not None and not control.layout.width:
                control.layout.width = f"calc({width} + {_TRACK_WIDTH})"
        return width

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
        if self._png:
            bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
        return bundle

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, keyed like ``compute``'s arguments."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def pending(self) -> bool:
        """True while a refinement is queued or running."""
        with self._queue:
            return self._request is not None or self._busy

    def _on_change(self, change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Recompute from the current control values and redraw (coarse first with ``refine``)."""
        kwargs = {**self.fixed, **self.values}
        with self._lock:
            self._generation += 1
            generation = self._generation
            try:
                result = self.compute(**kwargs)
            except ValueError as exc:  # a bad combination of controls: say so, keep the old figure
                self._show_error(exc)
                return
            self._show(result, refined=False)
            self.updates += 1
        if self.refine is not None:
            self._request_refinement(generation, kwargs)

    def _show(self, result: Any, *, refined: bool) -> None:
        """Draw ``result``, render it to PNG and show it (the caller holds ``_lock``)."""
        updated = False
        if self._drawn and self.redraw is not None:
            self._drawn = False  # stays False if redraw fails half-way: the next change draws anew
            updated = self._drawn = bool(self.redraw(self.figure, result))
        if not updated:
            self.figure.clear()
            self.draw(self.figure, result)
            self._drawn = True
        self._png_bytes_now()
        self.result, self.refined, self.error = result, refined, ""
        self.text = self.describe(result) if self.describe else ""
        self.image.value = self._png
        busy = self.refine is not None and not refined
        self.label.value = self.text + (" <i>(refining...)</i>" if busy else "")

    def _png_bytes_now(self) -> None:
        """Render the figure to :attr:`_png`, laying it out only when its axes changed.

        A layout engine (the kit's style turns on constrained layout) costs about half of a
        render. The axes an explorer draws keep their arrangement from one change to the next,
        so the positions found by the first full layout are reused while the figure has the
        same axes (same kinds, same grid cells, tick labels as long), and the engine runs again
        when they change (wider tick labels need a wider margin, or the axis label is cut).
        """
        figure = self.figure
        shape = tuple((type(ax).__name__, _cell(ax), _tick_widths(ax)) for ax in figure.axes)
        reuse = self._engine is not None and shape == self._layout_shape
        if reuse:
            figure.set_layout_engine("none")
            for ax, position in zip(figure.axes, self._positions):
                ax.set_position(position)
        buffer = io.BytesIO()
        try:
            self._canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
        finally:
            if reuse:
                figure.set_layout_engine(self._engine)
        if self._engine is not None and not reuse:
            self._layout_shape = shape
            self._positions = [ax.get_position(original=False).frozen() for ax in figure.axes]
        self._png = buffer.getvalue()

    def _show_error(self, exc: ValueError) -> None:
        self.error = str(exc)
        self.label.value = f"<span style='color:#b00'>{self.error}</span>"

    def _request_refinement(self, generation: int, kwargs: dict) -> None:
        """Queue a refinement (replacing any queued one) and make sure the worker runs."""
        with self._queue:
            self._request = (generation, kwargs)
            if self._worker is None:
                self._worker = threading.Thread(target=self._refine_loop, daemon=True,
                                                name="qkit-explorer-refine")
                self._worker.start()
            self._queue.notify_all()

    def _refine_loop(self) -> None:
        """Worker: refine the newest request until none is left, then stop."""
        while True:
            with self._queue:
                if self._request is None:
                    self._worker = None
                    self._queue.notify_all()
                    return
                generation, kwargs = self._request
                self._request, self._busy = None, True
            try:
                self._refine_one(generation, kwargs)
            finally:
                with self._queue:
                    self._busy = False
                    self._queue.notify_all()

    def _refine_one(self, generation: int, kwargs: dict) -> None:
        try:
            result = self.refine(**kwargs)
        except ValueError as exc:
            with self._lock:
                if generation == self._generation:
                    self._show_error(exc)
            return
        except Exception as exc:  # kept for wait() to raise; the learner sees a plain sentence
            self._failure = exc
            with self._lock:
                if generation == self._generation:
                    self.label.value = (self.text + " <i>(the refined figure could not be "
                                        "computed; showing the quick one)</i>")
            return
        with self._lock:
            if generation != self._generation:
                return  # the controls moved on: a newer refinement is queued
            try:
                self._show(result, refined=True)
            except Exception as exc:
                self._failure = exc
                return
            self.refinements += 1

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no refinement is pending; True if none is, False after ``timeout`` s.

        Raises the exception of a refinement that failed unexpectedly (a ``ValueError`` is
        shown in :attr:`error` instead, like ``compute``'s).
        """
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                raise TypeError(f"timeout must be a number of seconds or None, got {timeout!r}")
            if not 0 <= timeout < float("inf"):
                raise ValueError(f"timeout must be >= 0 seconds and finite, or None, got {timeout!r}")
        with self._queue:
            done = self._queue.wait_for(lambda: self._request is None and not self._busy, timeout)
        failure, self._failure = self._failure, None
        if failure is not None:
            raise RuntimeError(f"refine failed: {failure!r}") from failure
        return done
