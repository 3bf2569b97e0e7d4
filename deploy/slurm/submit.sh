#!/bin/bash
# Submits one run of SUITE as SHARDS array tasks and a merge that waits for
# all of them:
#
#   deploy/slurm/submit.sh nightly            # 8 shards into ./results
#   SHARDS=16 OUT=/scratch/eb deploy/slurm/submit.sh quick --limit 50
#
# Arguments after the suite go to engrambench run. Slurm gives: one log
# per shard (engrambench-<array>_<task>.log), requeueing of failed or
# preempted tasks, and the merge only after every shard has ended.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SUITE=${1:-nightly}
shift || true
SHARDS=${SHARDS:-8}
OUT=${OUT:-$PWD/results}
mkdir -p "$OUT"

array=$(sbatch --parsable --array="0-$((SHARDS - 1))" --export="ALL,SUITE=$SUITE,OUT=$OUT" "$here/engrambench-shards.sbatch" "$@")
array=${array%%;*} # --parsable prints JOBID or JOBID;CLUSTER
run_id="$SUITE-$array"
merge=$(sbatch --parsable --dependency="afterany:$array" --export="ALL,RUN_ID=$run_id,OUT=$OUT" "$here/engrambench-merge.sbatch")
merge=${merge%%;*}

echo "run $run_id: $SHARDS shards in array job $array, merge in job $merge; results in $OUT/$run_id"
