/* Live capture with PortAudio: see source_live.h.
 *
 * Constants: the callback asks for 40 ms blocks. Every block wakes PortAudio's thread and the
 * analysis thread, and on a virtual machine the wake-ups cost more CPU than the analysis
 * (src/live.c): 40 ms blocks halve that against 20 ms (one RTP packet) for 20 ms more latency
 * on the oldest frame of a block, which keeps the provisional features of every frame within
 * about 45 ms of its entering the ring. The device's default low input latency (~20
 * ms on ALSA/PulseAudio) is asked for.
 */
#include "source_live.h"

#include <portaudio.h>

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rpl_source_live {
    PaStream *stream;
    rpl_source_live_info info;
    rpl_ring *ring;
    bool started, stopped, gone;
    bool left_running; /* a gone device's stream whose thread never finished: not closed */
    int64_t started_ns;
    atomic_uint_fast64_t callbacks;
    atomic_uint_fast64_t input_overflows;
    atomic_int_fast64_t last_callback_ns;
    atomic_bool finished;
    atomic_bool abandoned; /* the device is gone: the stream is left alone (see stop) */
    atomic_bool in_callback;
};

static int capture_callback(const void *input, void *output, unsigned long frames,
                            const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
                            void *user)
{
    (void)output;
    (void)time_info;
    rpl_source_live *src = user;
    atomic_store(&src->in_callback, true);
    if (atomic_load(&src->abandoned)) {
        atomic_store(&src->in_callback, false);
        return paAbort; /* the ring may be gone: touch nothing */
    }
    int64_t now = rpl_ring_now_ns();
    if (flags & paInputOverflow) {
        atomic_fetch_add_explicit(&src->input_overflows, 1, memory_order_relaxed);
    }
    if (input != NULL) {
        rpl_ring_write(src->ring, input, frames, now);
    }
    atomic_fetch_add_explicit(&src->callbacks, 1, memory_order_relaxed);
    atomic_store_explicit(&src->last_callback_ns, now, memory_order_relaxed);
    atomic_store(&src->in_callback, false);
    return paContinue;
}

static void finished_callback(void *user)
{
    rpl_source_live *src = user;
    atomic_store(&src->finished, true);
}

rpl_status rpl_live_devices(int (*fn)(const rpl_live_device *dev, void *user), void *user,
                            char *why, size_t why_size)
{
    PaError err = Pa_Initialize();
    if (err != paNoError) {
        snprintf(why, why_size, "cannot start PortAudio: %s", Pa_GetErrorText(err));
        return RPL_ERR_DEVICE;
    }
    int n = Pa_GetDeviceCount();
    if (n < 0) {
        snprintf(why, why_size, "cannot list devices: %s", Pa_GetErrorText(n));
        Pa_Terminate();
        return RPL_ERR_DEVICE;
    }
    PaDeviceIndex def = Pa_GetDefaultInputDevice();
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL || d->maxInputChannels < 1) {
            continue;
        }
        const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
        rpl_live_device dev = {.index = i,
                               .name = d->name,
                               .host_api = h != NULL ? h->name : "?",
                               .max_input_channels = d->maxInputChannels,
                               .default_rate_hz = d->defaultSampleRate,
                               .is_default = i == def};
        if (fn(&dev, user) != 0) {
            break;
        }
    }
    Pa_Terminate();
    return RPL_OK;
}

static bool all_digits(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

/* The device named by text (see the config), or a negative value with why filled in. */
static PaDeviceIndex find_device(const char *text, char *why, size_t why_size)
{
    int n = Pa_GetDeviceCount();
    if (text == NULL) {
        PaDeviceIndex def = Pa_GetDefaultInputDevice();
        if (def == paNoDevice) {
            snprintf(why, why_size, "no default capture device (see 'rappel devices')");
        }
        return def;
    }
    if (all_digits(text)) {
        long i = strtol(text, NULL, 10);
        if (i >= n) {
            snprintf(why, why_size,
                     "%s: no device with that index (%d devices; see 'rappel devices')", text, n);
            return paNoDevice;
        }
        return (PaDeviceIndex)i;
    }
    PaDeviceIndex found = paNoDevice;
    int matches = 0;
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d != NULL && d->maxInputChannels > 0 && strcmp(d->name, text) == 0) {
            return i;
        }
    }
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d != NULL && d->maxInputChannels > 0 && strstr(d->name, text) != NULL) {
            found = i;
            matches++;
        }
    }
    if (matches == 1) {
        return found;
    }
    snprintf(why, why_size, "%s: %s (see 'rappel devices')", text,
             matches == 0 ? "no such capture device" : "several capture devices match that name");
    return paNoDevice;
}

rpl_status rpl_source_live_open(const rpl_source_live_config *cfg, rpl_source_live **out, char *why,
                                size_t why_size)
{
    if (why_size > 0) {
        why[0] = '\0';
    }
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || cfg->channels < 0 || cfg->channels > 16 ||
        (cfg->rate_hz != 0.0 && !(cfg->rate_hz >= 8000.0 && cfg->rate_hz <= 192000.0))) {
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_INVALID_ARG));
        return RPL_ERR_INVALID_ARG;
    }
    PaError err = Pa_Initialize();
    if (err != paNoError) {
        snprintf(why, why_size, "cannot start PortAudio: %s", Pa_GetErrorText(err));
        return RPL_ERR_DEVICE;
    }
    rpl_status status = RPL_OK;
    rpl_source_live *src = calloc(1, sizeof *src);
    if (src == NULL) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(why, why_size, "%s", rpl_strerror(status));
        goto fail;
    }
    atomic_init(&src->callbacks, 0);
    atomic_init(&src->input_overflows, 0);
    atomic_init(&src->last_callback_ns, 0);
    atomic_init(&src->finished, false);
    atomic_init(&src->abandoned, false);
    atomic_init(&src->in_callback, false);
    PaDeviceIndex dev = find_device(cfg->device, why, why_size);
    if (dev < 0) {
        status = RPL_ERR_NOT_FOUND;
        goto fail;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(dev);
    const PaHostApiInfo *h = d != NULL ? Pa_GetHostApiInfo(d->hostApi) : NULL;
    if (d == NULL || d->maxInputChannels < 1) {
        status = RPL_ERR_NOT_FOUND;
        snprintf(why, why_size, "%s: not a capture device", d != NULL ? d->name : "?");
        goto fail;
    }
    rpl_source_live_info *info = &src->info;
    info->device_index = dev;
    snprintf(info->device_name, sizeof info->device_name, "%s", d->name);
    snprintf(info->host_api, sizeof info->host_api, "%s", h != NULL ? h->name : "?");
    info->channels = cfg->channels > 0 ? cfg->channels : (d->maxInputChannels >= 2 ? 2 : 1);
    if (info->channels > d->maxInputChannels) {
        status = RPL_ERR_CHANNELS;
        snprintf(why, why_size, "%s: has %d input channel%s, %d asked", d->name,
                 d->maxInputChannels, d->maxInputChannels == 1 ? "" : "s", info->channels);
        goto fail;
    }
    PaStreamParameters in = {.device = dev,
                             .channelCount = info->channels,
                             .sampleFormat = paFloat32,
                             .suggestedLatency = d->defaultLowInputLatency,
                             .hostApiSpecificStreamInfo = NULL};
    double rates[2] = {cfg->rate_hz > 0 ? cfg->rate_hz : d->defaultSampleRate,
                       d->defaultSampleRate};
    err = paInvalidSampleRate;
    for (int k = 0; k < 2 && err != paNoError; k++) {
        double rate = rates[k];
        if (k == 1 && rate == rates[0]) {
            break;
        }
        if (!(rate >= 8000.0 && rate <= 192000.0)) {
            err = paInvalidSampleRate;
            continue;
        }
        err = Pa_IsFormatSupported(&in, NULL, rate);
        if (err == paFormatIsSupported) {
            err = Pa_OpenStream(&src->stream, &in, NULL, rate, (unsigned long)(rate / 25.0),
                                paClipOff, capture_callback, src);
        }
        if (err == paNoError) {
            info->rate_hz = rate;
            info->rate_fallback = k == 1;
        } else if (k == 0) {
            snprintf(info->refused_why, sizeof info->refused_why, "%s", Pa_GetErrorText(err));
            if (err != paInvalidSampleRate && err != paSampleFormatNotSupported &&
                err != paInvalidChannelCount && err != paBadIODeviceCombination) {
                break; /* not about the rate: the device itself failed */
            }
        }
    }
    if (err != paNoError) {
        status = err == paInvalidSampleRate ? RPL_ERR_RATE : RPL_ERR_DEVICE;
        if (err == paInvalidSampleRate) {
            snprintf(why, why_size, "%s: refuses %.0f Hz and its default %.0f Hz (%s)", d->name,
                     rates[0], rates[1], Pa_GetErrorText(err));
        } else {
            snprintf(why, why_size, "%s: cannot open the capture stream: %s", d->name,
                     Pa_GetErrorText(err));
        }
        src->stream = NULL;
        goto fail;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(src->stream);
    info->input_latency_s = si != NULL ? si->inputLatency : 0.0;
    Pa_SetStreamFinishedCallback(src->stream, finished_callback);
    *out = src;
    return RPL_OK;
fail:
    free(src);
    Pa_Terminate();
    return status;
}

const rpl_source_live_info *rpl_source_live_info_get(const rpl_source_live *src)
{
    return &src->info;
}

rpl_status rpl_source_live_start(rpl_source_live *src, rpl_ring *ring, char *why, size_t why_size)
{
    if (src == NULL || ring == NULL || rpl_ring_channels(ring) != src->info.channels ||
        src->started) {
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_INVALID_ARG));
        return RPL_ERR_INVALID_ARG;
    }
    src->ring = ring;
    src->started_ns = rpl_ring_now_ns();
    PaError err = Pa_StartStream(src->stream);
    if (err != paNoError) {
        snprintf(why, why_size, "%s: cannot start capturing: %s", src->info.device_name,
                 Pa_GetErrorText(err));
        return RPL_ERR_DEVICE;
    }
    src->started = true;
    return RPL_OK;
}

bool rpl_source_live_alive(rpl_source_live *src, double stall_s, char *why, size_t why_size)
{
    if (!src->started || src->stopped) {
        return false;
    }
    PaError active = Pa_IsStreamActive(src->stream);
    if (active != 1 || atomic_load(&src->finished)) {
        snprintf(why, why_size, "%s: the capture stream stopped%s%s", src->info.device_name,
                 active < 0 ? ": " : "", active < 0 ? Pa_GetErrorText(active) : "");
        src->gone = true;
        return false;
    }
    int64_t last = atomic_load_explicit(&src->last_callback_ns, memory_order_relaxed);
    int64_t since = last != 0 ? last : src->started_ns;
    double silent_s = (double)(rpl_ring_now_ns() - since) / 1e9;
    if (silent_s > stall_s) {
        snprintf(why, why_size, "%s: no audio from the device for %.1f s (device gone?)",
                 src->info.device_name, silent_s);
        src->gone = true;
        return false;
    }
    return true;
}

uint64_t rpl_source_live_callbacks(const rpl_source_live *src)
{
    return atomic_load_explicit(&src->callbacks, memory_order_relaxed);
}

uint64_t rpl_source_live_input_overflows(const rpl_source_live *src)
{
    return atomic_load_explicit(&src->input_overflows, memory_order_relaxed);
}

void rpl_source_live_stop(rpl_source_live *src)
{
    if (src != NULL && src->started && !src->stopped) {
        /* A device that went away may never drain a stop, and aborting it can hang for ever:
         * when a PulseAudio server dies, ALSA's pulse plugin has been seen to leave the
         * capture thread waiting on a lock that the plugin's own thread never releases, and
         * Pa_AbortStream joins that thread. The call must still be closed and stored, so the
         * callback is told to stop (it writes nothing more and asks PortAudio to end), and the
         * stream is aborted only once its thread is seen to finish; a thread that does not
         * within 2 s is left running, with this struct, to the process's exit. */
        if (src->gone) {
            atomic_store(&src->abandoned, true);
            for (int i = 0;
                 i < 2000 && (atomic_load(&src->in_callback) || !atomic_load(&src->finished));
                 i++) {
                Pa_Sleep(1);
            }
            src->left_running = !atomic_load(&src->finished) || atomic_load(&src->in_callback);
            if (!src->left_running) {
                Pa_AbortStream(src->stream);
            }
        } else {
            Pa_StopStream(src->stream);
        }
        src->stopped = true;
    }
}

void rpl_source_live_close(rpl_source_live *src)
{
    if (src == NULL) {
        return;
    }
    rpl_source_live_stop(src);
    if (src->left_running) {
        return; /* closing would join the stuck thread; its callback still reads src */
    }
    Pa_CloseStream(src->stream);
    free(src);
    Pa_Terminate();
}
