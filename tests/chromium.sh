#!/bin/sh
# Debian's chromium for the browser tests, its --disable-features lists made one: Chromium keeps
# only the last --disable-features it is given, and Playwright passes a list of its own before
# the tests' (conftest.CHROMIUM_ARGS), which would otherwise drop Playwright's.
features=""
for arg; do
    shift
    case $arg in
        --disable-features=*) features="$features${features:+,}${arg#--disable-features=}" ;;
        *) set -- "$@" "$arg" ;;
    esac
done
exec /usr/bin/chromium ${features:+"--disable-features=$features"} "$@"
