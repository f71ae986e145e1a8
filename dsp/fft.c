/* Real FFT on FFTW (single precision): the only file that includes <fftw3.h>. */
#include "rappel/fft.h"

#include <fftw3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rpl_fft {
    size_t n;
    float *real;         /* n samples, FFTW-aligned */
    fftwf_complex *bins; /* n/2+1 bins, FFTW-aligned */
    fftwf_plan forward;
    fftwf_plan inverse;
};

/* FFTW's planner keeps global state: every plan creation and destruction goes through it. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

rpl_status rpl_fft_create(size_t n, rpl_fft **out)
{
    rpl_status status = RPL_ERR_NO_MEMORY;
    if (out == NULL || n < 2 || n > 65536 || n % 2 != 0) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    rpl_fft *fft = calloc(1, sizeof *fft);
    if (fft == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    fft->n = n;
    fft->real = fftwf_alloc_real(n);
    fft->bins = fftwf_alloc_complex(n / 2 + 1);
    if (fft->real == NULL || fft->bins == NULL) {
        goto fail;
    }
    pthread_mutex_lock(&planner_lock);
    fft->forward = fftwf_plan_dft_r2c_1d((int)n, fft->real, fft->bins, FFTW_ESTIMATE);
    fft->inverse = fftwf_plan_dft_c2r_1d((int)n, fft->bins, fft->real, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    if (fft->forward == NULL || fft->inverse == NULL) {
        status = RPL_ERR_FFT;
        goto fail;
    }
    *out = fft;
    return RPL_OK;
fail:
    rpl_fft_destroy(fft);
    return status;
}

void rpl_fft_destroy(rpl_fft *fft)
{
    if (fft == NULL) {
        return;
    }
    pthread_mutex_lock(&planner_lock);
    if (fft->forward != NULL) {
        fftwf_destroy_plan(fft->forward);
    }
    if (fft->inverse != NULL) {
        fftwf_destroy_plan(fft->inverse);
    }
    pthread_mutex_unlock(&planner_lock);
    fftwf_free(fft->real);
    fftwf_free(fft->bins);
    free(fft);
}

size_t rpl_fft_size(const rpl_fft *fft)
{
    return fft->n;
}

void rpl_fft_forward(rpl_fft *fft, const float *in, float *out)
{
    memcpy(fft->real, in, fft->n * sizeof *in);
    fftwf_execute(fft->forward);
    memcpy(out, fft->bins, (fft->n / 2 + 1) * sizeof *fft->bins);
}

void rpl_fft_inverse(rpl_fft *fft, const float *in, float *out)
{
    memcpy(fft->bins, in, (fft->n / 2 + 1) * sizeof *fft->bins);
    fftwf_execute(fft->inverse);
    memcpy(out, fft->real, fft->n * sizeof *out);
}

void rpl_fft_power(rpl_fft *fft, const float *in, const float *window, size_t len, float *power)
{
    const size_t n = fft->n;
    len = len < n ? len : n;
    if (window != NULL) {
        for (size_t i = 0; i < len; i++) {
            fft->real[i] = in[i] * window[i];
        }
    } else {
        memcpy(fft->real, in, len * sizeof *in);
    }
    memset(fft->real + len, 0, (n - len) * sizeof *fft->real);
    fftwf_execute(fft->forward);
    for (size_t k = 0; k <= n / 2; k++) {
        const float re = fft->bins[k][0];
        const float im = fft->bins[k][1];
        power[k] = re * re + im * im;
    }
}
