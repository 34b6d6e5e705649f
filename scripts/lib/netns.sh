# Named network namespaces that leave the host's mounts as they were.
#
# `ip netns add` makes /run/netns a mount of its own the first time it runs on
# a host. netns_add notes in STATE_DIR when it was this project's call that
# made it, and netns_delete unmounts it only then (and only once no namespace
# is left in it): a /run/netns that was there before stays.

# netns_add STATE_DIR NAME: `ip netns add NAME`.
netns_add() {
    mountpoint -q /run/netns 2>/dev/null || : >"$1/netns-mount-made"
    ip netns add "$2"
}

# netns_delete STATE_DIR NAME…: deletes the named network namespaces, then
# the /run/netns mount if netns_add made it and it is empty.
netns_delete() {
    local state=$1 ns; shift
    for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
    if [ -e "$state/netns-mount-made" ] && mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
    fi
    rm -f "$state/netns-mount-made"
}
