"""Self-contained HTML rendering of a :class:`GaitReport` (inline SVG, no scripts, no assets).

Written for the wearer: plain words first, numbers with their reference ranges, and every
plot labelled. All text that comes from data (file names, notes) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

__all__ = ["ReportView", "render_html"]


class ReportView(Protocol):
    """What :func:`render_html` reads of a report (a :class:`~gait.GaitReport` fits)."""

    @property
    def pressure(self) -> Any:
        """Pressure summary or ``None``."""

    @property
    def tables(self) -> Any:
        """Stride tables per foot."""

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data."""


_COLORS = {
    "left": "#1f77b4",
    "right": "#d62728",
    "walking": "#2ca02c",
    "running": "#ff7f0e",
    "standing": "#1f77b4",
    "sitting": "#9467bd",
    "unknown": "#bbbbbb",
}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:960px;
padding:16px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:8px;padding:8px 12px;min-width:150px}
.card b{font-size:1.4em;display:block}.note{background:#fff7e0;border-left:4px solid #f0b400;padding:6px 10px;margin:6px 0}
table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:left}
.within{color:#2a7a2a}.below,.above{color:#b35900}.unknown{color:#888}svg text{font-size:11px;fill:#333}
.small{font-size:.85em;color:#666}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fmt(v: float | None, nd: int = 1, unit: str = "") -> str:
    if v is None or not np.isfinite(v):
        return "not available"
    return f"{v:.{nd}f}{unit}"


def _axes(
    w: int, h: int, x0: float, x1: float, y0: float, y1: float, xlabel: str, ylabel: str
) -> tuple[Callable[[float], float], Callable[[float], float], list[str]]:
    ml, mr, mt, mb = 48, 12, 10, 32
    pw, ph = w - ml - mr, h - mt - mb
    sx = (lambda x: ml + (x - x0) / (x1 - x0) * pw) if x1 > x0 else (lambda x: ml)
    sy = (lambda y: mt + ph - (y - y0) / (y1 - y0) * ph) if y1 > y0 else (lambda y: mt + ph)
    parts = [
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>',
        f'<text x="{ml + pw / 2:.0f}" y="{h - 4}" text-anchor="middle">{_e(xlabel)}</text>',
        f'<text x="12" y="{mt + ph / 2:.0f}" transform="rotate(-90 12 {mt + ph / 2:.0f})" '
        f'text-anchor="middle">{_e(ylabel)}</text>',
    ]
    for t in np.linspace(y0, y1, 5):
        parts.append(f'<text x="{ml - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:.3g}</text>')
    for t in np.linspace(x0, x1, 6):
        parts.append(
            f'<text x="{sx(t):.1f}" y="{mt + ph + 14}" text-anchor="middle">{t:.0f}</text>'
        )
    return sx, sy, parts


def _series_plot(
    series: dict[str, tuple[np.ndarray, np.ndarray]], xlabel: str, ylabel: str, title: str
) -> str:
    w, h = 900, 220
    xs = [s[0] for s in series.values() if s[0].size]
    ys = [s[1] for s in series.values() if s[1].size]
    if not xs:
        return f"<p>{_e(title)}: no strides to show.</p>"
    x_all, y_all = np.concatenate(xs), np.concatenate(ys)
    y0, y1 = np.percentile(y_all, [1, 99])
    pad = max((y1 - y0) * 0.15, 1e-3)
    sx, sy, parts = _axes(
        w, h, 0.0, float(x_all.max()), float(y0 - pad), float(y1 + pad), xlabel, ylabel
    )
    for side, (x, y) in series.items():
        c = _COLORS.get(side, "#333")
        yc = np.clip(y, y0 - pad, y1 + pad)
        # Break the line at pauses so separate walks are not joined.
        cuts = (
            np.flatnonzero(
                np.diff(x) > 3.0 * max(float(np.median(np.diff(x))) if x.size > 1 else 1.0, 0.1)
            )
            + 1
        )
        for xs_, ys_ in zip(np.split(x, cuts), np.split(yc, cuts), strict=True):
            pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(xs_, ys_, strict=True))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.2" opacity="0.8"/>'
            )
    legend = " ".join(
        f'<tspan fill="{_COLORS.get(s, "#333")}">&#9632; {_e(s)} foot</tspan>' for s in series
    )
    parts.append(f'<text x="{w - 12}" y="22" text-anchor="end">{legend}</text>')
    return f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{_e(title)}">{"".join(parts)}</svg>'


def _activity_svg(activity: list[dict[str, Any]], duration_s: float) -> str:
    w, h = 900, 70
    if not activity or duration_s <= 0:
        return "<p>No activity segments.</p>"
    parts = []
    for a in activity:
        x = 10 + a["start_s"] / duration_s * (w - 20)
        ww = max((a["end_s"] - a["start_s"]) / duration_s * (w - 20), 0.5)
        c = _COLORS.get(a["kind"], "#999")
        parts.append(
            f'<rect x="{x:.1f}" y="8" width="{ww:.1f}" height="26" fill="{c}">'
            f"<title>{_e(a['kind'])} {a['start_s']:.0f}-{a['end_s']:.0f} s</title></rect>"
        )
    kinds = sorted({a["kind"] for a in activity})
    legend = "  ".join(
        f'<tspan fill="{_COLORS.get(k, "#999")}">&#9632;</tspan> {_e(k)}' for k in kinds
    )
    parts.append(f'<text x="10" y="52">{legend}</text>')
    parts.append(f'<text x="{w - 10}" y="52" text-anchor="end">{duration_s:.0f} s</text>')
    return f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="activity timeline">{"".join(parts)}</svg>'


def _insoles_svg(report: ReportView, mode: str) -> str:
    feet = report.pressure.feet
    if not feet:
        return "<p>No pressure map: this recording has no sensor positions.</p>"
    w, h = 460, 360
    parts = []
    order = [s for s in ("left", "right") if s in feet]
    vmax = max(float(np.max(fp.sensor_mean)) for fp in feet.values()) or 1.0
    for i, side in enumerate(order):
        fp = feet[side]
        lay = fp.layout
        outline = lay.plot_xy(side, lay.outline_mm)
        cx = 115 + i * 230
        y_max = float(np.max(lay.outline_mm[:, 1]))
        scale = 300.0 / max(y_max, 1.0)

        def tr(
            p: np.ndarray, cx: float = cx, scale: float = scale, y_max: float = y_max
        ) -> tuple[float, float]:
            return cx + p[0] * scale, 20 + (y_max - p[1]) * scale

        pts = " ".join("{:.1f},{:.1f}".format(*tr(p)) for p in outline)
        parts.append(f'<polygon points="{pts}" fill="#f4f4f4" stroke="#888" stroke-width="1.5"/>')
        if mode == "heat":
            for p, val in zip(lay.plot_xy(side), fp.sensor_mean, strict=True):
                t = float(np.clip(val / vmax, 0, 1))
                r, g, b = int(255 * t), int(200 * (1 - abs(t - 0.5) * 2)), int(255 * (1 - t))
                x, y = tr(p)
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{9 + 7 * t:.1f}" fill="rgb({r},{g},{b})" opacity="0.85">'
                    f"<title>{val:.1f}</title></circle>"
                )
        else:
            if fp.cop_path_mm is not None:
                path = lay.plot_xy(side, fp.cop_path_mm)
                pp = " ".join("{:.1f},{:.1f}".format(*tr(p)) for p in path)
                parts.append(
                    f'<polyline points="{pp}" fill="none" stroke="{_COLORS[side]}" stroke-width="3"/>'
                )
                x0, y0 = tr(path[0])
                x1, y1 = tr(path[-1])
                parts.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="5" fill="{_COLORS[side]}"/>')
                parts.append(
                    f'<text x="{x1:.1f}" y="{y1 - 8:.1f}" text-anchor="middle">toe-off</text>'
                )
                parts.append(
                    f'<text x="{x0:.1f}" y="{y0 + 18:.1f}" text-anchor="middle">heel strike</text>'
                )
        parts.append(f'<text x="{cx:.0f}" y="{h - 4}" text-anchor="middle">{_e(side)} foot</text>')
    label = "pressure heat map" if mode == "heat" else "centre-of-pressure path"
    return f'<svg viewBox="0 0 {w} {h}" width="460" role="img" aria-label="{label}">{"".join(parts)}</svg>'


def _range_bar(c: dict[str, Any]) -> str:
    lo, hi, v = c["range_low"], c["range_high"], c["value"]
    if hi is None:  # no upper concern: draw the band to twice the lower limit
        hi = 2.0 * lo if lo > 0 else 1.0
    span = hi - lo
    a, b = lo - span, hi + span
    w = 220

    def sx(x: float) -> float:
        return float(5 + (min(max(x, a), b) - a) / (b - a) * (w - 10))

    parts = [
        f'<rect x="5" y="8" width="{w - 10}" height="8" fill="#eee"/>',
        f'<rect x="{sx(lo):.1f}" y="8" width="{sx(hi) - sx(lo):.1f}" height="8" fill="#bfe3bf"/>',
    ]
    if v is not None:
        parts.append(f'<rect x="{sx(v) - 2:.1f}" y="3" width="4" height="18" fill="#222"/>')
    return f'<svg viewBox="0 0 {w} 24" width="{w}" height="24" aria-hidden="true">{"".join(parts)}</svg>'


def _balance_bar(left_pct: float, left_label: str, right_label: str) -> str:
    w = 300
    x = 5 + left_pct / 100 * (w - 10)
    return (
        f'<svg viewBox="0 0 {w} 36" width="{w}" height="36" aria-hidden="true">'
        f'<rect x="5" y="6" width="{x - 5:.1f}" height="14" fill="#1f77b4"/>'
        f'<rect x="{x:.1f}" y="6" width="{w - 5 - x:.1f}" height="14" fill="#d62728"/>'
        f'<line x1="{w / 2}" y1="2" x2="{w / 2}" y2="24" stroke="#000"/>'
        f'<text x="5" y="33">{_e(left_label)} {left_pct:.0f} %</text>'
        f'<text x="{w - 5}" y="33" text-anchor="end">{_e(right_label)} {100 - left_pct:.0f} %</text></svg>'
    )


def _head(d: dict[str, Any]) -> list[str]:
    meta = d["meta"]
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Gait report - {_e(meta.get('source', ''))}</title><style>{_CSS}</style></head><body>",
        "<h1>Your walking report</h1>",
        f"<p class='sub'>{_e(meta.get('source', ''))} &middot; {meta.get('duration_s', 0):.0f} s recorded"
        f" &middot; {len(d['strides'])} strides found</p>",
    ]
    for note in d["quality"]["notes"]:
        out.append(f"<div class='note'>{_e(note)}</div>")
    return out


def _glance(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    s = d["summary"]
    out.append("<h2>At a glance</h2><div class='cards'>")
    cards = [
        ("Steps per minute", _fmt(s["cadence_spm"], 0)),
        ("Stride time", _fmt(s["stride_s"], 2, " s")),
        ("Stride-to-stride variation", _fmt(s["stride_cv_pct"], 1, " %")),
        ("Time on the ground", _fmt(s["stance_pct"], 0, " % of each stride")),
        ("Time on both feet", _fmt(s["double_support_pct"], 0, " %")),
        ("Walking time", _fmt(s["walking_s"], 0, " s")),
    ]
    for label, val in cards:
        out.append(f"<div class='card'>{_e(label)}<b>{_e(val)}</b></div>")
    out.append("</div>")
    return out


def _range_text(c: dict[str, Any]) -> str:
    if c["range_high"] is None:
        return f"&ge; {c['range_low']:g}"
    return f"{c['range_low']:g}&ndash;{c['range_high']:g}"


def _care_table(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    out.append(
        "<h2>Compared with typical ranges</h2><p class='small'>The green band is the range usually seen "
        "in adults walking at their own pace; the black mark is you. These are not diagnoses: changes "
        "against your own earlier reports matter more than one value. A flag (watch / act) is shown "
        "only where a published study gives a threshold; its source is listed below the table.</p>"
        "<table><tr><th>indicator</th><th>you</th><th>typical range</th><th></th><th>status</th>"
        "<th>flag</th></tr>"
    )
    sources = []
    for c in d["care"]:
        if c["value"] is None and c["flag_source"] == "":
            continue
        flag = c["flag"] if c["flag"] in ("watch", "act") else ""
        if flag:
            sources.append(f"<li>{_e(c['label'])}: {_e(c['flag_source'])}</li>")
        out.append(
            f"<tr><td>{_e(c['label'])}</td><td>{_e(_fmt(c['value'], 1))} {_e(c['unit'])}</td>"
            f"<td>{_range_text(c)}</td><td>{_range_bar(c)}</td>"
            f"<td class='{_e(c['status'])}'>{_e(c['status'])}</td><td>{_e(flag)}</td></tr>"
        )
    out.append("</table>")
    if sources:
        out.append("<ul class='small'>" + "".join(sources) + "</ul>")
    return out


def _pace(report: ReportView, d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    # Cadence and stride times over the recording.
    series_c, series_s = {}, {}
    for side, t in report.tables.items():
        if t.n:
            series_c[side] = (t.ic_s, 120.0 / t.stride_s)
            series_s[side] = (t.ic_s, t.stride_s)
    out.append("<h2>Pace over time</h2>")
    out.append(_series_plot(series_c, "time (s)", "steps/min", "cadence over time"))
    out.append(
        "<h2>Stride times</h2><p class='small'>Each point is one stride; steady lines mean a regular walk.</p>"
    )
    out.append(_series_plot(series_s, "time (s)", "stride (s)", "stride times"))
    return out


def _activity(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    meta = d["meta"]
    out.append("<h2>What you did</h2>")
    out.append(_activity_svg(d["activity"], float(meta.get("duration_s", 0.0))))
    out.append("<table>")
    totals: dict[str, float] = {}
    for a in d["activity"]:
        totals[a["kind"]] = totals.get(a["kind"], 0.0) + a["end_s"] - a["start_s"]
    for k, v in totals.items():
        out.append(f"<tr><td>{_e(k)}</td><td>{v:.0f} s</td></tr>")
    out.append("</table>")
    return out


def _load(report: ReportView, d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    p = d["pressure"]
    out.append("<h2>Where your feet carry the load</h2>")
    out.append(_insoles_svg(report, "heat"))
    out.append(_insoles_svg(report, "cop"))
    if report.pressure.feet:
        out.append(
            "<p class='small'>Left: average load under each sensor while the foot is on the ground "
            "(red and larger = more load, blue = less), seen from above. Right: the average path of "
            "the centre of pressure during each step, from heel strike to toe-off.</p>"
        )
    rs = p["region_share"]
    if rs.get("heel") is not None:
        out.append(
            "<p>Share of the load while walking: "
            + ", ".join(f"{_e(k)} {100 * v:.0f} %" for k, v in rs.items() if v is not None)
            + ".</p>"
        )
    if p["ml_tendency"] is not None:
        out.append(
            f"<p>Loading tendency: <b>{_e(p['ml_tendency'])}</b> (index {p['ml_index']:+.2f}, compared with "
            f"{_e(p['ml_reference_kind'])}). This describes where the load sits under the foot; it is not a "
            "diagnosis of pronation.</p>"
        )
    if p["heel_impact"] is not None:
        out.append(f"<p>Heel impact: <b>{_e(p['heel_impact'])}</b>.</p>")
    return out


def _balance(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    post = d["posture"]
    out.append("<h2>Standing balance</h2>")
    if post["left_share_pct"] is not None or post["rear_share_pct"] is not None:
        out.append(f"<p>Analysed {post['standing_s']:.0f} s of standing.</p>")
        if post["left_share_pct"] is not None:
            out.append(_balance_bar(post["left_share_pct"], "left", "right"))
        if post["rear_share_pct"] is not None:
            out.append(_balance_bar(post["rear_share_pct"], "heels", "forefeet"))
        if post["sway_ml_mm"] is not None:
            out.append(
                f"<p>Sway: {post['sway_ml_mm']:.1f} mm side to side, {post['sway_ap_mm']:.1f} mm front to back.</p>"
            )
    else:
        out.append("<p>No quiet standing long enough to measure balance.</p>")
    return out


def _footer(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    meta = d["meta"]
    q = d["quality"]
    out.append(
        f"<h2>Data quality</h2><p>{q['lost_samples']} samples missing in {q['n_gaps']} gap(s). "
        "Missing stretches are never bridged: strides across a gap are left out.</p>"
    )
    out.append(
        f"<p class='small'>Generated by {_e(meta.get('analysis', 'gait'))}. Foot and gait data are "
        "personal health data: share this report only with people you trust.</p></body></html>"
    )
    return out


def render_html(report: ReportView) -> str:
    """Render a report as one self-contained HTML page.

    Parameters
    ----------
    report : ReportView
        The analysis result.

    Returns
    -------
    str
        HTML5 text with inline CSS and SVG only.
    """
    d = report.to_dict()
    out: list[str] = []
    out += _head(d)
    out += _glance(d)
    out += _care_table(d)
    out += _pace(report, d)
    out += _activity(d)
    out += _load(report, d)
    out += _balance(d)
    out += _footer(d)
    return "".join(out)
