# Shared by the node benchmarks (bench-kubelet, bench-exec): a release
# build (the Swift runtime linked in, as scripts/install does; set
# SWIFT_BUILD_FLAGS= to measure dynamically linked binaries), and a controlplane plus one kubelet ("bench", 192.168.201.10,
# monitors and inits run by swiftrun: set RUNTIME_HELPER= to use the kubelet's own binary, its cgroups under /swk-bench-PID) in a
# throwaway network namespace; everything is removed on exit. Sets $N (the
# nsenter prefix), $bin, $dir, $kubelet_pid, KUBECONFIG.
# BENCH_FS=journaled puts the node's directories on a fresh journaled ext4
# image: on ext4 without a journal (this project's CI machines) the kernel
# skips every inode freed in the last minute or more when it allocates one,
# so a run soon after many deletions (the previous run's pods) is slower.
# Source it from a script that has done `cd` to the package root.
[ "$(id -u)" = 0 ] || { echo "$(basename "$0"): run as root" >&2; exit 1; }
. scripts/lib/netns.sh
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
[ -d rootfs/out/oci ] || rootfs/build >/dev/null
swift build -c release ${SWIFT_BUILD_FLAGS---static-swift-stdlib} --product controlplane >/dev/null
swift build -c release ${SWIFT_BUILD_FLAGS---static-swift-stdlib} --product kubelet >/dev/null
swift build -c release ${SWIFT_BUILD_FLAGS---static-swift-stdlib} --product nodectl >/dev/null
bin=$(swift build -c release ${SWIFT_BUILD_FLAGS---static-swift-stdlib} --show-bin-path)

ns=swk-bench-$$
dir=$(mktemp -d /tmp/bench-kubelet.XXXXXX)
chmod 755 "$dir"
cleanup() {
    set +e
    [ -n "${kubelet_pid:-}" ] && { KUBECONFIG=$dir/cp/admin.kubeconfig nsenter --net=/run/netns/$ns kubectl delete pods --all --grace-period=0 --wait=false >/dev/null 2>&1; sleep 8; kill $kubelet_pid; wait $kubelet_pid; }
    [ -n "${cp_pid:-}" ] && { kill $cp_pid; wait $cp_pid; }
    for c in $(ls $dir/kubelet/runtime 2>/dev/null); do $bin/../release/swiftrun --root $dir/kubelet/runtime delete --force $c 2>/dev/null; done
    grep -o "$dir[^ ]*" /proc/self/mounts | sort -r | xargs -r umount -l
    netns_delete "$dir" $ns
    for h in /sys/fs/cgroup/*/; do [ -d "$h$ns" ] && find "$h$ns" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    rm -rf "$dir" "$dir.img"
}
trap cleanup EXIT
if [ "${BENCH_FS:-}" = journaled ]; then
    truncate -s 8G "$dir.img" && mkfs.ext4 -q -F "$dir.img" && mount -o loop "$dir.img" "$dir" && chmod 755 "$dir"
else
    dev=$(df --output=source "$dir" | tail -1)
    if [ "$(stat -f -c %T "$dir")" = ext2/ext3 ] && ! ls /proc/fs/jbd2 | grep -q "^$(basename "$dev")-"; then
        echo "note: $dir is on ext4 without a journal, where runs soon after many deletions are slower; BENCH_FS=journaled uses a fresh journaled image" >&2
    fi
fi
swift build -c release ${SWIFT_BUILD_FLAGS---static-swift-stdlib} --product swiftrun >/dev/null
# A binary just written by the linker is wholly in the page cache, and the
# kernel maps cached pages around every page a process touches (fault-around),
# so the kubelet's RSS would depend on the last build: start from a cold cache
# for the binaries, as after a reboot (a freshly built or installed binary adds ~4 MiB). A page
# still dirty from the linker cannot be dropped, so each binary is written back first.
python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' \
    $bin/controlplane $bin/kubelet $bin/swiftrun $bin/nodectl

netns_add "$dir" $ns
ip netns exec $ns sh -c 'ip link set lo up; ip link add eth0 type veth peer name eth0p; ip addr add 192.168.201.10/24 dev eth0; ip link set eth0 up; ip link set eth0p up'
N="nsenter --net=/run/netns/$ns"
$N $bin/controlplane --data-dir $dir/cp --secure-port 16443 --log-level warning >$dir/cp.log 2>&1 &
cp_pid=$!
export KUBECONFIG=$dir/cp/admin.kubeconfig
until $N kubectl get --raw /readyz >/dev/null 2>&1; do sleep 0.2; done
$bin/nodectl import --root-dir $dir/kubelet rootfs/out/oci --name busybox >/dev/null
$N $bin/kubelet --apiserver https://127.0.0.1:16443 --token-file $dir/cp/node-token --ca-file $dir/cp/ca.crt --node-name bench \
    --node-ip 192.168.201.10 --root-dir $dir/kubelet --pod-log-dir $dir/logs --pod-cidr 10.244.200.0/24 --max-pods 250 \
    ${RUNTIME_HELPER-"--runtime-helper=$bin/swiftrun"} --cgroup-root /$ns \
    --log-level warning >$dir/kubelet.log 2>&1 &
kubelet_pid=$!
until [ "$($N kubectl get node bench -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; do sleep 0.2; done

