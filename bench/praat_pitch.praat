# Praat pitch for a list of WAV files: one "time f0" line per frame (f0 0 when unvoiced).
#   praat --run praat_pitch.praat LIST OUTDIR METHOD FLOOR CEILING
# LIST: one WAV path per line; OUTDIR/<basename>.f0 gets the frames. METHOD: ac (Praat's
# defaults for To Pitch (ac)) or cc (To Pitch (cc), "very accurate" on: the reference).
form Pitch list
    sentence list
    sentence outdir
    word method ac
    real floor 75
    real ceiling 600
endform
strings = Read Strings from raw text file: list$
n = Get number of strings
for i to n
    selectObject: strings
    path$ = Get string: i
    sound = Read from file: path$
    if method$ = "cc"
        pitch = To Pitch (cc): 0.01, floor, 15, "yes", 0.03, 0.45, 0.01, 0.35, 0.14, ceiling
    else
        pitch = To Pitch (ac): 0.01, floor, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, ceiling
    endif
    nf = Get number of frames
    base$ = replace_regex$(path$, "^.*/", "", 0)
    base$ = replace_regex$(base$, "\.wav$", "", 0)
    out$ = outdir$ + "/" + base$ + ".f0"
    deleteFile: out$
    text$ = ""
    for f to nf
        t = Get time from frame number: f
        v = Get value in frame: f, "Hertz"
        if v = undefined
            v = 0
        endif
        text$ = text$ + fixed$(t, 4) + " " + fixed$(v, 3) + newline$
    endfor
    writeFile: out$, text$
    removeObject: sound, pitch
endfor
