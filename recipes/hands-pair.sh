# Sourced by the recipes that train a pair of hands readers (kinds-low.sh, kinds-budget.sh, kinds-budget2.sh,
# kinds-budget3.sh, kinds-budget4.sh, randconv.sh, fitted-hands.sh, fitted-hands2.sh, nearest.sh,
# nearest-seeds.sh, hand-masks.sh, wise-finetune.sh, wise-heads.sh, mixed-fresh.sh): the two trainings run at once, one thread each, from a git worktree WT with this checkout's
# runs/ beside it (ln -s "$PWD/runs" WT/runs); each gets the joint decode with
# hands2's weight (points_weight 0.5), and the pair is joined by `clockreader ensemble`. A finished member or
# ensemble is skipped; RESUME=--resume continues.
#
#   hands_pair WT ENSEMBLE "OUT1 FROM1 SEED1" "OUT2 FROM2 SEED2" [TRAIN ARGS...]
#
# FROM is a folder with model.safetensors, relative to WT (checkpoints/reader-16, runs/hands2X).
_hands_train() {  # wt out from seed args...
  local wt=$1 out=$2 from=$3 seed=$4; shift 4
  [ -f "runs/$out/model.onnx" ] && return 0
  (cd "$wt" && OMP_NUM_THREADS=1 PYTHONPATH="$PWD/src" python -m clockreader train --pretrained "$from/model.safetensors" \
    --size 192 --turned 0.3 --data synthetic --hands --seed "$seed" --out "runs/$out" "$@" ${RESUME:-})
}

hands_pair() {
  local wt=$1 ens=$2 first second
  local -a a=($3) b=($4)
  shift 4
  _hands_train "$wt" "${a[@]}" "$@" >> "runs/${a[0]}.log" 2>&1 & first=$!
  _hands_train "$wt" "${b[@]}" "$@" >> "runs/${b[0]}.log" 2>&1 & second=$!
  wait "$first"; wait "$second"   # a failed training stops the recipe here
  for r in "${a[0]}" "${b[0]}"; do
    python -c "import json,sys; p=sys.argv[1]; d=json.load(open(p)); d['points_weight']=0.5; json.dump(d, open(p,'w'), indent=2)" "runs/$r/model.json"
  done
  [ -f "runs/$ens/model.onnx" ] || clockreader ensemble "runs/${a[0]}" "runs/${b[0]}" --out "runs/$ens"
}
