# swift_build LOG ARGS...: `swift build ARGS...` with its progress shown and
# the noise left out. On a terminal the [N/M] counter updates one line; in a
# log (CI, `| tee`) a line every 10%. Warnings from dependencies are not
# shown (the project's own are CI's business: scripts/test fails on them);
# the whole output is kept in LOG, and its errors are printed on failure.
swift_build() {
    local log=$1; shift
    local status
    if [ -t 1 ]; then
        { swift build "$@" 2>&1 || echo "swift build exited $?"; } | tee "$log" | awk '
            /^\[[0-9]+\/[0-9]+\]/ { printf "\r\033[K  %s", substr($0, 1, 100); fflush() }
            END { printf "\r\033[K" }'
    else
        { swift build "$@" 2>&1 || echo "swift build exited $?"; } | tee "$log" | awk -v step=10 '
            /^\[[0-9]+\/[0-9]+\]/ {
                s = $1; gsub(/[][]/, "", s); split(s, a, "/")
                # SwiftPM first counts planning as a plan of its own ([1/1],
                # [2/2]), and grows the total as it goes: skip the former, and
                # start over only when the percentage falls far back (a new plan).
                if (a[2] <= 2) next
                p = int(100 * a[1] / a[2])
                if (p + 30 < mark) mark = 0
                if (p >= mark || a[1] == a[2]) { print "  build " p "% (" a[1] "/" a[2] ")"; fflush(); mark = p + step }
            }'
    fi
    # (The exit status travels in the log: the pipeline itself always succeeds,
    # so a caller's `set -e -o pipefail` cannot stop us before the errors are shown.)
    status=$(sed -n 's/^swift build exited //p' "$log" | tail -1)
    status=${status:-0}
    if [ "$status" != 0 ]; then
        grep -E "error:" -A3 "$log" | head -60 >&2
        echo "build failed (the whole output: $log)" >&2
    fi
    return "$status"
}

# build_estimate CONFIG [SCRATCH]: what a first build of everything costs
# here, said before it starts ("" once SCRATCH, default .build, holds a
# build of CONFIG). Measured on a 2-core machine from a fresh clone: release
# 9 min 42 s, debug 5 min 16 s.
build_estimate() {
    [ -d "${2:-.build}/$1" ] && return 0
    local cores per
    cores=$(nproc)
    per=20; [ "$1" = debug ] && per=11
    echo "about $(( (per + cores - 1) / cores )) minutes on $cores cores (the first build; later ones reuse it)"
}

# build_ingress_controller SCRATCH: the ingress controller's release binary,
# as installed and as benchmarked: the Swift runtime linked in, and whole-program
# (full LTO) optimization across SwiftNIO and the proxy, which takes about a
# quarter off the user-space CPU of each proxied request (NIO's generic channel
# code is inlined into the proxy's handlers; cross-module optimization alone
# did not change it). In its own SCRATCH: its dependencies are compiled for
# LTO, and the link alone takes minutes. Prints the binary's path.
build_ingress_controller() {
    local scratch=$1
    local flags=(-c release --static-swift-stdlib --experimental-lto-mode=full --scratch-path "$scratch")
    mkdir -p "$scratch"
    swift_build "$scratch/build.log" "${flags[@]}" --product ingress-controller >&2 || return
    echo "$(swift build "${flags[@]}" --show-bin-path)/ingress-controller"
}
