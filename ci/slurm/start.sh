#!/usr/bin/env bash
# Bring up a single-node Slurm cluster on this machine (munge + slurmctld + slurmd), for the CI
# test of the workflow through `snakemake --executor slurm` (tests/workflow_slurm/). Root only.
#
# Idempotent: packages are installed only when missing, a running munged is reused, and daemons
# whose pid file points at a live process are left alone. Stop everything with ci/slurm/stop.sh.
#
# Settings that work in a container (no systemd, no cgroup delegation, no slurmdbd):
#   ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
#   AccountingStorageType=accounting_storage/none (so `sacct` has nothing: job status comes
#   from squeue, which keeps finished jobs for MinJobAge seconds).
# SelectType=select/cons_tres with CR_Core_Memory makes the jobs' mem_mb requests count.
#
# Environment: SLURM_CI_DIR (state, spool, logs, pid files; default /var/lib/slurm-ci),
# SLURM_CI_PARTITION (default debug), SLURM_CI_FORCE=1 to replace a slurm.conf this script
# did not write.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # munged, slurmctld, slurmd live there

STATE=${SLURM_CI_DIR:-/var/lib/slurm-ci}
PARTITION=${SLURM_CI_PARTITION:-debug}
CONF=/etc/slurm/slurm.conf
MARK="# written by ci/slurm/start.sh"

say() { echo "slurm-ci: $*"; }
die() { echo "slurm-ci: ERROR $*" >&2; exit 1; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages, writes $CONF and starts daemons)"

install_packages() {
    if command -v munged >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || die "munge/slurm missing and no apt-get to install them"
    say "installing munge and slurm-wlm"
    apt-get update -qq
    # policy-rc.d exit 101: the packages must not start their services (this script starts the
    # daemons itself, with its own config); a policy-rc.d already in place is left as it is
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends munge slurm-wlm >/dev/null
    [ -z "$policy" ] || rm -f "$policy"
}

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        say "munged already running"
        return
    fi
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    install -d -o munge -g munge -m 0755 /run/munge
    if [ ! -s /etc/munge/munge.key ]; then
        say "creating /etc/munge/munge.key"
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    # remembered so that stop.sh only stops a munged this script started
    cp /run/munge/munged.pid "$STATE/munged.pid"
    munge -n </dev/null | unmunge >/dev/null || die "munged does not answer"
    say "munged started (pid $(cat "$STATE/munged.pid"))"
}

node_line() {
    # The node's topology as slurmd sees it (a mismatch would drain the node), with RealMemory
    # set to 90% of the memory available now, so other work on the machine keeps its share.
    local topo avail_mb
    topo=$(slurmd -C | head -1 | sed -e 's/ RealMemory=[0-9]*//')
    avail_mb=$(awk '/^MemAvailable:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
    echo "$topo NodeAddr=127.0.0.1 RealMemory=$avail_mb State=UNKNOWN"
}

write_conf() {
    local host
    host=$(hostname -s)
    if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF" && [ "${SLURM_CI_FORCE:-0}" != 1 ]; then
        die "$CONF exists and was not written by this script; set SLURM_CI_FORCE=1 to replace it"
    fi
    mkdir -p /etc/slurm
    cat >"$CONF" <<CONF
$MARK (single-node CI cluster)
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
# a throwaway single-node cluster: the daemons run as root, so no slurm user or chown is needed
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# container-friendly: no cgroups, no accounting database
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# finished jobs stay visible to squeue this long (Snakemake's slurm executor polls squeue)
MinJobAge=600
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$(node_line)
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    say "wrote $CONF"
}

wait_for_node() {
    local host state i
    host=$(hostname -s)
    for i in $(seq 1 60); do
        state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
        case "$state" in
            idle|mix|alloc|comp) say "node $host is $state"; return ;;
            drain*|down*|fail*)
                scontrol show node "$host" | grep -i reason >&2 || true
                die "node $host is $state" ;;
        esac
        sleep 1
    done
    tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 || true
    die "node $host not idle after 60 s (state '${state}')"
}

main() {
    install_packages
    mkdir -p "$STATE/ctld" "$STATE/slurmd"
    start_munge
    if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid"; then
        say "slurmctld and slurmd already running"
    else
        alive "$STATE/slurmctld.pid" || alive "$STATE/slurmd.pid" \
            || write_conf
        alive "$STATE/slurmctld.pid" || slurmctld -f "$CONF"
        alive "$STATE/slurmd.pid" || slurmd -f "$CONF"
        say "slurmctld pid $(cat "$STATE/slurmctld.pid" 2>/dev/null || echo '?'), slurmd pid $(cat "$STATE/slurmd.pid" 2>/dev/null || echo '?')"
    fi
    wait_for_node
    timeout 120 srun -N1 -n1 -t 1 hostname >/dev/null || die "srun hostname failed"
    say "ready: srun works; partition $PARTITION"
}

main "$@"
