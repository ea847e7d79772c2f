#!/usr/bin/env bash
# PEFT loads the adapters OUR training loop wrote (trainer-parity's OurAdaptersExportTest, run by `mvn verify`):
# T5 LoRA and prompt tuning, Llama LoRA (rsLoRA, q_proj/v_proj/down_proj) and prompt tuning (CAUSAL_LM), GPT-2 LoRA
# (Conv1D, fan_in_fan_out), Llama DoRA with rank/alpha patterns and a trained lm_head copy (modules_to_save), GPT-2 with
# bias "all", embedding LoRA on wte and layers_to_transform. Each folder goes through PeftModel.from_pretrained on the
# same fixture base and PEFT's logits must equal ours (check_peft_loads_ours.py, 1e-4 abs). Run after `mvn -B -ntp
# verify`:
#   tools/reference/check_ours_with_peft.sh [REFERENCE_DEST]     (default /tmp/reference-python)
# Sets the reference Python up first (../shared/reference-python/setup.sh: Debian's PyTorch, ~3 min the first time);
# where that cannot be installed it says so and exits 0 with PEFT_CHECK_REQUIRED unset, 1 with it set.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=${1:-/tmp/reference-python}
setup=../shared/reference-python/setup.sh
out=trainer-parity/target/ours-for-peft
if [ ! -d "$out" ]; then
  echo "check_ours_with_peft: $out is missing: run mvn -B -ntp verify first" >&2
  exit 1
fi
if ! { [ -x "$setup" ] || [ -f "$setup" ]; } || ! bash "$setup" "$dest" >/tmp/reference-setup.log 2>&1; then
  echo "warning: the reference Python could not be set up ($setup; log /tmp/reference-setup.log):" \
       "PEFT did not check our adapters" >&2
  [ -n "${PEFT_CHECK_REQUIRED:-}" ] && exit 1
  exit 0
fi
t5=trainer-parity/src/test/resources/reference
causal=trainer-core/src/test/resources/reference/causal
check() {  # adapter folder name, base folder, inputs.json
  PYTHONPATH="$dest/site" /usr/bin/python3 tools/reference/check_peft_loads_ours.py "$out/$1" "$2" "$3" \
    "$out/$1-logits.safetensors"
}
failed=0
check lora "$t5/checkpoints/t5-v1_1-gated" "$t5/inputs/batch.json" || failed=1
check prompt "$t5/checkpoints/t5-v1_1-gated" "$t5/inputs/batch.json" || failed=1
for a in causal-llama-lora:llama-gqa causal-llama-prompt:llama-gqa causal-gpt2-lora:gpt2 \
         causal-llama-dora:llama-gqa causal-gpt2-variants:gpt2; do
  check "${a%%:*}" "$causal/${a##*:}" "$out/${a%%:*}-inputs.json" || failed=1
done
[ "$failed" = 0 ] && echo "PEFT 0.13.2 loads all 7 adapters our trainer wrote; its logits equal ours"
exit "$failed"
