/* The k-th smallest of an array: see include/rappel/select.h. */
#include "rappel/select.h"

double rpl_select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0;
    size_t hi = n - 1;
    while (lo < hi) {
        double pivot = v[k];
        size_t i = lo;
        size_t j = hi;
        do {
            while (v[i] < pivot) {
                i++;
            }
            while (pivot < v[j]) {
                j--;
            }
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) {
                    break;
                }
                j--;
            }
        } while (i <= j);
        if (j < k) {
            lo = i;
        }
        if (k < i) {
            hi = j;
        }
    }
    return v[k];
}
