/* rappel — status codes shared by every module.
 *
 * Every fallible function returns an rpl_status: RPL_OK (0) on success, a negative code
 * otherwise. The list below is the single table of codes and messages; add new codes here
 * only (rpl_strerror and the test that every code has a message follow from it).
 */
#ifndef RAPPEL_STATUS_H
#define RAPPEL_STATUS_H

/* X(name, value, message) */
#define RPL_STATUS_LIST(X)                                                                         \
    X(RPL_OK, 0, "success")                                                                        \
    X(RPL_ERR_INVALID_ARG, -1, "invalid argument")                                                 \
    X(RPL_ERR_NO_MEMORY, -2, "out of memory")                                                      \
    X(RPL_ERR_IO, -3, "input/output error")                                                        \
    X(RPL_ERR_FORMAT, -4, "not a readable audio file")                                             \
    X(RPL_ERR_RATE, -5, "sample rate out of range (8000 to 192000 Hz)")                            \
    X(RPL_ERR_CHANNELS, -6, "channel count out of range (1 to 16)")                                \
    X(RPL_ERR_CHANNEL_INDEX, -7, "channel index out of range")                                     \
    X(RPL_ERR_EMPTY, -8, "no audio frames")                                                        \
    X(RPL_ERR_BAD_SAMPLES, -9, "non-finite sample values (NaN or infinity)")                       \
    X(RPL_ERR_RESAMPLE, -10, "resampler failure")                                                  \
    X(RPL_ERR_FFT, -11, "FFT planning failure")                                                    \
    X(RPL_ERR_DB, -12, "database error")                                                           \
    X(RPL_ERR_DB_VERSION, -13, "database was written by a newer rappel")                           \
    X(RPL_ERR_DB_BUSY, -14, "database is locked by another writer")                                \
    X(RPL_ERR_NOT_FOUND, -15, "not found")                                                         \
    X(RPL_ERR_TRANSITION, -16, "status change not allowed")                                        \
    X(RPL_ERR_DEVICE, -17, "audio device error")                                                   \
    X(RPL_ERR_CONFIG, -18, "invalid configuration")                                                \
    X(RPL_ERR_INTERRUPTED, -19, "interrupted")                                                     \
    X(RPL_ERR_EXISTS, -20, "already exists")

#define RPL_STATUS_ENUM_ENTRY(name, value, message) name = value,
typedef enum rpl_status { RPL_STATUS_LIST(RPL_STATUS_ENUM_ENTRY) } rpl_status;
#undef RPL_STATUS_ENUM_ENTRY

/* Human-readable message for a status code; never NULL ("unknown status" for codes not in
 * the table). The string is static: do not free it. Real-time safe. */
const char *rpl_strerror(rpl_status status);

/* Number of codes in the table and the code at position i (0 <= i < count); for tests and
 * documentation. Real-time safe. */
int rpl_status_count(void);
rpl_status rpl_status_at(int i);

#endif
