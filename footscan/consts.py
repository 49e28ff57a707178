"""Numeric constants of the footscan pipeline, in one place with the reason for each value.

Fractions of foot length (``*_FRAC``) keep the landmark rules scale-equivariant: a foot scaled
by ``s`` gives lengths scaled by ``s``. Absolute millimetre values are used only where the
physics is absolute (sensor noise, voxel size, floor band).
"""

from __future__ import annotations

__all__ = [
    "MIN_POINTS",
    "MIN_EXTENT_MM",
    "MAX_EXTENT_MM",
    "MAX_NONFINITE_FRACTION",
    "COARSE_VOXEL_MM",
    "FINE_VOXEL_MM",
    "MAX_FINE_POINTS",
    "SOR_K",
    "SOR_STD_RATIO",
    "FLOOR_THRESHOLD_MM",
    "FLOOR_CUT_MM",
    "FLOOR_CUT_MM",
    "FLOOR_BAND_MM",
    "NOMINAL_LENGTH_MM",
    "NOMINAL_LENGTH_MM",
    "FLOOR_SUPPORT_MAX_BELOW",
    "COMPONENT_RADIUS_MM",
    "LEG_CUT_FRAC",
    "PTERNION_HEIGHT_FRAC",
    "ACROPODION_HEIGHT_FRAC",
    "MTH1_AT_FRAC",
    "MTH5_AT_FRAC",
    "HEEL_WIDTH_AT_FRAC",
    "INSTEP_GIRTH_AT_FRAC",
    "INSTEP_HEIGHT_AT_FRAC",
    "SECTION_HALF_WIDTH_MM",
    "MAX_NOISE_MM",
    "FOOT_LENGTH_RANGE_MM",
    "HARD_RATIO_LIMITS",
    "SOFT_RATIO_LIMITS",
    "MAX_FIT_RMS_MM",
    "MIN_FIT_INLIERS",
    "MAX_SHAPE_ENERGY",
    "MAX_LENGTH_DISAGREEMENT",
]

# --- validation -------------------------------------------------------------------------------
MIN_POINTS = 300  # fewer points than this cannot carry a heel, a toe and both sides
MIN_EXTENT_MM = 60.0  # smaller than a newborn's foot: almost surely metres/km read as mm
MAX_EXTENT_MM = 4000.0  # a room-scale capture is still fine; beyond that units are wrong
MAX_NONFINITE_FRACTION = 0.05  # a few NaN rows are dropped; more means a broken export

# --- clean-up ---------------------------------------------------------------------------------
COARSE_VOXEL_MM = 4.0  # floor search grid: a 4 mm grid keeps the floor fit under 0.1 s
FINE_VOXEL_MM = 1.5  # measurement grid: 0.03 mm tip lag on a 10 mm toe radius
MAX_FINE_POINTS = 40_000  # larger foot clouds are voxelised (time and memory bound)
SOR_K = 16  # neighbours for statistical outlier removal (Rusu 2008 uses 10-50)
SOR_STD_RATIO = 2.5  # keep mean-distance <= mean + 2.5 sd (doc §4.2 says about 2)
COMPONENT_RADIUS_MM = 5.0  # points closer than this belong to the same surface piece

# --- floor ------------------------------------------------------------------------------------
FLOOR_THRESHOLD_MM = 3.0  # RANSAC inlier distance (doc §4.3: 2-5 mm)
FLOOR_CUT_MM = 5.0  # physical floor removal: 5 sigma of a 1 mm floor noise
# On the foot normalised to NOMINAL_LENGTH_MM: ignore the lowest 6 mm (floor contact, speckle).
FLOOR_BAND_MM = 6.0
NOMINAL_LENGTH_MM = 260.0  # feet are measured scaled to this length, then scaled back
FLOOR_SUPPORT_MAX_BELOW = 0.03  # a support plane has at most 3 % of points beneath it (outliers)

# --- landmarks (fractions of foot length FL, measured from the pternion) ----------------------
LEG_CUT_FRAC = 0.40  # cut the leg at 0.40 FL (~104 mm; doc §4.5: 0.35-0.45 FL, FOCUS 100 mm)
PTERNION_HEIGHT_FRAC = 0.155  # 40 mm on a 258 mm foot: below the leg overhang (doc §2.2)
ACROPODION_HEIGHT_FRAC = 0.19  # 50 mm on a 258 mm foot: toes, not the ankle
MTH1_AT_FRAC = 0.74  # ANSUR II balloffootlength / footlength = 200.9 / 271.2
MTH5_AT_FRAC = 0.64  # lateral ball joint, about 10 % FL behind MTH1 (FIND template)
HEEL_WIDTH_AT_FRAC = 0.16  # Lee et al. 2014: heel breadth at 16 % FL
INSTEP_GIRTH_AT_FRAC = 0.55  # Jurca 2019 instep point at 55 % FL
INSTEP_HEIGHT_AT_FRAC = 0.50  # McPoil 2008 dorsal height at 50 % FL (used by the AHI)
SECTION_HALF_WIDTH_MM = 2.5  # girth slab half-thickness (doc §2.3: 1.5-3 mm)

# --- gates ------------------------------------------------------------------------------------
MAX_NOISE_MM = 4.0  # beyond 4 mm point noise no measurement meets the accuracy bar
FOOT_LENGTH_RANGE_MM = (90.0, 400.0)  # infant to the largest recorded adult feet
# Far outside these, the object is not a foot (NotAFootError).
HARD_RATIO_LIMITS = {
    "breadth_to_length": (0.25, 0.60),
    "ball_girth_to_length": (0.60, 1.30),
    "heel_width_to_length": (0.15, 0.45),
}
# ANSUR II p1-p99 (doc §4.8): outside them the scan is flagged, not rejected.
SOFT_RATIO_LIMITS = {
    "breadth_to_length": (0.337, 0.420),
    "ball_girth_to_length": (0.83, 1.03),
    "heel_width_to_length": (0.23, 0.32),
}

# --- foot-model gate (on the foot normalised to NOMINAL_LENGTH_MM) ----------------------------
MAX_FIT_RMS_MM = 2.6  # trimmed RMS to the model; feet 0.8-2.0 (real scans), hands 3.0-3.6
MIN_FIT_INLIERS = 0.77  # within 4 mm of the model: feet 0.83-1.0, hands 0.66-0.71, shoes 0.5
MAX_SHAPE_ENERGY = 1.9  # mean c^2/sd^2: feet 0.1-1.64; a foot-sized potato 2.1-2.9
# |fitted model length / capture length - 1|: feet 0.00-0.06 (synthetic, turntable, real plate
# and phone-like); a chair leg 0.79-6.6 (the model shrinks to 27-115 mm on a 15 mm piece).
MAX_LENGTH_DISAGREEMENT = 0.25
# Share of the fitted model's seen surface (facing up or sideways, 0.08-0.30 of its length
# high) with a capture point within 4 mm, on a capture whose heel, toes and both sides were
# seen (the model -> capture direction; the fit itself minimises capture -> model).
MIN_MODEL_SURFACE_SEEN = 0.85
