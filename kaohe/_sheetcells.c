/* The cells of a piece of worksheet XML in one pass: kaohe.sheetxml's reader, compiled.
 *
 * cells(xml, lo, hi, strings) -> (rows, columns, keys, long_values) | None
 *
 * The same answer as kaohe.sheetxml._numpy_cells (tests/test_sheetxml.py compares the two on
 * generated XML): rows, columns and keys as bytearrays of int64, one per cell with a value, ordered
 * by column, each column's in the order of the XML; long_values the raw bytes of each long value and inline text (its kind's byte
 * first), numbered in the order they are first met; None where the XML is not of the plain kind
 * that reader knows. Every rule below is that reader's, said there in numpy's words.
 *
 * The pass over the bytes runs without the GIL, so the pieces of one sheet are read on every core.
 * Nothing here reads outside the buffer: a position past its end reads as a 0 byte.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { NUMBER = 1, BOOL = 2, ERROR = 3, TEXT = 4, LONG = 5, INLINE = 6 };

typedef struct {
    const uint8_t *buf;
    Py_ssize_t size;
} Bytes;

static inline uint8_t at(const Bytes *b, Py_ssize_t i) { return (i >= 0 && i < b->size) ? b->buf[i] : 0; }

/* The next '<' at or after i, or hi. */
static Py_ssize_t next_tag(const Bytes *b, Py_ssize_t i, Py_ssize_t hi) {
    if (i >= hi) return hi;
    const uint8_t *p = memchr(b->buf + i, '<', (size_t)(hi - i));
    return p ? (Py_ssize_t)(p - b->buf) : hi;
}

/* Up to 12 decimal digits from i: their value, and where they end (sheetxml._digits). */
static int64_t digits(const Bytes *b, Py_ssize_t i, Py_ssize_t *end) {
    int64_t value = 0;
    int k = 0;
    for (; k < 12; k++) {
        uint8_t d = (uint8_t)(at(b, i + k) - '0');
        if (d >= 10) break;
        value = value * 10 + d;
    }
    *end = i + k;
    return value;
}

typedef struct {
    int64_t *row, *col, *key;
    Py_ssize_t n, cap;
    Py_ssize_t *long_at;          /* each long value: its cell's index in key[], */
    Py_ssize_t *long_lo, *long_hi; /* its bytes, */
    uint8_t *long_kind;           /* and its kind */
    Py_ssize_t nlong, long_cap;
} Found;

static int grow(void **p, Py_ssize_t count, size_t item) {
    void *q = realloc(*p, (size_t)count * item);
    if (!q) return 0;
    *p = q;
    return 1;
}

static int add_cell(Found *f, int64_t row, int64_t col, int64_t key) {
    if (f->n == f->cap) {
        Py_ssize_t cap = f->cap ? 2 * f->cap : 4096;
        if (!grow((void **)&f->row, cap, 8) || !grow((void **)&f->col, cap, 8) || !grow((void **)&f->key, cap, 8))
            return 0;
        f->cap = cap;
    }
    f->row[f->n] = row, f->col[f->n] = col, f->key[f->n] = key;
    f->n++;
    return 1;
}

static int add_long(Found *f, uint8_t kind, Py_ssize_t lo, Py_ssize_t hi) {
    if (f->nlong == f->long_cap) {
        Py_ssize_t cap = f->long_cap ? 2 * f->long_cap : 1024;
        if (!grow((void **)&f->long_at, cap, sizeof(Py_ssize_t)) || !grow((void **)&f->long_lo, cap, sizeof(Py_ssize_t))
            || !grow((void **)&f->long_hi, cap, sizeof(Py_ssize_t)) || !grow((void **)&f->long_kind, cap, 1))
            return 0;
        f->long_cap = cap;
    }
    f->long_at[f->nlong] = f->n - 1, f->long_lo[f->nlong] = lo, f->long_hi[f->nlong] = hi, f->long_kind[f->nlong] = kind;
    f->nlong++;
    return 1;
}

static void release(Found *f) {
    free(f->row), free(f->col), free(f->key), free(f->long_at), free(f->long_lo), free(f->long_hi), free(f->long_kind);
}

/* A cell tag met, waiting for the tags up to the next cell tag. */
typedef struct {
    int open;                /* a cell is waiting */
    int64_t row, col;
    Py_ssize_t tag_end;      /* where its tag ends (the next '<') */
    int closed, shared, inline_text;
    int kind;
    int next_is_v;           /* the tag right after it is <v> */
    Py_ssize_t v;            /* the first <v> before the next cell, or -1 */
    Py_ssize_t close;        /* the first </c> before the next cell, or -1 */
} Cell;

enum { DONE = 0, NOT_PLAIN = 1, NO_MEMORY = 2 };

/* The waiting cell's key, now that the tags up to the next cell (or hi) are known. */
static int finish(const Bytes *b, Cell *c, Py_ssize_t hi, int64_t strings, Found *f) {
    if (!c->open) return DONE;
    c->open = 0;
    /* its <v>: right after its tag, or after its formula; none for a closed cell (<c r="A1"/>) */
    Py_ssize_t v = !c->closed && (c->next_is_v || !c->inline_text) ? c->v : -1;
    Py_ssize_t start = 0, end = 0;
    if (v >= 0) start = v + 3, end = next_tag(b, v + 1, hi);
    if (v >= 0 && end < start) v = -1;  /* a piece cut inside <v> (no caller does): no value, as numpy's */
    int kind = c->kind;
    if (v >= 0 && c->shared) {
        Py_ssize_t index_end;
        int64_t index = digits(b, start, &index_end);
        if (index_end != end || index >= strings) return NOT_PLAIN;
        return add_cell(f, c->row, c->col, index) ? DONE : NO_MEMORY;
    }
    if (c->inline_text && !c->closed) {  /* inline text: from its tag to its </c> */
        if (c->close < 0) return NOT_PLAIN;  /* its </c> is not before the next cell */
        kind = INLINE, start = c->tag_end, end = c->close;
    } else if (v >= 0 && end - start > 6) {
        /* a long value: numbered below */
    } else if (v >= 0) {  /* a short value (1, 85.5, TRUE's 1) packed into the key with its kind and length */
        int64_t packed = 0;
        for (Py_ssize_t i = start; i < end; i++) packed = packed * 256 + at(b, i);
        return add_cell(f, c->row, c->col, ((int64_t)kind << 56) | ((int64_t)(end - start) << 48) | packed)
            ? DONE : NO_MEMORY;
    } else {
        return DONE;  /* no value */
    }
    if (!add_cell(f, c->row, c->col, 0) || !add_long(f, (uint8_t)kind, start, end)) return NO_MEMORY;
    return DONE;
}

/* The pass: every tag of xml[lo:hi] in order. */
static int scan(const Bytes *b, Py_ssize_t lo, Py_ssize_t hi, int64_t strings, Found *f) {
    Cell c = {0};
    int64_t row = 0;
    int in_row = 0;
    Py_ssize_t p = next_tag(b, lo, hi);
    while (p < hi) {
        Py_ssize_t q = next_tag(b, p + 1, hi);
        uint8_t after = at(b, p + 1), second = at(b, p + 2);
        if (after == 'c' && second == ' ') {  /* a cell: <c r="B7" s="1" t="s"> */
            int status = finish(b, &c, hi, strings, f);
            if (status != DONE) return status;
            if (at(b, p + 3) != 'r' || at(b, p + 4) != '=' || at(b, p + 5) != '"' || at(b, q - 1) != '>')
                return NOT_PLAIN;  /* its reference not first, or whitespace between tags */
            int64_t col = 0;
            int letters = 0;
            while (letters < 3 && at(b, p + 6 + letters) >= 'A' && at(b, p + 6 + letters) <= 'Z') {
                col = col * 26 + (at(b, p + 6 + letters) - 64);
                letters++;
            }
            uint8_t digit = at(b, p + 6 + letters);
            if (letters == 0 || digit < '0' || digit > '9' || !in_row) return NOT_PLAIN;
            c = (Cell){.open = 1, .row = row, .col = col, .tag_end = q, .closed = at(b, q - 2) == '/',
                       .kind = NUMBER, .v = -1, .close = -1};
            for (Py_ssize_t e = p + 1; e < q; e++) {  /* its type: the first t="…" inside the tag */
                if (b->buf[e] != '=' || at(b, e - 1) != 't' || at(b, e - 2) != ' ') continue;
                uint8_t t0 = at(b, e + 2), t1 = at(b, e + 3);
                c.kind = 0;
                if (t0 == 'n' && t1 == '"') c.kind = NUMBER;
                else if (t0 == 'b' && t1 == '"') c.kind = BOOL;
                else if (t0 == 'e' && t1 == '"') c.kind = ERROR;
                else if (t0 == 's' && t1 == 't') c.kind = TEXT;
                else if (t0 == 's' && t1 == '"') c.shared = 1;
                else if (t0 == 'i') c.inline_text = 1;
                else return NOT_PLAIN;  /* a date cell (t="d") or a type this reader does not know */
                break;
            }
            if (q < hi && at(b, q + 1) == 'v' && at(b, q + 2) == '>') c.next_is_v = 1;
        } else if (after == 'c' && second != '/') {
            return NOT_PLAIN;  /* a cell tag without attributes: no reference to place it by */
        } else if (after == 'r' && second == 'o' && at(b, p + 3) == 'w') {  /* <row r="7" …> */
            Py_ssize_t end;
            int status = finish(b, &c, hi, strings, f);  /* a cell's <v> and </c> stand in its own row */
            if (status != DONE) return status;
            if (at(b, p + 4) != ' ' || at(b, p + 5) != 'r' || at(b, p + 6) != '=') return NOT_PLAIN;
            row = digits(b, p + 8, &end);
            if (at(b, end) != '"' || row == 0) return NOT_PLAIN;  /* rows count from 1 */
            in_row = 1;
        } else if (after == '/' && second == 'r' && at(b, p + 3) == 'o' && at(b, p + 4) == 'w') {  /* </row> */
            int status = finish(b, &c, hi, strings, f);
            if (status != DONE) return status;
        } else if (after == 'v' && second == '>') {
            if (c.open && c.v < 0) c.v = p;
        } else if (after == '/' && second == 'c' && at(b, p + 3) == '>') {
            if (c.open && c.close < 0) c.close = p;
        }
        p = q;
    }
    return finish(b, &c, hi, strings, f);
}

/* The cells ordered by column, each column's in the order of the XML (a counting sort): the reader
 * then takes a column as one slice instead of picking it out of every cell. */
static int by_column(const Found *f, int64_t *row, int64_t *col, int64_t *key) {
    int64_t width = 0;
    for (Py_ssize_t i = 0; i < f->n; i++) width = f->col[i] > width ? f->col[i] : width;
    Py_ssize_t *start = calloc((size_t)width + 2, sizeof(Py_ssize_t));
    if (!start) return 0;
    for (Py_ssize_t i = 0; i < f->n; i++) start[f->col[i] + 1]++;
    for (int64_t c = 1; c <= width + 1; c++) start[c] += start[c - 1];
    for (Py_ssize_t i = 0; i < f->n; i++) {
        Py_ssize_t to = start[f->col[i]]++;
        row[to] = f->row[i], col[to] = f->col[i], key[to] = f->key[i];
    }
    free(start);
    return 1;
}

static PyObject *cells(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t lo, hi;
    long long strings;
    if (!PyArg_ParseTuple(args, "y*nnL", &view, &lo, &hi, &strings)) return NULL;
    Bytes b = {(const uint8_t *)view.buf, view.len};
    if (lo < 0) lo = 0;
    if (hi > view.len) hi = view.len;
    Found f = {0};
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = scan(&b, lo, hi, (int64_t)strings, &f);
    Py_END_ALLOW_THREADS
    PyObject *result = NULL, *odd = NULL, *numbers = NULL;
    if (status == NO_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (status == NOT_PLAIN) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    /* each distinct long value numbered once, in the order met: its kind's byte, then its bytes */
    odd = PyList_New(0), numbers = PyDict_New();
    if (!odd || !numbers) goto done;
    for (Py_ssize_t i = 0; i < f.nlong; i++) {
        Py_ssize_t length = f.long_hi[i] - f.long_lo[i];
        PyObject *raw = PyBytes_FromStringAndSize(NULL, length + 1);
        if (!raw) goto done;
        PyBytes_AS_STRING(raw)[0] = (char)f.long_kind[i];
        memcpy(PyBytes_AS_STRING(raw) + 1, b.buf + f.long_lo[i], (size_t)length);
        PyObject *number = PyDict_GetItemWithError(numbers, raw);
        int64_t n;
        if (number) {
            n = PyLong_AsLongLong(number);
        } else if (PyErr_Occurred()) {
            Py_DECREF(raw);
            goto done;
        } else {
            n = PyList_GET_SIZE(odd);
            PyObject *k = PyLong_FromLongLong(n);
            int failed = !k || PyDict_SetItem(numbers, raw, k) < 0 || PyList_Append(odd, raw) < 0;
            Py_XDECREF(k);
            if (failed) {
                Py_DECREF(raw);
                goto done;
            }
        }
        Py_DECREF(raw);
        f.key[f.long_at[i]] = ((int64_t)LONG << 56) | n;
    }
    PyObject *rows = PyByteArray_FromStringAndSize(NULL, f.n * 8), *cols = PyByteArray_FromStringAndSize(NULL, f.n * 8),
             *keys = PyByteArray_FromStringAndSize(NULL, f.n * 8);
    if (rows && cols && keys) {
        int sorted;
        int64_t *to_rows = (int64_t *)PyByteArray_AS_STRING(rows), *to_cols = (int64_t *)PyByteArray_AS_STRING(cols),
                *to_keys = (int64_t *)PyByteArray_AS_STRING(keys);  /* taken with the GIL */
        Py_BEGIN_ALLOW_THREADS
        sorted = by_column(&f, to_rows, to_cols, to_keys);
        Py_END_ALLOW_THREADS
        if (sorted) result = PyTuple_Pack(4, rows, cols, keys, odd);
        else PyErr_NoMemory();
    }
    Py_XDECREF(rows), Py_XDECREF(cols), Py_XDECREF(keys);
done:
    Py_XDECREF(odd), Py_XDECREF(numbers);
    release(&f);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"cells", cells, METH_VARARGS, "The cells of xml[lo:hi] (whole rows): rows, columns, keys, long values; None: not plain XML."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "kaohe._sheetcells", NULL, -1, methods};

PyMODINIT_FUNC PyInit__sheetcells(void) { return PyModule_Create(&module); }
