"""The maker's printable spec sheet (HTML, no PDF), in Korean or English.

Rendered from ``templates/workshop/spec_sheet.html`` with the pages' message catalogue
(:mod:`storefront.i18n`), outside any request: the ``mtm_files`` job writes one sheet per
language.
"""

from __future__ import annotations

from typing import Any

from storefront.i18n import gettext
from storefront.workshop.clearance_views import TIGHT_MM, clearance_views

__all__ = ["MEASURE_LABELS", "REGION_LABELS", "render_spec_sheet"]

#: footscan.lasts measure -> English label (translated through ko.json).
MEASURE_LABELS = {
    "bottom_length": "Bottom length",
    "ball_girth": "Ball girth",
    "waist_girth": "Waist girth",
    "instep_girth": "Instep girth",
    "heel_girth": "Long heel girth",
    "ball_width": "Ball width",
}
#: The scan's measurements printed on the sheet (footscan's keys) -> English label.
SCAN_LABELS = (
    ("foot_length_mm", "Foot length"),
    ("ball_width_mm", "Ball width"),
    ("heel_width_mm", "Heel width"),
    ("ball_girth_mm", "Ball girth"),
    ("instep_girth_mm", "Instep girth"),
    ("instep_height_mm", "Instep height"),
    ("arch_height_mm", "Arch height"),
)
#: Clearance regions of the last -> English label.
REGION_LABELS = {
    "heel_seat": "Heel seat",
    "waist": "Waist",
    "instep": "Instep",
    "ball": "Ball",
    "toe_box": "Toe box",
}


def render_spec_sheet(
    built: Any, model: Any, order: dict[str, Any], pressure_source: str | None, lang: str
) -> str:
    """The spec sheet of one order.

    Parameters
    ----------
    built : storefront.workshop.lasts_bridge.Built
        The personal last and its insole.
    model : storefront.catalog.models.ShoeModel
    order : dict
        ``id``, ``date``, ``shop``, ``model_id``, ``colourway_id``, ``base_eu``, ``base_width``,
        ``lead_time_days``, ``fulfilment``, ``measurements`` (the scan's, footscan keys).
    pressure_source : str or None
        Which insole session shaped the insole.
    lang : {"ko", "en"}
    """
    from flask import current_app

    from footscan.lasts import MEASURES, RELIEF_KPA, preview_json

    last = built.last
    style = last.style
    measures = [
        {
            "key": k,
            "label": MEASURE_LABELS.get(k, k.replace("_", " ")),
            "foot_mm": last.foot_mm[k],
            "last_mm": last.last_mm[k],
            "allowance_mm": last.allowance_mm[k],
            "ease_mm": style.ease_mm.get(k, style.toe_allowance_mm - style.heel_allowance_mm),
        }
        for k in MEASURES
    ]
    clearance = [
        {**c.as_dict(), "label": REGION_LABELS.get(c.name, c.name.replace("_", " "))}
        for c in last.clearance
    ]

    def _(message: str, **values: Any) -> str:
        return gettext(message, lang, **values)

    views = clearance_views(
        preview_json(last, max_foot_points=3000),
        {"side": _("Side view"), "top": _("Top view")},
    )

    template = current_app.jinja_env.get_template("workshop/spec_sheet.html")
    return template.render(
        _=_,
        lang=lang,
        order=order,
        scan_labels=SCAN_LABELS,
        model_name=model.name,
        side=last.side,
        style=style,
        measures=measures,
        clearance=clearance,
        views=views,
        tight_mm=f"{TIGHT_MM:.0f}",
        insole=built.insole.summary(),
        relief_kpa=f"{RELIEF_KPA:.0f}",
        pressure_source=pressure_source,
    )
