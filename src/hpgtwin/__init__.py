"""hpgtwin: a calibrated digital twin of the male hypothalamic-pituitary-gonadal (HPG) axis.

For research and education, and for discussion with a clinician; not a medical device.
"""

from __future__ import annotations

__version__ = "0.1.0"

DISCLAIMER = (
    "For research and education, and for discussion with a clinician. "
    "hpgtwin is not a medical device and gives no medical advice."
)


def citation() -> str:
    """The references behind the model, the drugs and the clinical rules that this installation uses."""
    from hpgtwin.params.references import format_citations

    return format_citations()


__all__ = ["__version__", "DISCLAIMER", "citation"]
