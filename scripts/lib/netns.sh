# netns_delete NAME…: deletes named network namespaces, then the /run/netns
# mount `ip netns add` made on first use, once no namespace is left in it.
netns_delete() {
    local ns
    for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
    if mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
    fi
}
