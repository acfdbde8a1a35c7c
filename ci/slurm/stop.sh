#!/usr/bin/env bash
# Stop the single-node Slurm cluster that ci/slurm/start.sh started: slurmd, slurmctld and (only
# if start.sh started it) munged, each by the PID in its pid file, waiting until it has exited.
# Nothing is stopped by name. Safe to run twice.
set -euo pipefail

STATE=${SLURM_CI_DIR:-/var/lib/slurm-ci}

stop_pidfile() {
    local name=$1 file=$2 pid i
    if [ ! -s "$file" ]; then
        echo "slurm-ci: $name: no pid file $file"
        return
    fi
    pid=$(cat "$file")
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "slurm-ci: $name (pid $pid) not running"
        rm -f "$file"
        return
    fi
    kill -TERM "$pid"
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { echo "slurm-ci: $name (pid $pid) stopped"; rm -f "$file"; return; }
        sleep 0.2
    done
    echo "slurm-ci: $name (pid $pid) still running after 20 s; sending KILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$file"
}

stop_pidfile slurmd "$STATE/slurmd.pid"
stop_pidfile slurmctld "$STATE/slurmctld.pid"
# $STATE/munged.pid exists only when start.sh started munged (a munged that was already running
# is left alone)
stop_pidfile munged "$STATE/munged.pid"
