#!/usr/bin/env bash
# Builds the libFuzzer driver (release, -sanitize=fuzzer,address) and fuzzes one target, or each in turn:
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer options...]     e.g. fuzz/run.sh dns 600
#   fuzz/run.sh all SECONDS                               each target for SECONDS
#   fuzz/run.sh minimise TARGET|all                       shrink the committed corpus, without fuzzing
#
# Targets: dns dns-tcp http aws-xml config snapshot addressbook aws-config credential-process (fuzz/README.md).
# libFuzzer works in .build/fuzz/work/TARGET, starting from the committed corpus fuzz/corpus/TARGET; at the end the
# corpus is minimised over both (see minimise; commit the result), and an input that crashed,
# hung or broke an invariant is written there as crash-* / timeout-* / oom-* (keep it, and add a named unit test in
# the module it hit). The last line for each target is `target=T execs=N crashes=C edges=E`; the full log is
# .build/fuzz/work/TARGET.log. Exit status: 0 when no target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(dns dns-tcp http aws-xml config snapshot addressbook aws-config credential-process)
if [ $# -lt 2 ]; then
    echo "usage: $0 TARGET|all SECONDS [libFuzzer options...]  (targets: ${all_targets[*]})" >&2
    exit 64
fi
target=$1
seconds=$2
shift 2

scratch=.build/fuzz
# Swift code is instrumented for coverage and ASan; the C++ of TOMLKit (toml++, which parses the configuration) for
# coverage too, so that the config target is guided inside the TOML parser. Other C code (BoringSSL, SQLite, NIO's
# shims) is not instrumented: none of it parses what these targets feed.
build() {
    echo "== building the fuzz driver (release, -sanitize=fuzzer,address) in $scratch" >&2
    FEDNS_FUZZ=1 swift build -c release --scratch-path "$scratch" --product fedns-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -g \
        -Xcxx -fsanitize=fuzzer-no-link >&2
}

# The longest input worth trying: a UDP query fits in 2,048 bytes (the server reads no more); streams and files hold
# several items.
max_len() {
    case $1 in
    dns) echo 2048 ;;
    aws-xml) echo 16384 ;;
    *) echo 8192 ;;
    esac
}

# The committed corpus is kept small (every `swift test` replays it): the seeds, every input that ever crashed, and
# the fewest other inputs that reach all the coverage of the corpus and of the run's work directory (libFuzzer's
# greedy set cover), replacing the kept inputs of earlier runs.
minimise() {
    local name=$1 corpus=fuzz/corpus/$1 fresh=$scratch/work/$1.min
    shift
    local binary
    binary="$(FEDNS_FUZZ=1 swift build -c release --scratch-path "$scratch" --show-bin-path)/fedns-fuzz"
    rm -rf "$fresh" && mkdir -p "$fresh"
    find "$corpus" -maxdepth 1 -type f \( -name 'seed-*' -o -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
        -exec cp {} "$fresh/" \;
    if ASAN_OPTIONS=detect_leaks=0 FEDNS_FUZZ_TARGET=$name "$binary" -set_cover_merge=1 -max_len="$(max_len "$name")" \
        "$fresh" "$corpus" "$@" >"$scratch/work/$name.merge.log" 2>&1; then
        find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' ! -name 'crash-*' ! -name 'timeout-*' ! -name 'oom-*' -delete
        find "$fresh" -maxdepth 1 -type f ! -name 'seed-*' ! -name 'crash-*' ! -name 'timeout-*' ! -name 'oom-*' \
            -exec cp {} "$corpus/" \;
        echo "== $corpus: $(find "$corpus" -maxdepth 1 -type f | wc -l) files" >&2
    else
        echo "minimising $corpus failed (kept as it was): see $scratch/work/$name.merge.log" >&2
    fi
}

run_one() {
    local name=$1 corpus=fuzz/corpus/$1 work=$scratch/work/$1 log=$scratch/work/$1.log
    shift  # the rest are libFuzzer options
    local binary
    binary="$(FEDNS_FUZZ=1 swift build -c release --scratch-path "$scratch" --show-bin-path)/fedns-fuzz"
    mkdir -p "$work" "$corpus"
    local options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="$corpus/" -max_len="$(max_len "$name")")
    [ -f "fuzz/dict/$name.dict" ] && options+=(-dict="fuzz/dict/$name.dict")
    local before
    before=$(find "$corpus" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    echo "== fuzzing $name for $seconds s (log: $log)" >&2
    # Swift's runtime keeps metadata caches that LeakSanitizer would report at exit: leaks are not checked.
    set +e
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 FEDNS_FUZZ_TARGET=$name \
        "$binary" "${options[@]}" "$@" "$work" "$corpus" >"$log" 2>&1
    local status=$?
    set -e
    local after
    after=$(find "$corpus" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    local crashes=$((after - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi  # died without leaving an input (reported in the log)
    local execs edges
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$crashes" -ne 0 ]; then
        grep -E 'INVARIANT VIOLATION|ERROR: AddressSanitizer|Fatal error|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    else
        minimise "$name" "$work"
    fi
    echo "target=$name execs=${execs:-0} crashes=$crashes edges=${edges:-0}"
    [ "$crashes" -eq 0 ]
}

build
if [ "$target" = minimise ]; then  # fuzz/run.sh minimise TARGET|all: shrink committed corpora without fuzzing
    if [ "$seconds" = all ]; then for name in "${all_targets[@]}"; do minimise "$name"; done; else minimise "$seconds"; fi
    exit 0
fi
if [ "$target" = all ]; then
    failed=0
    for name in "${all_targets[@]}"; do run_one "$name" "$@" || failed=1; done
    exit $failed
fi
case " ${all_targets[*]} " in
*" $target "*) run_one "$target" "$@" ;;
*) echo "unknown target $target (targets: ${all_targets[*]})" >&2; exit 64 ;;
esac
