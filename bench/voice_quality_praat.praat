# Praat's voice report values for a list of WAV files, one line per file:
#   file jitter_local_pct shimmer_local_db hnr_cc_db intensity_mean_db
#   praat --run voice_quality_praat.praat LIST OUTFILE [INTENSITY_DIR]
# LIST: one WAV path per line. Settings are Praat's voice-report defaults: To PointProcess
# (periodic, cc) 75-500 Hz (rappel's tracker ceiling); jitter/shimmer with period floor
# 0.0001 s, ceiling 0.02 s, max period factor 1.3, max amplitude factor 1.6; To Harmonicity
# (cc) time step 0.01 s, min pitch 75 Hz, silence threshold 0.1, 1.0 period per window, mean
# over its voiced frames; To Intensity min pitch 100 Hz, time step 0.01 s, mean subtracted,
# energy-averaged mean in dB SPL (re 2e-5: a full-scale sine reads 90.97 dB). When
# INTENSITY_DIR is not empty, each file's intensity frames go to INTENSITY_DIR/<base>.int.
form Voice report list
    sentence list
    sentence outfile
    sentence intdir
endform
strings = Read Strings from raw text file: list$
n = Get number of strings
deleteFile: outfile$
for i to n
    selectObject: strings
    path$ = Get string: i
    sound = Read from file: path$
    pp = To PointProcess (periodic, cc): 75, 500
    jit = Get jitter (local): 0, 0, 0.0001, 0.02, 1.3
    selectObject: sound, pp
    shim = Get shimmer (local_dB): 0, 0, 0.0001, 0.02, 1.3, 1.6
    selectObject: sound
    harm = To Harmonicity (cc): 0.01, 75, 0.1, 1.0
    hnr = Get mean: 0, 0
    selectObject: sound
    int = To Intensity: 100, 0.01, "yes"
    imean = Get mean: 0, 0, "energy"
    if intdir$ <> ""
        base$ = replace_regex$(path$, "^.*/", "", 0)
        base$ = replace_regex$(base$, "\.wav$", "", 0)
        out$ = intdir$ + "/" + base$ + ".int"
        deleteFile: out$
        nf = Get number of frames
        text$ = ""
        for f to nf
            t = Get time from frame number: f
            v = Get value in frame: f
            text$ = text$ + fixed$(t, 4) + " " + fixed$(v, 3) + newline$
        endfor
        writeFile: out$, text$
    endif
    appendFileLine: outfile$, path$, " ", fixed$(jit * 100, 4), " ", fixed$(shim, 4), " ", fixed$(hnr, 3), " ", fixed$(imean, 3)
    removeObject: sound, pp, harm, int
endfor
