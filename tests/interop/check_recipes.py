"""Reads the run's TextBrewer config (JSON) and torchdistill config (YAML) as those tools would,
checks every field against the names their code accepts, and checks that the files carry the
run's settings: T, α, β, the mapped layer pairs and the projections' widths.

Field names are those of TextBrewer 0.2's DistillationConfig / IntermediateMatch keyword
arguments and presets, and of torchdistill 1.x's WeightedSumLoss, SimpleLossWrapper and KDLoss.

usage: check_recipes.py textbrewer.json torchdistill.yaml T ALPHA BETA PAIRS STUDENT_W TEACHER_W
       PAIRS like 1:2,2:4,3:6 (student:teacher)
"""
import json
import sys

import yaml

TB_CONFIG = {"temperature", "temperature_scheduler", "hard_label_weight",
             "hard_label_weight_scheduler", "kd_loss_type", "kd_loss_weight",
             "kd_loss_weight_scheduler", "probability_shift", "intermediate_matches",
             "is_caching_logits"}
TB_MATCH = {"layer_T", "layer_S", "feature", "loss", "weight", "proj"}
TB_LOSSES = {"attention_mse_sum", "attention_mse", "attention_ce_mean", "attention_ce",
             "hidden_mse", "cos", "pkd", "fsp", "nst", "mmd"}
TB_WEIGHT_SCHEDULERS = {"none", "linear_decay", "linear_growth"}
TB_T_SCHEDULERS = {"none", "constant", "flsw", "cwsm"}

TD_MODEL = {"key", "kwargs", "src_ckpt", "dst_ckpt"}
TD_TRAIN = {"log_freq", "num_epochs", "train_data_loader", "val_data_loader", "teacher",
            "student", "optimizer", "scheduler", "criterion"}
TD_TERM = {"criterion", "criterion_wrapper", "weight"}
TD_KD = {"student_module_path", "student_module_io", "teacher_module_path",
         "teacher_module_io", "temperature", "alpha", "beta", "reduction"}
TD_HOOK = {"is_from_teacher", "module_path", "io"}


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


def check_textbrewer(path, t, alpha, beta, pairs, widths):
    c = json.load(open(path))
    assert set(c) <= TB_CONFIG, set(c) - TB_CONFIG
    assert c["kd_loss_type"] in {"ce", "mse"}
    assert c["temperature_scheduler"] in TB_T_SCHEDULERS
    for k in ("hard_label_weight_scheduler", "kd_loss_weight_scheduler"):
        assert c[k] in TB_WEIGHT_SCHEDULERS, c[k]
    assert close(c["temperature"], t) and close(c["hard_label_weight"], alpha), c
    assert close(c["kd_loss_weight"], (1 - alpha) * t * t), c["kd_loss_weight"]
    matches = c["intermediate_matches"]
    for m in matches:
        assert set(m) <= TB_MATCH, set(m) - TB_MATCH
        assert m["feature"] in {"hidden", "attention"} and m["loss"] in TB_LOSSES, m
        assert close(m["weight"], beta), m
        if widths[0] != widths[1]:
            assert m["proj"] == ["linear", widths[0], widths[1]], m
    assert [(m["layer_S"], m["layer_T"]) for m in matches] == pairs, matches


def check_torchdistill(path, t, alpha, beta, pairs):
    c = yaml.safe_load(open(path))
    for role in ("teacher_model", "student_model"):
        assert set(c["models"][role]) <= TD_MODEL, c["models"][role]
    train = c["train"]
    assert set(train) <= TD_TRAIN, set(train) - TD_TRAIN
    assert train["criterion"]["key"] == "WeightedSumLoss"
    terms = train["criterion"]["kwargs"]["sub_terms"]
    for name, term in terms.items():
        assert set(term) <= TD_TERM, (name, term)
        wrapper = term.get("criterion_wrapper")
        if wrapper:
            assert wrapper["key"] == "SimpleLossWrapper"
            assert set(wrapper["kwargs"]["input"]) <= TD_HOOK
    kd = terms["kd"]["criterion"]
    assert kd["key"] == "KDLoss" and set(kd["kwargs"]) <= TD_KD, kd
    assert close(kd["kwargs"]["temperature"], t) and close(kd["kwargs"]["alpha"], alpha), kd
    hidden = [v for k, v in terms.items() if k.startswith("hidden_")]
    assert len(hidden) == len(pairs), terms.keys()
    teacher_hooks = set(train["teacher"]["forward_hook"]["output"])
    student_hooks = set(train["student"]["forward_hook"]["output"])
    for term in hidden:
        assert close(term["weight"], beta), term
        w = term["criterion_wrapper"]["kwargs"]
        assert w["target"]["is_from_teacher"] and w["target"]["module_path"] in teacher_hooks
        assert not w["input"]["is_from_teacher"] and w["input"]["module_path"] in student_hooks


def main():
    tb, td, t, alpha, beta, pairs, ws, wt = sys.argv[1:9]
    t, alpha, beta = float(t), float(alpha), float(beta)
    pairs = [tuple(int(x) for x in p.split(":")) for p in pairs.split(",") if p]
    check_textbrewer(tb, t, alpha, beta, pairs, (int(ws), int(wt)))
    check_torchdistill(td, t, alpha, beta, pairs)
    print(f"TextBrewer and torchdistill configs parse and carry T {t}, α {alpha}, β {beta}, "
          f"pairs {pairs}")


if __name__ == "__main__":
    main()
