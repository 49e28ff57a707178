"""What the maker gets: STL and 3MF (mm, watertight), a printable HTML spec sheet, preview JSON."""

from __future__ import annotations

import html
import io
import struct
import zipfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._build import MEASURES, PersonalLast
from footscan.lasts._insole import RELIEF_KPA, Insole

__all__ = ["stl_bytes", "threemf_bytes", "spec_sheet_html", "preview_json", "order_files"]

_LABELS = {
    "bottom_length": "Bottom length",
    "ball_girth": "Ball girth",
    "waist_girth": "Waist girth",
    "instep_girth": "Instep girth",
    "heel_girth": "Long heel girth",
    "ball_width": "Ball width",
}


def stl_bytes(vertices_mm: NDArray[np.float64], faces: NDArray[np.int64], name: str = "") -> bytes:
    """Binary STL of a triangle mesh (millimetres, as STL carries no unit)."""
    v = np.asarray(vertices_mm, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    rec = np.zeros(f.shape[0], dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = n
    rec["v"] = tri
    head = f"shoe street {name} mm".encode("ascii", "replace")[:80].ljust(80, b" ")
    return head + struct.pack("<I", f.shape[0]) + rec.tobytes()


def threemf_bytes(objects: list[tuple[str, NDArray[np.float64], NDArray[np.int64]]]) -> bytes:
    """A 3MF package (unit millimetre) with one object per ``(name, vertices_mm, faces)``."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<model unit="millimeter" xml:lang="en-US" '
        'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">\n'
        '<metadata name="Application">shoe street footscan.lasts</metadata>\n<resources>\n'
    ]
    for i, (name, v, f) in enumerate(objects, start=1):
        parts.append(f'<object id="{i}" type="model" name="{html.escape(name)}"><mesh><vertices>\n')
        parts.extend(f'<vertex x="{x:.4f}" y="{y:.4f}" z="{z:.4f}"/>\n' for x, y, z in v)
        parts.append("</vertices><triangles>\n")
        parts.extend(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>\n' for a, b, c in f)
        parts.append("</triangles></mesh></object>\n")
    parts.append("</resources>\n<build>\n")
    parts.extend(f'<item objectid="{i}"/>\n' for i in range(1, len(objects) + 1))
    parts.append("</build>\n</model>\n")
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="model" '
        'ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
        'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("3D/3dmodel.model", "".join(parts))
    return buf.getvalue()


def _colour(c_mm: float) -> str:
    """Clearance colour: red = presses (< -1 mm), amber = snug, green = room, blue = loose."""
    if c_mm < -1.0:
        return "#d62828"
    if c_mm < 0.0:
        return "#f77f00"
    if c_mm < 3.0:
        return "#2a9d8f"
    return "#457b9d"


def _svg_views(last: PersonalLast) -> str:
    """Side and top views: the last's outline and the foot's points coloured by clearance."""
    v = last.vertices_mm
    p = last.foot_points_mm
    c = last.clearance_points_mm
    rng = np.random.default_rng(0)
    pick = rng.choice(p.shape[0], min(2500, p.shape[0]), replace=False)
    x0, x1 = float(v[:, 0].min()) - 5, float(v[:, 0].max()) + 5
    out = []
    for title, ax in (("Side (medial)", 2), ("Top", 1)):
        lo, hi = float(v[:, ax].min()) - 5, float(v[:, ax].max()) + 5
        w, h = 640.0, 640.0 * (hi - lo) / (x1 - x0)

        def tx(q, ax=ax, lo=lo, hi=hi, h=h, w=w):
            return (q[:, 0] - x0) / (x1 - x0) * w, h - (q[:, ax] - lo) / (hi - lo) * h

        # Last silhouette: extreme of the vertices per 2 mm bin along X (upper and lower).
        bins = np.arange(x0, x1, 2.0)
        idx = np.digitize(v[:, 0], bins)
        top_pts, bot_pts = [], []
        for i in np.unique(idx):
            s = v[idx == i]
            xm = float(s[:, 0].mean())
            top_pts.append((xm, float(s[:, ax].max())))
            bot_pts.append((xm, float(s[:, ax].min())))
        sil = np.array(top_pts + bot_pts[::-1])
        q = np.zeros((sil.shape[0], 3))
        q[:, 0], q[:, ax] = sil[:, 0], sil[:, 1]
        sx, sy = tx(q)
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx, sy, strict=True))
        px, py = tx(p[pick])
        dots = "".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1.3" fill="{_colour(float(k))}"/>'
            for a, b, k in zip(px, py, c[pick], strict=True)
        )
        out.append(
            f'<figure><svg viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}">'
            f'<polygon points="{path}" fill="#eee" stroke="#333" stroke-width="1"/>{dots}</svg>'
            f"<figcaption>{title}: last outline, foot points by clearance</figcaption></figure>"
        )
    return "".join(out)


def spec_sheet_html(
    last: PersonalLast, insole: Insole | None = None, order: dict[str, Any] | None = None
) -> str:
    """A printable (PDF-free) HTML spec sheet for the maker.

    Parameters
    ----------
    last : PersonalLast
    insole : Insole, optional
    order : dict, optional
        Order details to print (e.g. order id, model, size, maker); values are escaped.
    """
    e = html.escape
    s = last.style
    rows = "".join(
        f"<tr><td>{_LABELS[k]}</td><td>{last.foot_mm[k]:.1f}</td><td>{last.last_mm[k]:.1f}</td>"
        f"<td>{last.allowance_mm[k]:+.1f}</td>"
        f"<td>{s.ease_mm.get(k, s.toe_allowance_mm - s.heel_allowance_mm):+.1f}</td></tr>"
        for k in MEASURES
    )
    clear = "".join(
        f"<tr><td>{e(c.name.replace('_', ' '))}</td><td>{c.min_mm:+.1f}</td><td>{c.p5_mm:+.1f}</td>"
        f"<td>{c.median_mm:+.1f}</td><td>{c.max_compression_allowed_mm:.1f}</td></tr>"
        for c in last.clearance
    )
    order_rows = "".join(
        f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in (order or {}).items()
    )
    ins = ""
    if insole is not None:
        sm = insole.summary()
        ins = (
            "<h2>Custom insole</h2><table>"
            f"<tr><th>Length</th><td>{sm['length_mm']} mm (= last bottom)</td></tr>"
            f"<tr><th>Thickness</th><td>{sm['thickness_min_mm']}–{sm['thickness_max_mm']} mm "
            f"(base {s.insole_base_mm} mm, arch support up to +{s.arch_support_max_mm} mm)</td></tr>"
            f"<tr><th>Relieved zones</th><td>{sm['relieved_share'] * 100:.1f} % of the area, "
            f"{sm['relief_max_mm']} mm deep, under peaks &gt; {RELIEF_KPA:.0f} kPa "
            f"(max peak {sm['peak_kpa_max'] if sm['peak_kpa_max'] is not None else '—'} kPa)"
            "</td></tr></table>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Last spec sheet</title>
<style>
body{{font:13px/1.4 system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0 1.2em}}
td,th{{border:1px solid #bbb;padding:3px 8px;text-align:right}}
th{{background:#f3f3f3;text-align:left}} figure{{display:inline-block;margin:0 1em 1em 0}}
@media print{{body{{margin:1cm}} figure{{page-break-inside:avoid}}}}
</style></head><body>
<h1>Personal last — {e(s.label)} ({e(last.side)} foot)</h1>
<table>{order_rows}
<tr><th>Style</th><td>{e(s.name)}, {e(s.toe_shape)} toe</td></tr>
<tr><th>Heel height / toe spring</th><td>{s.heel_height_mm:.0f} mm / {s.toe_spring_mm:.0f} mm</td></tr>
<tr><th>Units</th><td>millimetres; files: last.stl, last.3mf, insole.stl, insole.3mf</td></tr>
</table>
<h2>Foot and last (tape-like measures, foot re-posed to the last)</h2>
<table><tr><th>Measure</th><th>Foot</th><th>Last</th><th>Allowance</th><th>Style ease</th></tr>
{rows}</table>
<p>Girth allowance = style ease + what the insole under the foot adds to the tape
(the last is built around the foot standing on its insole). Bottom length = foot length +
toe allowance ({s.toe_allowance_mm:.1f}) − heel allowance ({s.heel_allowance_mm:.1f}).</p>
<h2>Clearance map (last surface − foot, mm; negative = the last presses)</h2>
<table><tr><th>Region</th><th>Min</th><th>5th pct</th><th>Median</th><th>Allowed press</th></tr>
{clear}</table>
{_svg_views(last)}
<p>Colours: <span style="color:#d62828">presses &gt; 1 mm</span>,
<span style="color:#f77f00">snug (0–1 mm press)</span>,
<span style="color:#2a9d8f">0–3 mm room</span>, <span style="color:#457b9d">&gt; 3 mm room</span>.</p>
{ins}
</body></html>
"""


def preview_json(last: PersonalLast, max_foot_points: int = 4000) -> dict[str, Any]:
    """The shopper's 3D preview: last mesh, foot points with clearance, summary (JSON-ready)."""
    p = last.foot_points_mm
    c = last.clearance_points_mm
    if p.shape[0] > max_foot_points:
        pick = np.random.default_rng(0).choice(p.shape[0], max_foot_points, replace=False)
        p, c = p[pick], c[pick]
    return {
        "units": "mm",
        "frame": "X heel->toe, Y = Z x X, Z up; ball tread on z = 0",
        "last": {
            "vertices": np.round(last.vertices_mm, 2).tolist(),
            "faces": last.faces.tolist(),
        },
        "foot": {"points": np.round(p, 2).tolist(), "clearance_mm": np.round(c, 2).tolist()},
        **last.summary(),
    }


def order_files(
    last: PersonalLast,
    insole: Insole,
    order: dict[str, Any] | None = None,
    *,
    step: bool = False,
) -> dict[str, bytes]:
    """Every file a maker gets for one made-to-measure order, by file name.

    ``last.stl``, ``last.3mf``, ``insole.stl``, ``insole.3mf`` (millimetres, watertight),
    ``spec.html`` (printable spec sheet) and ``preview.json`` (the shopper's 3D preview); with
    ``step=True`` also ``last.step`` (needs the optional ``step`` extra, see
    :func:`footscan.lasts.step_available`; raises ``StepUnavailableError`` without it).
    """
    import json

    files = {
        "last.stl": stl_bytes(last.vertices_mm, last.faces, "last"),
        "last.3mf": threemf_bytes([("last", last.vertices_mm, last.faces)]),
        "insole.stl": stl_bytes(insole.vertices_mm, insole.faces, "insole"),
        "insole.3mf": threemf_bytes([("insole", insole.vertices_mm, insole.faces)]),
        "spec.html": spec_sheet_html(last, insole, order).encode("utf-8"),
        "preview.json": json.dumps(preview_json(last), allow_nan=False).encode("utf-8"),
    }
    if step:
        from footscan.lasts._step import step_bytes

        files["last.step"] = step_bytes(last.vertices_mm, last.faces, "last")
    return files
