#!/usr/bin/env bash
# Install everything rappel builds, tests and benchmarks with, from Debian 12 packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    build-essential cmake pkg-config clang clang-format libclang-rt-14-dev \
    libfftw3-dev libsndfile1-dev libsoxr-dev libcmocka-dev libinih-dev libcairo2-dev nettle-dev libsqlite3-dev portaudio19-dev \
    sqlite3 sox espeak-ng python3 python3-numpy python3-scipy \
    libasound2-plugins pulseaudio pulseaudio-utils util-linux jackd2 alsa-utils
