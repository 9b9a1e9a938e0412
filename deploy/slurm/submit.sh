#!/bin/bash
# Submits a sharded Printshot campaign to Slurm: N array tasks (shards.sbatch), then the merge
# (merge.sbatch), which waits for all of them (afterok). Run from the repository root:
#
#   deploy/slurm/submit.sh 4                      # 4 shards of deploy/campaign.txt
#   CAMPAIGN=my-campaign.txt deploy/slurm/submit.sh 16
#
# CAMPAIGN, OUT_ROOT, PRINTSHOT and PRINTSHOT_BACKEND pass through to the jobs (sbatch exports
# the submitting environment by default).
set -euo pipefail

n=${1:?usage: deploy/slurm/submit.sh N (the number of shards)}
case $n in '' | *[!0-9]* | 0) echo "submit.sh: N must be a positive integer, got '$n'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --array="1-$n" "$here/shards.sbatch")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch")
echo "shards: job array $array (1-$n); merge: job ${merge%%;*}, after all of them succeed"
