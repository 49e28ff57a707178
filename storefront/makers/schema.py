"""The public schema of the maker statistics: columns, declared bounds, public categories.

Values of the measurements table are integers: lengths in tenths of a millimetre
(``*_tenth_mm``), shape coefficients in ten-thousandths of their prior standard deviation
(``shape_NN_sd_e4``). Everything here is public and fixed before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "N_SHAPE",
    "SHAPE_COLUMNS",
    "SHAPE_BOUND_SD_E4",
    "SHAPE_BOUNDS_SD_E4",
    "SHAPE_CENTRES_E4",
    "SHAPE_SOURCES",
    "MEASURES",
    "MeasureSpec",
    "SCHEMA_COLUMNS",
    "SEXES",
    "AGE_BANDS",
    "REGIONS",
    "FILTERS",
    "LENGTH_BIN_TENTH_MM",
    "LENGTH_MIN_TENTH_MM",
    "LENGTH_MAX_TENTH_MM",
    "REG_X_TENTH_MM",
    "REG_Y_TENTH_MM",
    "WIDTH_CENTRE_TENTH_MM",
    "WIDTH_BOUND_TENTH_MM",
    "length_bin_label",
]


#: Number of shape coefficients per person (footscan's shape basis: 16 FIND modes and 22
#: proportion modes; a test checks it against the basis).
N_SHAPE = 38
SHAPE_COLUMNS: tuple[str, ...] = tuple(f"shape_{k:02d}_sd_e4" for k in range(N_SHAPE))
#: Clamping bound of a shape coefficient: 4 prior standard deviations (in 1e-4 sd).
SHAPE_BOUND_SD_E4 = 40_000
#: Where a row's coefficients come from: footscan's fit to the person's own capture, or the
#: model's prior conditioned on their measurements (older scans, the synthetic city).
SHAPE_SOURCES = ("fit", "measures")
_SCALE_MODES = {16: 0.10, 17: 0.10, 18: 0.12}  # scale_x, scale_y, scale_z: prior sd (raw)
#: Length of the basis' mean foot (mm); a test checks it and the sds against footscan's basis.
BASIS_LENGTH_MM = 255.317
#: Declared clamping bound of each coefficient around its centre (1e-4 prior sd): 2.5 sd
#: (footscan's fits stay within about 1.5 sd, its prior pulling them in; the synthetic city's
#: within 2.5 sd but for 0.1 % of one mode), and for the scale modes, clamped around the size
#: class' own scale, 0.75 sd for scale_x (length defines the class: +-7.5 % of length) and
#: 2.5 sd for width and height. A coefficient's noise is in proportion to its bound.
SHAPE_BOUNDS_SD_E4: tuple[int, ...] = tuple(7_500 if k == 16 else 25_000 for k in range(N_SHAPE))


def _centre_line(sd: float) -> tuple[int, int]:
    """``(slope, at_zero)``: the scale coefficient (1e-4 sd) of a foot of the bin's middle
    length, ``(length / BASIS_LENGTH_MM - 1) / sd``, as ``slope * bin_index + at_zero``."""
    per_bin = 5.0 / BASIS_LENGTH_MM / sd * 1e4
    return round(per_bin), round((2.5 / BASIS_LENGTH_MM - 1.0) / sd * 1e4)


#: Public centre of each coefficient per 5 mm length bin, ``slope * bin + at_zero`` (integers,
#: 1e-4 prior sd): zero but for the scale modes, which a foot's size moves (a 150 mm foot has
#: scale_x at -4 sd, a 330 mm one at +3 sd); coefficients are clamped around it.
SHAPE_CENTRES_E4: tuple[tuple[int, int], ...] = tuple(
    _centre_line(_SCALE_MODES[k]) if k in _SCALE_MODES else (0, 0) for k in range(N_SHAPE)
)

#: Public foot-length bins: 5 mm, 100-330 mm (the same as ``FOOT_LENGTH_BINS`` of the counts).
LENGTH_BIN_TENTH_MM = 50
LENGTH_MIN_TENTH_MM = 1000
LENGTH_MAX_TENTH_MM = 3300

#: Public categories (the same lists as the count releases).
SEXES = ("female", "male", "other")
AGE_BANDS = ("<18", "18-29", "30-44", "45-59", "60-74", "75+")
REGIONS = ("EU-north", "EU-south", "EU-east", "EU-west", "UK", "KR", "JP", "US", "other")
FILTERS: dict[str, tuple[str, ...]] = {"sex": SEXES, "age_band": AGE_BANDS, "region": REGIONS}


@dataclass(frozen=True)
class MeasureSpec:
    """A measurement released as a distribution, with its declared clamping bounds.

    Attributes
    ----------
    name : str
        Public name (``"ball_girth"``).
    column : str
        Column of the measurements table (tenths of a mm).
    source_key : str
        Key in footscan's measurement JSON (mm).
    lo_mm, hi_mm : float
        Public clamping bounds (mm), whole millimetres; values outside are moved to the bound
        before anything is counted.
    """

    name: str
    column: str
    source_key: str
    lo_mm: int
    hi_mm: int

    @property
    def lo_tenth_mm(self) -> int:
        """Lower bound in tenths of a millimetre (the table's integer unit)."""
        return 10 * self.lo_mm

    @property
    def hi_tenth_mm(self) -> int:
        """Upper bound in tenths of a millimetre (the table's integer unit)."""
        return 10 * self.hi_mm

    @property
    def n_candidates(self) -> int:
        """Quantile candidates: ``lo + j + 0.05`` mm, ``j = 0 .. hi - lo - 1``."""
        return self.hi_mm - self.lo_mm


#: Measurements with released distributions (bounds cover children to the largest adult feet).
MEASURES: dict[str, MeasureSpec] = {
    m.name: m
    for m in (
        MeasureSpec("ball_girth", "ball_girth_tenth_mm", "ball_girth_mm", 150, 330),
        MeasureSpec("ball_width", "ball_width_tenth_mm", "ball_width_mm", 50, 140),
        MeasureSpec("instep_girth", "instep_girth_tenth_mm", "instep_girth_mm", 150, 350),
        MeasureSpec("instep_height", "instep_height_tenth_mm", "instep_height_mm", 30, 110),
        MeasureSpec("heel_width", "heel_width_tenth_mm", "heel_width_mm", 35, 100),
    )
}

#: Columns of the measurements table, in order, with their Arrow types.
SCHEMA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person_id", "int64"),
    ("updated_s", "int64"),  # Unix time of the scan or consent change that wrote the row
    ("sex", "string"),
    ("age_band", "string"),
    ("region", "string"),
    ("foot_length_tenth_mm", "int32"),
    *((m.column, "int32") for m in MEASURES.values()),
    ("arch_height_tenth_mm", "int32"),
    *((c, "int32") for c in SHAPE_COLUMNS),
    ("shape_source", "string"),  # one of SHAPE_SOURCES, or null without coefficients
)


def length_bin_label(bin_index: int) -> str:
    """``"260-265"`` for the 5 mm bin index ``52`` (bin = floor(length_mm / 5))."""
    lo = int(bin_index) * 5
    return f"{lo}-{lo + 5}"


#: Bounds of the regression of ball girth on foot length (tenths of a mm).
REG_X_TENTH_MM = (1800, 3300)
REG_Y_TENTH_MM = (1700, 3200)
#: Ball width in the average-foot release: clamped to the measure's bounds and centred.
WIDTH_CENTRE_TENTH_MM = 950
WIDTH_BOUND_TENTH_MM = 450
