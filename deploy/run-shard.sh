#!/bin/sh
# One shard of a Printshot campaign: every line of the campaign file is a `printshot attack`
# (its options without --shard and --out), run in order as shard K of N into one experiment
# folder, OUT_ROOT/shard-K. Every shard runs the same lines in the same order, which is what
# `printshot experiments merge` expects (the k-th run of every shard is one job). docs/scale.md.
#
# The shard comes from the scheduler:
#   SHARD_INDEX           1-based, when set by hand
#   JOB_COMPLETION_INDEX  Kubernetes Indexed Job, 0-based (so K = index + 1)
#   SLURM_ARRAY_TASK_ID   Slurm job array submitted as --array=1-N
# and N from SHARDS (Slurm: SLURM_ARRAY_TASK_COUNT). CAMPAIGN is the campaign file, OUT_ROOT the
# folder that receives shard-1 … shard-N; PRINTSHOT the command that runs the CLI.
#
# A retried shard (a pod rescheduled, a node lost) starts over from line 1: lines already done
# are skipped (a hidden marker per line in the shard folder), and a line that was cut short is
# resumed in place by the same printshot attack command. Do not edit the campaign file while its
# shards run: the markers are per line number.
set -eu

if [ -n "${SHARD_INDEX:-}" ]; then
  k=$SHARD_INDEX
elif [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  k=$((JOB_COMPLETION_INDEX + 1))
elif [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  k=$SLURM_ARRAY_TASK_ID
else
  echo "run-shard.sh: no shard index (set SHARD_INDEX, or run as a Kubernetes Indexed Job or a Slurm array task)" >&2
  exit 2
fi
n=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-}}
if [ -z "$n" ]; then
  echo "run-shard.sh: SHARDS (the number of shards) is not set" >&2
  exit 2
fi
campaign=${CAMPAIGN:?CAMPAIGN: the campaign file, one printshot attack per line}
out="${OUT_ROOT:?OUT_ROOT: the folder for shard-1 … shard-N}/shard-$k"
printshot=${PRINTSHOT:-node /app/bin/printshot.mjs}

echo "shard $k/$n: $campaign -> $out"
mkdir -p "$out"
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  case $line in '' | '#'*) continue ;; esac
  marker="$out/.done-line-$line_no"
  if [ -f "$marker" ]; then
    echo "shard $k/$n: line $line_no done already"
    continue
  fi
  echo "shard $k/$n: line $line_no: printshot attack $line"
  # Word splitting wanted: PRINTSHOT is a command with arguments, a line is the attack's options
  # (no option value may contain spaces).
  # shellcheck disable=SC2086
  $printshot attack $line --shard "$k/$n" --out "$out"
  : >"$marker"
done <"$campaign"
echo "shard $k/$n: done"
