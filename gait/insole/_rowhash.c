/*
 * Row fingerprints of decoded insole samples, without the GIL: the fast path of
 * gait/insole/_foot_stream.py (de-duplication and replay detection of session files).
 *
 * For each row i, h[i] is folded with every column of the row, in order, the 64-bit FNV way
 * that gait.insole._session.fnv_rows uses:
 *
 *     h = h * 1099511628211;  h ^= (uint64)(int64)value      (mod 2**64)
 *
 * The values are the decoder's integer counts held as float64, so the cast is exact, and the
 * result is bit for bit that of the numpy code (int_columns + fnv_rows), which the tests check.
 * One pass over the row-major table instead of a transposed int64 copy and one numpy
 * pass per column.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define FNV_PRIME 1099511628211ULL

/* Fold the columns of a C-contiguous (n, k) float64 table into h (n). */
static void fold(uint64_t *h, const double *v, Py_ssize_t n, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t x = h[i];
        const double *row = v + i * k;
        for (Py_ssize_t j = 0; j < k; j++)
            x = (x * FNV_PRIME) ^ (uint64_t)(int64_t)row[j];
        h[i] = x;
    }
}

static int table_view(PyObject *obj, Py_buffer *view, Py_ssize_t n)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->ndim != 2 || view->shape[0] != n || view->itemsize != 8 || view->format == NULL ||
        strcmp(view->format, "d") != 0) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "a table is not a C-contiguous (n, k) float64 array");
        return -1;
    }
    return 0;
}

static PyObject *rowhash_fold(PyObject *self, PyObject *args)
{
    PyObject *h_obj, *tables;
    if (!PyArg_ParseTuple(args, "OO!", &h_obj, &PyTuple_Type, &tables))
        return NULL;
    Py_buffer hv;
    if (PyObject_GetBuffer(h_obj, &hv, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    if (hv.ndim != 1 || hv.itemsize != 8 || hv.format == NULL ||
        (strcmp(hv.format, "Q") != 0 && strcmp(hv.format, "L") != 0 &&
         strcmp(hv.format, "<Q") != 0)) {
        PyBuffer_Release(&hv);
        PyErr_SetString(PyExc_ValueError, "h is not a writable 1-d uint64 array");
        return NULL;
    }
    Py_ssize_t n = hv.shape[0];
    Py_ssize_t count = PyTuple_GET_SIZE(tables);
    for (Py_ssize_t t = 0; t < count; t++) {
        Py_buffer tv;
        if (table_view(PyTuple_GET_ITEM(tables, t), &tv, n) < 0) {
            PyBuffer_Release(&hv);
            return NULL;
        }
        Py_BEGIN_ALLOW_THREADS
        fold((uint64_t *)hv.buf, (const double *)tv.buf, n, tv.shape[1]);
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&tv);
    }
    PyBuffer_Release(&hv);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"fold", rowhash_fold, METH_VARARGS,
     "fold(h, tables) -> None\n\n"
     "Fold the columns of each (n, k) float64 table into the uint64 row hashes h, in place\n"
     "(64-bit FNV steps over the values as integers; see _rowhash.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rowhash", "Row fingerprints of insole samples (see _rowhash.c).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__rowhash(void) { return PyModule_Create(&module); }
