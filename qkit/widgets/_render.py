"""A faster Agg canvas for the explorers: text glyphs are rasterised once and reused.

Matplotlib 3.11's Agg renderer draws text glyph by glyph in Python: for every glyph of every
tick label, axis label and title it sets the font size and transform, has FreeType rasterise
the glyph and composites the bitmap. An explorer redraws the same texts (tick labels, axis
labels) on every move of a slider, so most of that work repeats. :class:`CachedTextCanvas`
keeps, per canvas, the shaped layout of each string and the bitmap of each glyph, keyed by
everything FreeType's output depends on (font file, size, dpi, glyph, rotation, load flags,
anti-aliasing and the glyph's sub-pixel offset), and composites the cached bitmap at the
glyph's whole-pixel position; mathtext glyphs go through the same cache. A glyph moved by whole
pixels rasterises to the same bitmap moved by as many pixels, so the image is pixel for pixel
the one the stock renderer draws (``tests/test_widgets_explorer.py`` checks that). The renderer
also answers :class:`matplotlib.text.Text`'s question for a font's ascent, descent and line gap
from a cache, instead of Text reading the font's tables for every text it measures.

On a matplotlib whose Agg renderer lacks the private hooks this relies on, the canvas is the
stock :class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` and nothing is cached.
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

__all__ = ["CachedTextCanvas", "TEXT_CACHE_AVAILABLE"]

#: Largest number of glyph bitmaps (and of shaped strings) one canvas keeps.
_MAX_ENTRIES = 20_000


def _hooks_present() -> bool:
    """True when this matplotlib draws text through the private hooks the cache replaces."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    if not hasattr(font_manager.FontManager, "_find_fonts_by_props"):
        return False

    return (hasattr(RendererAgg, "_draw_text_glyphs_and_boxes") and hasattr(RendererAgg, "_prepare_font")
            and hasattr(FT2Font, "_layout") and hasattr(FT2Font, "_render_glyph")
            and hasattr(FT2Font, "_set_transform") and hasattr(backend_agg, "get_hinting_flag")
            and hasattr(backend_agg, "RenderMode"))


#: Whether glyphs are cached on this matplotlib (False: the stock Agg canvas is used).
TEXT_CACHE_AVAILABLE = _hooks_present()


def _height_metrics(prop, dpi: float) -> tuple:
    """The font-wide ascent, descent and line gap (pixels) that Text reads from the font tables."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                            ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


class _CachedTextRenderer(RendererAgg):
    """Agg renderer that reuses shaped strings and glyph bitmaps (see the module docstring)."""

    def __init__(self, width: float, height: float, dpi: float, layouts: dict, glyphs: dict) -> None:
        super().__init__(width, height, dpi)
        self._layouts = layouts
        self._glyphs = glyphs
        self._metrics: dict = {}

    def draw_mathtext(self, gc, x, y, s, prop, angle):  # noqa: D102 (inherited)
        # The parser keeps its own cache of parsed strings; the glyphs go through the bitmap cache
        # and the rules (fraction bars, roots) are drawn as the stock renderer draws them.
        parse = self.mathtext_parser.parse(s, self.dpi, prop, antialiased=gc.get_antialiased())
        items = [(font, size, index, dx, dy) for font, size, _char, index, dx, dy in parse.glyphs]
        self._draw_glyphs(gc, x, y, angle, items, backend_agg.get_hinting_flag())
        if parse.rects:
            self._draw_text_glyphs_and_boxes(gc, x, y, angle, (), parse.rects)

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):  # noqa: D102 (inherited)
        if ismath:
            return self.draw_mathtext(gc, x, y, s, prop, angle)
        flags = backend_agg.get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        features = tuple(features) if features is not None else None
        key = (s, hash(prop), self.dpi, flags, features, language)
        items = self._layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            size = prop.get_size_in_points()
            items = [(item.ft_object, size, item.glyph_index, item.x, item.y)
                     for item in font._layout(s, flags=flags, features=features, language=language)]
            if len(self._layouts) >= _MAX_ENTRIES:
                self._layouts.clear()
            self._layouts[key] = items
        self._draw_glyphs(gc, x, y, angle, items, flags)
        return None

    def _get_font_height_metrics(self, prop) -> tuple:
        """Ascent, descent and line gap of ``prop``'s font (pixels), read from its tables once.

        :class:`matplotlib.text.Text` asks a renderer with this method instead of reading the
        font's tables for every text it measures; the values are those it would read.
        """
        key = (hash(prop), self.dpi)
        metrics = self._metrics.get(key)
        if metrics is None:
            metrics = self._metrics[key] = _height_metrics(prop, self.dpi)
        return metrics

    def _draw_glyphs(self, gc, x, y, angle, items, flags) -> None:
        """Composite each glyph's bitmap, rasterising it only at a position not seen before."""
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (round(0x10000 * cos), round(-0x10000 * sin), round(0x10000 * sin), round(0x10000 * cos))
        antialiased = bool(gc.get_antialiased())
        height = int(self.height)
        for font, size, index, dx, dy in items:
            # FreeType's 26.6 fixed-point origin of the glyph (y upwards), as the stock renderer has it.
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (self.height - y + dx * sin + dy * cos))
            key = (font.fname, size, self.dpi, index, matrix, px & 63, py & 63, flags, antialiased)
            entry = self._glyphs.get(key)
            if entry is None:
                entry = self._rasterise(font, size, index, matrix, px & 63, py & 63, flags, antialiased)
                if len(self._glyphs) >= _MAX_ENTRIES:
                    self._glyphs.clear()
                self._glyphs[key] = entry
            buffer, left, top = entry
            left += px >> 6
            top += py >> 6
            self._renderer.draw_text_image(buffer, left, height - top + buffer.shape[0], 0, gc)

    def _rasterise(self, font, size, index, matrix, fx, fy, flags, antialiased) -> tuple:
        """The glyph's bitmap at sub-pixel offset ``(fx, fy)``/64, and its corner relative to it."""
        import numpy as np

        font.set_size(size, self.dpi)
        font._set_transform(np.array(matrix, dtype=int).reshape(2, 2), [fx, fy])
        mode = backend_agg.RenderMode.NORMAL if antialiased else backend_agg.RenderMode.MONO
        bitmap = font._render_glyph(index, flags, mode)
        buffer = np.array(bitmap.buffer, copy=True)
        if not antialiased:
            buffer *= 0xff
        return buffer, bitmap.left, bitmap.top


class CachedTextCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderers keep text glyphs between draws (stock Agg if unavailable)."""

    def __init__(self, figure: Any = None) -> None:
        super().__init__(figure)
        self._text_layouts: dict = {}
        self._text_glyphs: dict = {}

    def get_renderer(self):  # noqa: D102 (inherited)
        if not TEXT_CACHE_AVAILABLE:
            return super().get_renderer()
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _CachedTextRenderer(w, h, self.figure.dpi, self._text_layouts, self._text_glyphs)
            self._lastKey = key
        return self.renderer
