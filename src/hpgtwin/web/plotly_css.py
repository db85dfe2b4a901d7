"""plotly.js's own CSS as a stylesheet, so plotly.js never injects a ``<style>`` element (blocked by the CSP).

plotly.js inserts its rules into ``<style id="plotly.js-style-global">`` unless that element exists with class
``no-inline-styles`` (plotly.js >= 2.35), and injects the MapLibre CSS into a ``<style id="<sha256>">`` unless an
element with that id exists. The rules live in the bundle as a JS object literal and a CSS string; this module
reads them from the installed plotly.min.js, so they follow plotly upgrades, and the pages link the result from
``/static-vendor/plotly.css`` with those ids.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("hpgtwin.web")

GLOBAL_STYLE_ID = "plotly.js-style-global"
_JS_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_JS_KEY = _JS_STRING + r"|[A-Za-z_$][\w$]*"
_RULES = re.compile(r"([A-Za-z_$][\w$]*)=\{((?:\s*(?:" + _JS_KEY + r")\s*:\s*" + _JS_STRING + r"\s*,?)+)\};"
                    r"for\(([A-Za-z_$][\w$]*) in \1\)")
_ENTRY = re.compile(r"\s*(" + _JS_KEY + r")\s*:\s*(" + _JS_STRING + r")\s*,?")
_SELECTOR_REWRITE = ('.replace(/^,/," ,").replace(/X/g,".js-plotly-plot .plotly")'
                     '.replace(/Y/g,".plotly-notifier")')
_INJECTED = re.compile(r'getElementById\("([0-9a-f]{64})"\)\)\{var (\w+)=document\.createElement\("style"\);'
                       r'\2\.id="\1",\2\.textContent=(' + _JS_STRING + ")")


@dataclass(frozen=True)
class PlotlyCss:
    """The stylesheet text and the element ids the page must carry so plotly.js injects nothing."""

    text: str
    injected_ids: tuple[str, ...]


def _js_string(literal: str) -> str:
    """The value of a JS string literal that uses only simple backslash escapes (or a bare property name)."""
    if literal[:1] not in ("'", '"'):
        return literal
    return re.sub(r"\\(.)", r"\1", literal[1:-1], flags=re.DOTALL)


def _selector(key: str) -> str:
    """plotly.js's rewrite of a rule key into its CSS selector (X: the plot root, Y: the notifier)."""
    return re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")


def extract(bundle: str) -> PlotlyCss:
    """plotly.js's global rules (in the order insertRule(…, 0) leaves them) and its injected CSS blocks."""
    match = next((m for m in _RULES.finditer(bundle)
                  if bundle[m.end():m.end() + 300].find(_SELECTOR_REWRITE) != -1), None)
    if match is None:
        raise ValueError("plotly.js global style rules not found in the bundle")
    rules = [(_selector(_js_string(k)), _js_string(v)) for k, v in _ENTRY.findall(match.group(2))]
    css = [f"{selector}{{{body}}}" for selector, body in reversed(rules)]  # each rule was inserted at index 0
    injected = _INJECTED.findall(bundle)
    css += [_js_string(text) for _, _, text in injected]
    return PlotlyCss("\n".join(css) + "\n", tuple(element_id for element_id, _, _ in injected))


@lru_cache(maxsize=1)
def plotly_css(bundle_path: Path) -> PlotlyCss | None:
    """The CSS of the installed plotly.js, or None (plotly.js then falls back to inline styles) if not found."""
    try:
        return extract(bundle_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("plotly.js stylesheet not extracted: %s", exc)
        return None
