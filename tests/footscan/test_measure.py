"""Reference measurements: known answers on primitives and on the FIND template."""

from __future__ import annotations

import numpy as np
import pytest

from footscan import measure_aligned
from footscan._align import MIRROR_Y
from footscan._landmarks import robust_extreme, section_outline
from footscan._measure import MEASURED, UNAVAILABLE


def _ramanujan(a: float, b: float) -> float:
    return np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))


@pytest.fixture(scope="module")
def template(shared_data):
    import trimesh

    mesh = trimesh.load(shared_data / "footscan/find_template/template.obj", process=False)
    v = np.asarray(mesh.vertices) * 1000.0
    v[:, 2] -= v[:, 2].min()
    return v, np.asarray(mesh.faces)


def test_robust_extreme_removes_noise_bias() -> None:
    rng = np.random.default_rng(0)
    u = rng.normal(size=(40_000, 3))
    sphere = 10.0 * u / np.linalg.norm(u, axis=1, keepdims=True)
    noisy = sphere + rng.normal(0, 1.0, sphere.shape)
    raw = noisy[:, 0].max()
    ex = robust_extreme(noisy, (1.0, 0.0, 0.0))
    assert raw > 12.5  # the plain maximum is biased by ~3 sigma
    assert abs(ex.value_mm - 10.0) < 0.5


def test_section_of_rectangle_is_its_perimeter() -> None:
    # A 90 x 60 mm box section standing on the floor: tape perimeter 2 (90 + 60).
    t = np.linspace(-45, 45, 400)
    z = np.linspace(0, 60, 300)
    pts = np.vstack(
        [
            np.column_stack([t, np.full_like(t, 60.0)]),
            np.column_stack([np.full_like(z, -45.0), z]),
            np.column_stack([np.full_like(z, 45.0), z]),
        ]
    )
    sec = section_outline(pts)
    assert sec is not None
    # Angular-bin medians round sharp corners by ~1 mm each (feet have no sharp corners).
    assert abs(sec.perimeter_mm - 300.0) < 7.5
    assert sec.angular_coverage > 0.95


def test_section_of_half_ellipse_with_noise() -> None:
    # Upper half of an ellipse (a=45, b=35) centred 35 mm above the floor, closed by the
    # vertical shadow on the floor: half the ellipse + 2 b + 2 a.
    rng = np.random.default_rng(1)
    th = rng.uniform(0, 2 * np.pi, 4000)
    pts = np.column_stack([45 * np.cos(th), 35 + 35 * np.sin(th)])
    expected = _ramanujan(45, 35) / 2 + 2 * 35 + 2 * 45
    clean = section_outline(pts)
    noisy = section_outline(pts + rng.normal(0, 1.0, pts.shape))
    assert abs(clean.perimeter_mm - expected) < 2.0
    assert abs(noisy.perimeter_mm - clean.perimeter_mm) < 2.5


def test_template_known_values(template) -> None:
    v, f = template
    m = measure_aligned(v, f)
    # docs: 256.7 mm along the heel-centre -> 2nd-toe axis; breadth 89.6 mm on that axis.
    assert abs(m.foot_length.value - 256.7) < 1.0
    assert abs(m.foot_breadth.value - 89.6) < 1.5
    assert 0.23 < m.heel_width.value / m.foot_length.value < 0.32
    assert 0.9 < m.ball_girth.value / m.foot_length.value < 1.1
    assert m.arch_height.status == MEASURED  # the template has its sole
    for meas in vars(m).values():
        assert meas.value is not None and 0.0 <= meas.confidence <= 1.0


def test_template_without_sole_has_no_arch_height(template) -> None:
    import trimesh

    v, f = template
    normals = trimesh.Trimesh(v, f, process=False).vertex_normals
    m = measure_aligned(v[normals[:, 2] > -0.5])
    assert m.arch_height.status == UNAVAILABLE and m.arch_height.value is None
    assert "sole" in m.arch_height.reason
    full = measure_aligned(v, f)
    # Girths are defined on what a camera above the floor sees: sole or not, same value.
    assert abs(m.ball_girth.value - full.ball_girth.value) < 2.0
    assert abs(m.instep_girth.value - full.instep_girth.value) < 2.0


def test_right_foot_convention(template) -> None:
    v, f = template
    left = measure_aligned(v).values_mm()
    right = measure_aligned(v @ MIRROR_Y, side="right").values_mm()
    for k, val in left.items():
        assert right[k] == pytest.approx(val, abs=1e-6)


def test_in_plane_start_angle_does_not_matter(template) -> None:
    from footscan._align import rotation_z

    v, f = template
    a = measure_aligned(v, f).values_mm()
    b = measure_aligned(v @ rotation_z(np.radians(12.0)).T, f).values_mm()
    for k in ("foot_length", "foot_breadth", "ball_width", "heel_width", "ball_girth"):
        assert b[k] == pytest.approx(a[k], abs=0.3)


def test_no_forefoot_is_a_footscan_error(template) -> None:
    """A completed foot whose forefoot (55-85 % FL, low) holds no points is refused with a
    FootscanError naming the forefoot, not an AttributeError (was: two optionals added)."""
    from footscan._completion import ModelLandmarks
    from footscan._measure import measure_foot_frame
    from footscan.exceptions import FootscanError

    v, _ = template
    x0, x1 = v[:, 0].min(), v[:, 0].max()
    fl = x1 - x0
    gap = (v[:, 0] > x0 + 0.5 * fl) & (v[:, 0] < x0 + 0.9 * fl) & (v[:, 2] < 0.2 * fl)
    pts = v[~gap]
    heel = pts[pts[:, 0] < x0 + 0.05 * fl].mean(axis=0)
    tip = pts[np.argmax(pts[:, 0])]
    marks = ModelLandmarks(
        heel_centre_xy=heel[:2],
        second_toe_xy=tip[:2],
        hallux_xy=tip[:2],
        mth1=np.array([x0 + 0.72 * fl, heel[1] - 45.0, 20.0]),
        mth5=np.array([x0 + 0.64 * fl, heel[1] + 45.0, 20.0]),
    )
    with pytest.raises(FootscanError, match="forefoot"):
        measure_foot_frame(pts, fl, 0.0, landmarks=marks)
