"""Personal lasts and insoles, checked by tape-like measures computed here.

The truth does not share the builder's code: girths are the convex-hull perimeters of
``trimesh`` sections (the last) and of point slabs (the foot) implemented in this file;
inside/outside is a generalised winding number; distances come from dense surface samples.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
import zipfile
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import trimesh
from scipy.spatial import ConvexHull, cKDTree

from footscan.lasts import (
    LastBuildError,
    LastError,
    PressureMap,
    PressureMapError,
    StepUnavailableError,
    UnknownStyleError,
    build_last,
    load_style,
    make_insole,
    make_last,
    prepare_foot,
    pressure_from_session,
    step_bytes,
    style_data,
    style_for_catalog_model,
    style_names,
)
from footscan.lasts._export import (
    order_files,
    preview_json,
    spec_sheet_html,
    stl_bytes,
    threemf_bytes,
)

#: ``../shared/data`` beside the checkout, or ``$SHOESTREET_SHARED_DATA`` (as tests/conftest.py)
SHARED = Path(
    os.environ.get("SHOESTREET_SHARED_DATA")
    or Path(__file__).resolve().parents[3].parent / "shared" / "data"
)
REAL = SHARED / "footscan" / "real"
SESSION = REAL.parent.parent / "insoles" / "moticon" / "230927_102114.txt"
GIRTHS = ("ball_girth", "waist_girth", "instep_girth", "heel_girth")


# ---------------------------------------------------------------- independent tape measures


def _basis(n):
    n = n / np.linalg.norm(n)
    ref = np.array([0.0, 0.0, 1.0]) if abs(n[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(n, ref)
    u /= np.linalg.norm(u)
    return np.vstack([u, np.cross(n, u)])


def _hull_perimeter(q):
    h = ConvexHull(q)
    v = q[h.vertices]
    return float(np.linalg.norm(v - np.roll(v, 1, axis=0), axis=1).sum())


def mesh_girth(mesh, origin, normal):
    sec = mesh.section(plane_origin=origin, plane_normal=normal)
    assert sec is not None, "plane misses the last"
    return _hull_perimeter(np.asarray(sec.vertices) @ _basis(np.asarray(normal)).T)


def slab(points, origin, normal, half=1.5):
    n = np.asarray(normal) / np.linalg.norm(normal)
    d = (points - origin) @ n
    return points[np.abs(d) <= half] - d[np.abs(d) <= half, None] * n


def foot_girth(points, origin, normal):
    return _hull_perimeter(slab(points, origin, normal) @ _basis(np.asarray(normal)).T)


def ball_width(points_or_section_a, points_or_section_b, band, sign_a):
    a = points_or_section_a[points_or_section_a[:, 2] <= band]
    b = points_or_section_b[points_or_section_b[:, 2] <= band]
    pa = a[np.argmax(sign_a * a[:, 1])]
    pb = b[np.argmax(-sign_a * b[:, 1])]
    return float(np.linalg.norm(pa[:2] - pb[:2]))


def winding(mesh, pts):
    out = []
    tri_all = mesh.triangles
    for i in range(0, len(pts), 50):
        t = tri_all[None] - pts[i : i + 50, None, None, :]
        a, b, c = t[:, :, 0], t[:, :, 1], t[:, :, 2]
        la, lb, lc = (np.linalg.norm(x, axis=2) for x in (a, b, c))
        det = np.einsum("ijk,ijk->ij", a, np.cross(b, c))
        den = (
            la * lb * lc
            + np.einsum("ijk,ijk->ij", a, b) * lc
            + np.einsum("ijk,ijk->ij", b, c) * la
            + np.einsum("ijk,ijk->ij", c, a) * lb
        )
        out.append((2 * np.arctan2(det, den)).sum(1) / (4 * np.pi))
    return np.concatenate(out)


def distance_to_surface(mesh, pts):
    """Distance from each point to the closest point of ``mesh`` (trimesh's point-triangle
    closest points; candidates from a k-d tree of face centres, exact within its bound)."""
    tri = mesh.triangles
    cen = tri.mean(axis=1)
    rmax = np.linalg.norm(tri - cen[:, None], axis=2).max()
    tree = cKDTree(cen)
    d0, _ = tree.query(pts)
    cand = tree.query_ball_point(pts, d0 + rmax)
    idx = np.concatenate([np.full(len(c), i) for i, c in enumerate(cand)])
    faces = np.concatenate(cand).astype(int)
    cp = trimesh.triangles.closest_point(tri[faces], pts[idx])
    out = np.full(len(pts), np.inf)
    np.minimum.at(out, idx, np.linalg.norm(cp - pts[idx], axis=1))
    return out


def bottom_length(mesh):
    """Length of the last bottom along its centre line: the y = 0 section on faces that face
    down (the flat bottom; the heel curve and the toe cap face away)."""
    down = mesh.face_normals[:, 2] < -0.85
    seg, idx = trimesh.intersections.mesh_plane(
        mesh, plane_normal=[0, 1, 0], plane_origin=[0, 0, 0], return_faces=True
    )
    seg = seg[down[idx]]
    return float(np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum())


# ---------------------------------------------------------------- feet


@cache
def real_scan(side):
    import footscan

    return footscan.measure_scan(footscan.load_scan(str(REAL / f"dupont_{side}_foot.stl")))


@cache
def synthetic_points(seed, length_mm=None):
    from footscan import make_foot

    targets = None
    if length_mm is not None:
        targets = {"foot_length_mm": length_mm, "foot_breadth_mm": 0.385 * length_mm}
    f = make_foot(seed, "male", shape=False, targets=targets)
    m = trimesh.Trimesh(f.vertices_mm, f.faces, process=False)
    pts, _ = trimesh.sample.sample_surface_even(m, 40000, seed=seed)
    pts = np.vstack([pts, f.vertices_mm])
    pts = pts[pts[:, 2] <= 0.40 * f.achieved["foot_length_mm"]]
    return pts, float(f.achieved["foot_length_mm"])


KIDS_FOOT_MM = 190.0  # a child's foot for the kids style's synthetic case


@cache
def last_for(kind, style_name, seed=1, length_mm=None):
    style = load_style(style_name)
    if kind == "real":
        return make_last(real_scan(seed_side(seed)), style)
    if length_mm is None and style_name == "kids":
        length_mm = KIDS_FOOT_MM
    pts, fl = synthetic_points(seed, length_mm)
    return build_last(prepare_foot(pts, "left", style, fl), style)


def seed_side(seed):
    return "left" if seed == 1 else "right"


# Every style of the catalogue on a real foot (left and right in turn) and on a synthetic foot.
STYLES = style_names()
CASES = [("real", s, 1 + i % 2) for i, s in enumerate(STYLES)] + [
    ("synthetic", s, 3 + i) for i, s in enumerate(STYLES)
]


def _mesh(last):
    return trimesh.Trimesh(last.vertices_mm, last.faces, process=False)


# ---------------------------------------------------------------- the last


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_girths_and_width_equal_foot_plus_allowance(kind, style, seed):
    last = last_for(kind, style, seed)
    mesh = _mesh(last)
    foot = last.foot_points_mm
    for g in GIRTHS:
        pl = last.planes[g]
        f = foot_girth(foot, pl.origin, pl.normal)
        lm = mesh_girth(mesh, pl.origin, pl.normal)
        assert abs(lm - f - last.allowance_mm[g]) <= 1.0, (g, f, lm, last.allowance_mm[g])
        # The allowance is the style's ease plus the insole term, and nothing else.
        ease = load_style(style).ease_mm[g]
        assert last.allowance_mm[g] == pytest.approx(ease + last.envelope_term_mm[g], abs=1e-6)
    band = last.width_band_mm
    p1, p5 = last.planes["mth1"], last.planes["mth5"]
    med = -1.0 if last.side == "left" else 1.0
    fw = ball_width(slab(foot, p1.origin, p1.normal), slab(foot, p5.origin, p5.normal), band, med)
    s1 = np.asarray(mesh.section(plane_origin=p1.origin, plane_normal=p1.normal).vertices)
    s5 = np.asarray(mesh.section(plane_origin=p5.origin, plane_normal=p5.normal).vertices)
    lw = ball_width(s1, s5, band, med)
    assert abs(lw - fw - last.allowance_mm["ball_width"]) <= 1.0, (fw, lw)


@pytest.mark.parametrize(("kind", "style", "seed"), [CASES[0], CASES[len(STYLES)]])
def test_envelope_holds_the_foot_standing_on_its_insole(kind, style, seed):
    """At the ball (not moved by the re-pose) the envelope term is at least what the insole
    under the foot adds to a tape (the foot's lower band dropped to the last bottom, z = 0),
    and at most a few mm more (the per-station convex sections), less what the 96-ray sampling
    of each section cuts off its sharp bottom corners."""
    last = last_for(kind, style, seed)
    pl = last.planes["ball_girth"]
    foot = last.foot_points_mm
    s = slab(foot, pl.origin, pl.normal)
    low = s[s[:, 2] <= style_lift(style) + 0.08 * last.foot_mm["bottom_length"]].copy()
    low[:, 2] = 0.0
    env = _hull_perimeter(np.vstack([s, low]) @ _basis(pl.normal).T)
    bare = _hull_perimeter(s @ _basis(pl.normal).T)
    term = last.envelope_term_mm["ball_girth"]
    # Lofting straight between stations cuts the corners of the oblique section a little.
    assert env - bare - 2.5 <= term <= env - bare + 6.0, (env - bare, term)


def style_lift(style):
    return load_style(style).insole_base_mm


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_last_is_watertight_manifold_and_posed(kind, style, seed):
    last = last_for(kind, style, seed)
    mesh = trimesh.Trimesh(last.vertices_mm, last.faces)  # merges duplicates
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0 and mesh.euler_number == 2
    st = load_style(style)
    assert last.landmarks_mm["heel_seat_back"][2] == pytest.approx(st.heel_height_mm, abs=0.3)
    assert last.landmarks_mm["toe_tip"][2] == pytest.approx(st.toe_spring_mm, abs=0.3)
    assert mesh.bounds[0, 2] >= -0.5  # ball tread on the floor, nothing below
    bl = bottom_length(mesh)
    want = last.foot_mm["bottom_length"] + st.toe_allowance_mm - st.heel_allowance_mm
    assert abs(bl - want) <= 1.0, (bl, want)


def bottom_profile(mesh, step_mm=1.0):
    """The last bottom along its centre line (y = 0 section, faces facing down): heights z on
    a regular x grid (posed frame, mm)."""
    down = mesh.face_normals[:, 2] < -0.85
    seg, idx = trimesh.intersections.mesh_plane(
        mesh, plane_normal=[0, 1, 0], plane_origin=[0, 0, 0], return_faces=True
    )
    p = seg[down[idx]].reshape(-1, 3)
    p = p[np.argsort(p[:, 0])]
    xs = np.arange(p[0, 0] + 2.0, p[-1, 0] - 2.0, step_mm)
    return xs, np.interp(xs, p[:, 0], p[:, 2])


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_last_bottom_has_heel_seat_shank_curve_tread_and_toe_spring(kind, style, seed):
    last = last_for(kind, style, seed)
    st = load_style(style)
    fl = last.foot_mm["bottom_length"]
    xs, z = bottom_profile(_mesh(last))
    x_back = last.landmarks_mm["heel_seat_back"][0]
    assert np.interp(x_back, xs, z) == pytest.approx(st.heel_height_mm, abs=0.5)
    x_heel = x_back + 2.0  # ahead of the heel-back corner
    # The tread (ball joints) lies on the floor.
    tread = (xs > 0.64 * fl) & (xs < 0.78 * fl)
    assert np.abs(z[tread]).max() <= 0.3
    # From the heel seat to the tread the bottom only goes down, and it is a curve, not a ramp:
    # a nearly level heel seat, a steeper shank, levelling off into the tread.
    rear = (xs >= x_heel) & (xs <= 0.64 * fl)
    slope = np.gradient(z, xs)
    assert (np.diff(z[rear]) <= 0.02).all()
    mean_drop = st.heel_height_mm / (0.64 * fl - x_heel)
    seat = (xs >= x_heel) & (xs <= x_heel + 0.1 * fl)
    assert -slope[seat].min() < 0.8 * mean_drop
    assert -slope[rear].min() > 1.3 * mean_drop
    assert -slope[(xs > 0.55 * fl) & (xs <= 0.64 * fl)].min() < 0.5 * mean_drop
    # No kinks: the slope changes by less than 0.02 per mm anywhere along the bottom.
    inner = (xs >= x_heel) & (xs <= last.landmarks_mm["toe_tip"][0] - 3.0)
    assert np.abs(np.diff(slope[inner])).max() <= 0.02
    # Toe spring: the bottom rises steadily to the tip.
    front = (xs >= 0.8 * fl) & (xs <= last.landmarks_mm["toe_tip"][0] - 3.0)
    assert (np.diff(z[front]) >= -0.02).all()
    assert z[front].max() == pytest.approx(st.toe_spring_mm, abs=1.5)


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_foot_inside_except_where_compression_allowed(kind, style, seed):
    last = last_for(kind, style, seed)
    mesh = _mesh(last)
    rng = np.random.default_rng(seed)
    pick = rng.choice(last.foot_points_mm.shape[0], 600, replace=False)
    pts = last.foot_points_mm[pick]
    w = winding(mesh, pts)
    dist = distance_to_surface(mesh, pts)  # exact point-triangle distances
    signed = np.where(w > 0.5, dist, -dist)
    fl = last.foot_mm["bottom_length"]
    regions = {k: v for k, v in style_data()["regions"].items() if k != "doc"}
    allowed = np.zeros(len(pts))
    for r in regions.values():
        # The re-pose moves a point along X by a few mm: take the laxer neighbour near a border.
        sel = (pts[:, 0] / fl >= r["x"][0] - 0.04) & (pts[:, 0] / fl < r["x"][1] + 0.04)
        allowed[sel] = np.maximum(allowed[sel], r["max_compression_mm"])
    worst = signed + allowed
    # Exact distances: the allowance holds without a tolerance.
    assert worst.min() >= 0.0, (signed.min(), pts[np.argmin(worst)])
    # The clearance map reports the same numbers (within its sampling error, ~0.3 mm).
    assert np.abs(signed - last.clearance_points_mm[pick]).max() <= 0.8
    # Toe box: the toes never touch the front of the last.
    toe = pts[:, 0] > 0.85 * fl
    assert signed[toe].min() >= 0.0


def test_two_feet_5mm_apart_give_lasts_5mm_apart():
    a = last_for("synthetic", "running", 7, 260.0)
    b = last_for("synthetic", "running", 7, 265.0)
    la, lb = bottom_length(_mesh(a)), bottom_length(_mesh(b))
    assert lb - la == pytest.approx(5.0, abs=0.5)


def test_style_data_covers_the_catalogue_with_sources():
    cat = json.loads(
        (Path(__file__).resolve().parents[3] / "assets/catalog/catalog.json").read_text()
    )
    cats = {m["category"] for m in cat["models"]}
    assert cats <= set(style_names())
    data = style_data()
    assert {"toe_allowance", "heel_allowance", "girth_ease", "heel_height_toe_spring"} <= set(
        data["sources"]
    )
    for name in style_names():
        st = load_style(name)
        assert 5 <= st.toe_spring_mm <= 15 and 0 <= st.heel_height_mm <= 30
        assert all(-6.35 <= e <= 6.35 for e in st.ease_mm.values())  # at most one width letter


def _catalogue_models_with_the_most_shape():
    """Per catalogue category the model furthest from its base style: the highest drop (heel
    height), a non-standard toe box first."""
    cat = json.loads(
        (Path(__file__).resolve().parents[3] / "assets/catalog/catalog.json").read_text()
    )
    best: dict[str, tuple] = {}
    for m in cat["models"]:
        t = m.get("traits", {})
        key = (float(t.get("drop_mm", 0.0)), t.get("toe_box", "standard") != "standard")
        if m["category"] not in best or key > best[m["category"]][0]:
            best[m["category"]] = (key, m)
    return [m for _, m in sorted(best.values(), key=lambda km: km[1]["category"])]


@pytest.mark.parametrize(
    "model", _catalogue_models_with_the_most_shape(), ids=lambda m: m["category"]
)
def test_every_catalogue_category_gives_a_fitting_last(model):
    st = style_for_catalog_model(model)
    last = make_last(real_scan("right"), st)
    mesh = trimesh.Trimesh(last.vertices_mm, last.faces)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert last.landmarks_mm["heel_seat_back"][2] == pytest.approx(st.heel_height_mm, abs=0.3)
    assert last.landmarks_mm["toe_tip"][2] == pytest.approx(st.toe_spring_mm, abs=0.3)
    foot = last.foot_points_mm
    for g in GIRTHS:
        pl = last.planes[g]
        f = foot_girth(foot, pl.origin, pl.normal)
        lm = mesh_girth(mesh, pl.origin, pl.normal)
        assert abs(lm - f - last.allowance_mm[g]) <= 1.0, (g, f, lm, last.allowance_mm[g])
    bl = bottom_length(mesh)
    assert (
        abs(bl - (last.foot_mm["bottom_length"] + st.toe_allowance_mm - st.heel_allowance_mm))
        <= 1.0
    )


# ---------------------------------------------------------------- the insole


def _insole_mesh(ins):
    return trimesh.Trimesh(ins.vertices_mm, ins.faces)


def _bottom_extent(mesh, xs):
    """Min/max Y of the lowest part of the section by the plane X = x (posed frame)."""
    out = []
    for x in xs:
        v = np.asarray(mesh.section(plane_origin=[x, 0, 0], plane_normal=[1, 0, 0]).vertices)
        s = v[v[:, 2] <= v[:, 2].min() + 0.3]
        out.append((s[:, 1].min(), s[:, 1].max()))
    return np.array(out)


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_insole_watertight_and_matches_last_bottom(kind, style, seed):
    last = last_for(kind, style, seed)
    ins = make_insole(last)
    mi = _insole_mesh(ins)
    assert mi.is_watertight and mi.is_winding_consistent and mi.volume > 0
    ml = _mesh(last)
    fl = last.foot_mm["bottom_length"]
    xs = np.linspace(0.2 * fl, 0.94 * fl, 19)
    ea, eb = _bottom_extent(ml, xs), _bottom_extent(mi, xs)
    assert np.abs(ea - eb).max() <= 1.0, np.abs(ea - eb).max()
    assert ins.thickness_mm.min() >= 1.0 - 1e-9


def _raw_foot(kind, seed):
    """The measured foot points (foot frame, mm) the last was built from, and the foot length."""
    if kind == "real":
        scan = real_scan(seed_side(seed))
        return np.asarray(scan.points_foot_mm, dtype=float), scan.measurements.foot_length.value
    return synthetic_points(seed)


def _posed(last, q):
    """Foot-frame points (left convention, lifted onto the insole base) into the posed frame."""
    r = last.bend.apply(q)
    if last.side == "right":
        r[:, 1] = -r[:, 1]
    return r


def plantar_truth(raw, last, fl, cell_mm=2.0):
    """The plantar surface under the medial arch, from the *measured* foot points.

    Arch region: 30-60 % of foot length from the pternion, medial of the foot axis (y < 0 in
    the left convention). Sole: the lowest measured point of every 2 mm cell up to the style's
    arch support height (above it the insole stops by design). Floor contact: cells of the
    region without a measured point below 15 % FL within 4 mm (only the dorsum was seen) that
    lie between such low points on both sides (medial and lateral, same 2 mm row: inside the
    footprint, not under an overhanging side): a plate capture's floor cut removed the sole there, where the foot stood on the
    floor (z = 0). Returns posed sole points, their heights above the floor, and
    posed floor points.
    """
    st = last.style
    p = np.asarray(raw, dtype=float).copy()
    if last.side == "right":
        p[:, 1] = -p[:, 1]
    a = p[(p[:, 0] >= 0.30 * fl) & (p[:, 0] <= 0.60 * fl) & (p[:, 1] < 0.0)]
    key = np.floor(a[:, :2] / cell_mm).astype(int)
    cells, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.lexsort((a[:, 2], inv))
    lowest = a[order[np.r_[True, inv[order][1:] != inv[order][:-1]]]]
    sole = lowest[lowest[:, 2] <= st.arch_support_max_mm]
    centres = (cells + 0.5) * cell_mm
    low = p[p[:, 2] <= 0.15 * fl]
    d, _ = cKDTree(low[:, :2]).query(centres)
    on_floor = d > 4.0
    for i in np.flatnonzero(on_floor):
        row = low[np.abs(low[:, 0] - centres[i, 0]) <= 0.5 * cell_mm, 1]
        on_floor[i] = (row < centres[i, 1] - 4.0).any() and (row > centres[i, 1] + 4.0).any()
    floor = np.column_stack([centres[on_floor], np.zeros(on_floor.sum())])
    lift = np.array([0.0, 0.0, st.insole_base_mm])
    return _posed(last, sole + lift), sole[:, 2], _posed(last, floor + lift)


@pytest.mark.parametrize(("kind", "style", "seed"), CASES)
def test_insole_arch_support_follows_the_plantar_surface(kind, style, seed):
    """Under the medial arch the insole's top lies within 1 mm (3-D) of every measured sole
    point up to the support height, and on the floor where the foot stood on it."""
    last = last_for(kind, style, seed)
    raw, fl = _raw_foot(kind, seed)
    if kind == "synthetic" and style == "kids":
        raw, fl = synthetic_points(seed, KIDS_FOOT_MM)
    sole, h, floor = plantar_truth(raw, last, fl)
    assert (h > 1.0).sum() >= 8, "no arch to support"
    mi = _insole_mesh(make_insole(last))
    top = mi.submesh([np.flatnonzero(mi.face_normals[:, 2] > 0.2)], append=True)
    d = distance_to_surface(top, sole)
    assert d.max() <= 1.0, (d.max(), h[np.argmax(d)], sole[np.argmax(d)])
    if floor.shape[0]:
        assert distance_to_surface(top, floor).max() <= 1.0


def test_relief_under_synthetic_peaks():
    last = last_for("synthetic", "comfort", 3 + STYLES.index("comfort"))
    grid = np.full((40, 16), 150.0)
    grid[27:31, 1:6] = 320.0  # first metatarsal head, medial forefoot
    ins0 = make_insole(last)
    ins = make_insole(last, PressureMap(grid, "synthetic"))
    drop = ins0.thickness_mm - ins.thickness_mm
    k, n = drop.shape
    u = (ins.station_x_mm - ins.station_x_mm[0]) / (ins.station_x_mm[-1] - ins.station_x_mm[0])
    # Across: each sample's own position between the medial and lateral border (the insole
    # samples its top along the profile's arc length, not evenly in y).
    ys = ins.across_y_mm
    vv = (ys - ys[:, :1]) / (ys[:, -1:] - ys[:, :1])
    uu = np.repeat(u[:, None], n, axis=1)
    e = 1e-6  # a sample exactly on a cell border may fall on either side
    in_peak = (uu * 40 >= 27 + e) & (uu * 40 < 31 - e) & (vv * 16 >= 1 + e) & (vv * 16 < 6 - e)
    near = (uu * 40 >= 25.5) & (uu * 40 < 32.5) & (vv * 16 >= -0.5) & (vv * 16 < 7.5)
    st = load_style("comfort")
    assert (drop[in_peak] >= min(st.relief_mm, ins0.thickness_mm[in_peak].min() - 1.0) - 1e-6).all()
    assert (drop[~near] <= 1e-9).all()


def test_relief_under_the_peaks_of_a_recorded_session():
    last = last_for("real", "running", 1)
    pm = pressure_from_session(SESSION, last.side)
    assert pm.peak_kpa.max() > 200.0
    ins = make_insole(last, pm)
    relieved = ins.relief_mm > 0.05
    assert relieved.any()
    # Every relieved point lies at (or next to) a cell above 200 kPa ...
    assert (ins.peak_kpa[relieved] > 200.0).mean() >= 0.6
    # ... and every point under a peak above 200 kPa is relieved.
    assert relieved[ins.peak_kpa > 200.0].all()


def test_pressure_map_rejects_bad_input():
    with pytest.raises(PressureMapError):
        PressureMap(np.array([[1.0, -2.0]]))
    with pytest.raises(PressureMapError):
        PressureMap(np.array([1.0, 2.0]))
    with pytest.raises(PressureMapError):
        PressureMap(np.array([[np.nan]]))


def test_bad_input_errors():
    with pytest.raises(UnknownStyleError):
        load_style("stiletto")
    st = load_style("running")
    with pytest.raises(LastBuildError):
        prepare_foot(np.full((1000, 3), np.nan), "left", st)
    with pytest.raises(LastBuildError):
        prepare_foot(np.zeros((10, 3)), "left", st)
    pts, fl = synthetic_points(3)
    with pytest.raises(LastBuildError):
        prepare_foot(pts / 1000.0, "left", st)  # metres
    with pytest.raises(LastBuildError):
        prepare_foot(pts, "both", st, fl)


# ---------------------------------------------------------------- exports and CLI


def test_exports_stl_3mf_sheet_preview(tmp_path):
    last = last_for("real", "running", 1)
    ins = make_insole(last)
    m = trimesh.load(BytesIO(stl_bytes(last.vertices_mm, last.faces)), file_type="stl")
    assert m.is_watertight and abs(m.volume - _mesh(last).volume) < 1e-3 * m.volume
    data = threemf_bytes(
        [("last", last.vertices_mm, last.faces), ("insole", ins.vertices_mm, ins.faces)]
    )
    with zipfile.ZipFile(BytesIO(data)) as z:
        root = ET.fromstring(z.read("3D/3dmodel.model"))
    assert root.get("unit") == "millimeter"
    ns = {"m": root.tag[1:].split("}")[0]}
    objs = root.findall(".//m:object", ns)
    assert len(objs) == 2
    assert len(objs[0].findall(".//m:vertex", ns)) == last.vertices_mm.shape[0]
    html = spec_sheet_html(last, ins, {"order": "<42>"})
    assert "&lt;42&gt;" in html and "Ball girth" in html and "Clearance" in html
    pj = preview_json(last)
    json.dumps(pj, allow_nan=False)
    assert len(pj["foot"]["points"]) == len(pj["foot"]["clearance_mm"])
    files = order_files(last, ins, {"order": 7})
    assert set(files) == {
        "last.stl",
        "last.3mf",
        "insole.stl",
        "insole.3mf",
        "spec.html",
        "preview.json",
    }
    assert trimesh.load(BytesIO(files["insole.stl"]), file_type="stl").is_watertight


def test_cli_last(tmp_path, capsys):
    from footscan.cli import main

    out, ins, sheet = tmp_path / "l.stl", tmp_path / "i.3mf", tmp_path / "s.html"
    rc = main(
        [
            "last",
            str(REAL / "dupont_left_foot.stl"),
            "--style",
            "running",
            "--out",
            str(out),
            "--insole",
            str(ins),
            "--pressure",
            str(SESSION),
            "--sheet",
            str(sheet),
            "--json",
        ]
    )
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert abs(res["measures"]["ball_girth"]["error_mm"]) <= 1.0
    assert res["insole"]["relieved_share"] > 0
    assert trimesh.load(str(out)).is_watertight
    assert zipfile.is_zipfile(ins) and sheet.read_text().startswith("<!doctype html>")
    assert (
        main(
            [
                "last",
                str(REAL / "dupont_left_foot.stl"),
                "--style",
                "running",
                "--out",
                str(tmp_path / "l.obj"),
            ]
        )
        == 2
    )


# ---------------------------------------------------------------- STEP (optional extra)


def _read_step(path, tessellated):
    """Shape read back by OpenCASCADE's own STEP reader."""
    from OCP.Interface import Interface_Static
    from OCP.STEPControl import STEPControl_Reader

    Interface_Static.SetIVal_s("read.step.tessellated", 1 if tessellated else 0)
    r = STEPControl_Reader()
    assert str(r.ReadFile(str(path))).endswith("RetDone")
    assert r.TransferRoots() >= 1
    return r.OneShape()


def _shape_triangles(shape):
    """The triangles the read-back shape carries, as one trimesh."""
    from OCP.BRep import BRep_Tool
    from OCP.TopAbs import TopAbs_FACE
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopLoc import TopLoc_Location
    from OCP.TopoDS import TopoDS

    meshes = []
    ex = TopExp_Explorer(shape, TopAbs_FACE)
    while ex.More():
        tri = BRep_Tool.Triangulation_s(TopoDS.Face(ex.Current()), TopLoc_Location())
        nodes = np.array([tri.Node(i).Coord() for i in range(1, tri.NbNodes() + 1)])
        faces = np.array([tri.Triangle(i).Get() for i in range(1, tri.NbTriangles() + 1)]) - 1
        meshes.append(trimesh.Trimesh(nodes, faces))
        ex.Next()
    return trimesh.util.concatenate(meshes)


def test_step_of_the_last_reads_back_as_the_same_solid(tmp_path):
    pytest.importorskip("OCP")
    last = last_for("real", "running", 1)
    data = step_bytes(last.vertices_mm, last.faces, "last")
    assert b"TESSELLATED_SOLID" in data and b"SI_UNIT(.MILLI.,.METRE.)" in data
    path = tmp_path / "last.step"
    path.write_bytes(data)
    back = _shape_triangles(_read_step(path, tessellated=True))
    stl = trimesh.load(BytesIO(stl_bytes(last.vertices_mm, last.faces)), file_type="stl")
    assert back.is_watertight
    assert back.volume == pytest.approx(stl.volume, rel=1e-4)
    assert np.abs(back.bounds - stl.bounds).max() <= 0.01
    files = order_files(last, make_insole(last), {"order": 7}, step=True)
    assert b"TESSELLATED_SOLID" in files["last.step"]
    assert abs(len(files["last.step"]) - len(data)) <= 0.001 * len(data)


def test_step_brep_encoding_is_a_valid_closed_solid(tmp_path):
    pytest.importorskip("OCP")
    from OCP.BRepCheck import BRepCheck_Analyzer
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps

    ball = trimesh.creation.icosphere(subdivisions=2, radius=40.0)
    ball.apply_translation([100.0, 0.0, 40.0])
    path = tmp_path / "ball.step"
    path.write_bytes(step_bytes(ball.vertices, ball.faces, "ball", encoding="brep"))
    shape = _read_step(path, tessellated=False)
    assert BRepCheck_Analyzer(shape).IsValid()
    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape, props)
    assert props.Mass() == pytest.approx(ball.volume, rel=1e-6)
    c = props.CentreOfMass()
    assert np.allclose([c.X(), c.Y(), c.Z()], [100.0, 0.0, 40.0], atol=1e-6)


def test_step_without_the_binding_is_a_clear_error(monkeypatch):
    import footscan.lasts._step as step_mod

    def missing(name, *a, **k):
        raise ImportError(name)

    monkeypatch.setattr(step_mod.importlib, "import_module", missing)
    ball = trimesh.creation.icosphere(subdivisions=1)
    with pytest.raises(StepUnavailableError, match="step"):
        step_bytes(ball.vertices, ball.faces)
    with pytest.raises(LastError):
        step_bytes(ball.vertices, ball.faces, encoding="iges")
