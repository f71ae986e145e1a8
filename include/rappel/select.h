/* rappel — the k-th smallest of an array, for medians and percentiles without sorting.
 *
 * Wirth's selection (N. Wirth, Algorithms + Data Structures = Programs, 1976): O(n) on
 * average, in place, no allocation.
 */
#ifndef RAPPEL_SELECT_H
#define RAPPEL_SELECT_H

#include <stddef.h>

/* The k-th smallest (0-based, k < n, n > 0) of v[0..n), by `<`; v is reordered. Real-time
 * safe. */
double rpl_select_kth(double *v, size_t n, size_t k);

#endif
