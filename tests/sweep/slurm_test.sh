#!/bin/bash
# Real single-node Slurm test of `skipopu-sweep slurm`: munged, slurmctld and slurmd on
# localhost, as root, with every file in a temporary folder; the sweep is submitted as a
# job array, merged, and compared with a local run of the same spec. Stops everything it
# started (by PID) on exit. Exit 77 = skipped (not root).
# usage: slurm_test.sh SKIPOPU_BIN REPO
set -u
BIN=$1
REPO=$2
if [ "$(id -u)" != 0 ]; then echo "slurm test: needs root (skipped)"; exit 77; fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
   || ! command -v sbatch >/dev/null; then
  echo "slurm test: installing slurm-wlm and munge"
  timeout 300 apt-get install -y -q slurm-wlm munge >/dev/null || { echo "slurm test: apt-get install failed"; exit 1; }
fi
T=$(mktemp -d /tmp/skipopu-slurm-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "slurm test: FAIL: $*"; for f in "$T"/*.log "$T"/r.jsonl.slurm/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CPORT=$(free_port); DPORT=$(free_port)
while [ "$DPORT" = "$CPORT" ]; do DPORT=$(free_port); done
HOST=$(hostname -s)
mkdir -p "$T/state" "$T/spool"
head -c 1024 /dev/urandom > "$T/munge.key"; chmod 400 "$T/munge.key"
munged --force --key-file="$T/munge.key" --socket="$T/munge.sock" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge.seed" --foreground &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/munge.sock" ] && break; sleep 0.1; done
[ -S "$T/munge.sock" ] || fail "munged did not start"

cat > "$T/slurm.conf" <<CONF
ClusterName=skipopu-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CPORT
SlurmdPort=$DPORT
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$HOST" >"$T/slurmd.out.log" 2>&1 &
PIDS+=($!)
ok=0
for _ in $(seq 60); do
  st=$(timeout 5 sinfo -h -o %t 2>/dev/null | head -1)
  [ "$st" = "idle" ] && { ok=1; break; }
  sleep 0.5
done
[ $ok = 1 ] || fail "node not idle after 30 s (state '$st')"

SPEC=$REPO/tests/sweep/specs/tiny.json
SW="/usr/bin/python3 $REPO/tools/sweep/skipopu_sweep.py"
timeout 240 $SW slurm "$SPEC" --out "$T/r.jsonl" --array 3 --timeout 200 --skipopu "$BIN" || fail "slurm sweep failed"
timeout 120 $SW run "$SPEC" --out "$T/local.jsonl" --skipopu "$BIN" --quiet || fail "local sweep failed"
# Every task ran (one shard file each), and the merge equals the local run point for point.
for i in 0 1 2; do [ -s "$T/r.jsonl.slurm/shard-$i.jsonl" ] || fail "no results from array task $i"; done
/usr/bin/python3 - "$T/r.jsonl" "$T/local.jsonl" <<'PY' || fail "slurm and local results differ"
import json, sys
def load(p):
    return {r["key"]: r for r in map(json.loads, open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert len(a) == 12 and set(a) == set(b), (len(a), len(b))
for k in a:
    assert a[k]["status"] == b[k]["status"] == "ok", (k, a[k]["status"], b[k]["status"])
    assert a[k]["metrics"] == b[k]["metrics"], k
    assert a[k]["resources"] == b[k]["resources"], k
    # each task kept its points' reports next to the merged results (paths relative to it)
    import gzip, os
    rep = json.loads(gzip.open(os.path.join(os.path.dirname(sys.argv[1]), a[k]["report"])).read())
    assert rep["stats"]["groups"]["summary"]["stats"]["tokens_per_s"]["value"] == a[k]["metrics"]["tokens_per_s"], k
print("slurm test: 12 points over a 3-task job array, identical to the local run")
PY
echo "slurm test: PASS"
