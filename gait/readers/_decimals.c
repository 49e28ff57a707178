/*
 * Plain decimal tables parsed to float64, without the GIL: the fast path of the gait text
 * readers (gait/readers/_fastcsv.py) for the common case of insole exports, where every
 * field is empty or a plain decimal such as "-0.196777" or "6.50".
 *
 * The parser accepts only what it can convert exactly and refuses (returns -1) everything
 * else, so that a refused piece goes to the general parsers with their own error messages:
 *
 *   field   := "" | "-"? digits ("." digits)?       (the decimal mark is a parameter)
 *   value   := mantissa / 10**fraction_digits, mantissa < 2**53, fraction_digits <= 22
 *
 * Both mantissa and 10**k are exact doubles then, and IEEE division rounds their quotient
 * correctly, so the value is the correctly rounded double of the decimal: the same double
 * as strtod or Arrow's parser give ("Clinger's fast path"). Empty fields are NaN. Lines end
 * in '\n'; empty lines are skipped; every other line must have exactly n_fields fields.
 * Fields not asked for are skipped without looking at them, as Arrow does with columns it is
 * not asked to convert.
 *
 * count_lines counts a piece's line ends for the same readers (memchr, without the GIL).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define MANTISSA_LIMIT (((uint64_t)1) << 53)

/*
 * One field from p to *out: a plain decimal ended by delim, '\n' or eol. Returns the end of
 * the field (at its delimiter, newline or eol), or NULL when it is not a plain decimal.
 */
static inline const char *parse_field(const char *p, const char *eol, char delim, char decimal,
                                      double *out)
{
    if (p == eol || *p == delim) {
        *out = NAN;
        return p;
    }
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    uint64_t m = 0;
    int significant = 0; /* digits from the first non-zero one: leading zeros add nothing */
    const char *s = p;
    unsigned d;
    while (p < eol && (d = (unsigned char)(*p - '0')) < 10) {
        m = m * 10 + d;
        significant += (m != 0);
        p++;
    }
    if (p == s)
        return NULL; /* no integer digit: "-", ".5", "nan", "+1" ... */
    int frac = 0;
    if (p < eol && *p == decimal) {
        const char *f = ++p;
        while (p < eol && (d = (unsigned char)(*p - '0')) < 10) {
            m = m * 10 + d;
            significant += (m != 0);
            p++;
        }
        frac = (int)(p - f);
        if (frac == 0 || frac > 22)
            return NULL; /* "5." or more fraction digits than exact powers of ten */
    }
    /* more than 19 significant digits may have wrapped around 64 bits; above 2**53 the
       mantissa is not an exact double */
    if (significant > 19 || m > MANTISSA_LIMIT)
        return NULL;
    if (p < eol && *p != delim)
        return NULL; /* anything after the number: exponent, space, text */
    double v = (double)m / POW10[frac];
    *out = neg ? -v : v;
    return p;
}

/*
 * Parse text into the group arrays.
 *
 * field_group[j] / field_col[j]: for field j of a row, the output array and its column
 * (group -1: field skipped). outs[g] is a C-contiguous float64 (max_rows, widths[g]) array.
 * Returns the rows written, or -1 when the text is not a plain table (or has more rows).
 */
static Py_ssize_t parse_text(const char *text, Py_ssize_t len, char delim, char decimal,
                             Py_ssize_t n_fields, const int32_t *field_group,
                             const int32_t *field_col, double *const *outs,
                             const Py_ssize_t *widths, Py_ssize_t max_rows)
{
    const char *p = text, *end = text + len;
    Py_ssize_t row = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        if (eol == p) { /* empty line */
            p = eol + 1;
            continue;
        }
        if (row >= max_rows)
            return -1;
        const char *f = p;
        for (Py_ssize_t j = 0;; j++) {
            int32_t g = field_group[j];
            if (g >= 0) {
                f = parse_field(f, eol, delim, decimal, outs[g] + row * widths[g] + field_col[j]);
                if (f == NULL)
                    return -1;
            } else {
                while (f < eol && *f != delim)
                    f++;
            }
            if (f == eol) {
                if (j != n_fields - 1)
                    return -1; /* fewer fields than the header */
                break;
            }
            if (j == n_fields - 1)
                return -1; /* more fields than the header */
            f++; /* past the delimiter */
        }
        row++;
        p = eol + 1;
    }
    return row;
}

static PyObject *decimals_parse(PyObject *self, PyObject *args)
{
    Py_buffer text, fgroup, fcol;
    int delim, decimal;
    Py_ssize_t max_rows;
    PyObject *outs_obj;
    if (!PyArg_ParseTuple(args, "y*iiy*y*nO!", &text, &delim, &decimal, &fgroup, &fcol,
                          &max_rows, &PyTuple_Type, &outs_obj))
        return NULL;

    Py_ssize_t n_fields = fgroup.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t n_out = PyTuple_GET_SIZE(outs_obj);
    Py_buffer *views = NULL;
    double **outs = NULL;
    Py_ssize_t *widths = NULL;
    Py_ssize_t n_views = 0;
    PyObject *result = NULL;

    if (fcol.len != fgroup.len || n_fields == 0 || max_rows < 0 || delim < 1 || delim > 127 ||
        decimal < 1 || decimal > 127) {
        PyErr_SetString(PyExc_ValueError, "bad field maps, row count or separators");
        goto done;
    }
    views = PyMem_Calloc((size_t)(n_out ? n_out : 1), sizeof(Py_buffer));
    outs = PyMem_Calloc((size_t)(n_out ? n_out : 1), sizeof(double *));
    widths = PyMem_Calloc((size_t)(n_out ? n_out : 1), sizeof(Py_ssize_t));
    if (views == NULL || outs == NULL || widths == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t g = 0; g < n_out; g++) {
        PyObject *o = PyTuple_GET_ITEM(outs_obj, g);
        if (PyObject_GetBuffer(o, &views[g], PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
            goto done;
        n_views++;
        Py_buffer *v = &views[g];
        if (v->ndim != 2 || v->shape[0] != max_rows || v->itemsize != 8 || v->format == NULL ||
            strcmp(v->format, "d") != 0) {
            PyErr_SetString(PyExc_ValueError, "an output array is not a (max_rows, k) float64 array");
            goto done;
        }
        outs[g] = (double *)v->buf;
        widths[g] = v->shape[1];
    }
    const int32_t *group = (const int32_t *)fgroup.buf;
    const int32_t *col = (const int32_t *)fcol.buf;
    for (Py_ssize_t j = 0; j < n_fields; j++) {
        if (group[j] >= n_out || (group[j] >= 0 && (col[j] < 0 || col[j] >= widths[group[j]]))) {
            PyErr_SetString(PyExc_ValueError, "a field maps outside the output arrays");
            goto done;
        }
    }
    Py_ssize_t rows;
    Py_BEGIN_ALLOW_THREADS
    rows = parse_text((const char *)text.buf, text.len, (char)delim, (char)decimal, n_fields,
                      group, col, outs, widths, max_rows);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(rows);

done:
    for (Py_ssize_t g = 0; g < n_views; g++)
        PyBuffer_Release(&views[g]);
    PyMem_Free(views);
    PyMem_Free(outs);
    PyMem_Free(widths);
    PyBuffer_Release(&text);
    PyBuffer_Release(&fgroup);
    PyBuffer_Release(&fcol);
    return result;
}

static PyObject *decimals_count_lines(PyObject *self, PyObject *arg)
{
    Py_buffer text;
    if (PyObject_GetBuffer(arg, &text, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t n = 0;
    Py_BEGIN_ALLOW_THREADS
    const char *p = (const char *)text.buf;
    const char *end = p + text.len;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&text);
    return PyLong_FromSsize_t(n);
}

static PyMethodDef methods[] = {
    {"parse", decimals_parse, METH_VARARGS,
     "parse(text, delimiter, decimal, field_group, field_col, max_rows, outs) -> rows or -1\n\n"
     "Plain decimal fields of text into the float64 arrays outs (see _decimals.c)."},
    {"count_lines", decimals_count_lines, METH_O,
     "count_lines(text) -> number of '\\n' bytes in text"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_decimals", "Plain decimal tables to float64 (see _decimals.c).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__decimals(void) { return PyModule_Create(&module); }
