# Sourced by the run.sh of a benchmark that has floor servers (a package of servers doing the same job with no
# fedns code). `floor_arguments PACKAGE "$@"` copies the arguments into the array `arguments`, turning `--floors`
# into `--floors DIR` once PACKAGE is built in release (DIR: its binaries).
floor_arguments() {
    local package=$1
    shift
    arguments=()
    for argument in "$@"; do
        if [ "$argument" = "--floors" ]; then
            swift build -c release --package-path "$package" 2>&1 | tail -1
            arguments+=(--floors "$(swift build -c release --package-path "$package" --show-bin-path)")
        else
            arguments+=("$argument")
        fi
    done
}
