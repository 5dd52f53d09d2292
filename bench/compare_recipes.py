"""Training recipes for the `default` profile, side by side, with chapter 4's measures.

    python bench/compare_recipes.py [--recipes NAME ...] [--seeds S ...] [--n 2000] [--json PATH]
                                    [--profile quick]

Each recipe is the `default` profile (or --profile) with a few settings changed. Each is trained
once through the same cache as the chapters (a finished run is reused: the first
run of this script trains every recipe, minutes each), then measured with
`utils.gan.scorecard` against the same references: the training faces, held-out
faces and the frozen attribute classifier of chapter 4. With --seeds, each recipe
is also trained again with other seeds (the same images; other starting weights,
batch order and noise), and a last table gives the range of each measure over the
seeds: a difference between two recipes smaller than that range is chance, not the
recipe. Prints Markdown tables;
with --json, also writes the numbers there. To keep a run, append its output to a
dated file under bench/results/, e.g.
`... | tee -a bench/results/recipes_$(date -u +%F).txt`.

The training minutes depend on the CPU and on what else runs on it; the quality
numbers do not (a run is deterministic on one machine).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
from utils import profiles  # noqa: E402

DEFAULT = profiles.PROFILES["default"]


def codes_100(profile):
    """The `default` recipe before its codes were cut to 16 numbers: the paper's 100,
    24 epochs."""
    return dataclasses.replace(profile, nz=100, epochs=24)


# name: (what it is, the recipe as a change of the profile, which weights to sample:
# "sampled" = what the run samples from, "last" = G's own last weights, not their
# average, from the same run)
RECIPES = {
    "before": ("the earlier default: the paper's learning rates, no average, 12 epochs of 64",
               profiles.earlier_recipe, "sampled"),
    "+ average": ("the earlier default, sampling from the moving average of G's weights",
                  lambda p: dataclasses.replace(profiles.earlier_recipe(p), ema=DEFAULT.ema), "sampled"),
    "now, no grain penalty": ("the profile as it is now without the penalty on grain (grain 0)",
                              lambda p: dataclasses.replace(p, grain=0.0), "sampled"),
    "now, G's last weights": ("the profile as it is now, G itself instead of the average",
                              lambda p: p, "last"),
    "now, shorter average": ("the profile as it is now with an average of shorter memory (ema 0.99): "
                             "the same training, since only the samples come from the average",
                             lambda p: dataclasses.replace(p, ema=0.99), "sampled"),
    "now": ("the profile as it is now", lambda p: p, "sampled"),
    "codes of 100 for 24 epochs": ("the profile as it was before codes of 16 numbers: "
                                   "the paper's 100, trained for 24 epochs", codes_100, "sampled"),
    "codes of 100 for 24 epochs, G's last weights": ("the same run, G itself instead of the average",
                                                     codes_100, "last"),
    "codes of 100 for 24 epochs, no grain penalty": ("the same recipe without the penalty on grain",
                                                     lambda p: dataclasses.replace(codes_100(p), grain=0.0),
                                                     "sampled"),
}


def differences(profile, base) -> dict:
    """The settings in which `profile` differs from `base`."""
    return {k: v for k, v in profile.settings().items() if base.settings()[k] != v}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def measure(names, n, base, seeds):
    import mxnet as mx

    from utils.gan import monitor, runs, scorecard
    from utils.latent import attributes

    ctx = mx.cpu()
    classifier, _ = attributes.trained_classifier("default", ctx)  # frozen: trained once, cached
    refs = scorecard.references(base, classifier, ctx, n)
    rows = {"real, held out (floor)": {"fd": scorecard.floor(refs)}}
    for seed in seeds:
        for name in names:
            profile = RECIPES[name][1](base)
            row = name if seeds == [base.seed] else f"{name}, seed {seed}"
            print(f"--- {row}: {RECIPES[name][0]}", flush=True)
            try:
                G, _, history = runs.trained_networks(profile, ctx, show_log=False,
                                                      seed=None if seed == base.seed else seed)
            except monitor.Diverged as stopped:  # a collapse is a result too: keep going
                print(f"    {stopped}", flush=True)
                rows[row] = {"stopped": "training stopped (see the log)", "recipe": name, "seed": seed,
                             "changes": differences(profile, base)}
                continue
            if RECIPES[name][2] == "last":
                runs.load_last_weights(history["folder"], G)
            score = scorecard.scorecard(scorecard.samples(G, profile, ctx, n), refs, classifier, ctx)
            rows[row] = {**score, "minutes": history["seconds"] / 60, "recipe": name, "seed": seed,
                         "changes": differences(profile, base)}
    return rows


def within_5_points(row: dict) -> int:
    """How many of the row's attribute gaps are at most 5 points (the quality target)."""
    return sum(gap <= 5 for gap in row["attributes"].values())


def table(rows: dict) -> str:
    names = [r for r in next((v["attributes"] for v in rows.values() if "attributes" in v), {})]
    head = ["recipe", "FD", "KID x1000", "precision", "recall", "HF ratio", "copy p",
            "worst attribute (points)", "smiling gap", "minutes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows.items():
        if "stopped" in r:
            lines.append(f"| {name} | {r['stopped']} |" + " |" * (len(head) - 2))
            continue
        if "kid" not in r:
            lines.append(f"| {name} | {r['fd']:.0f} |" + " |" * (len(head) - 2))
            continue
        worst = max(names, key=lambda a: r["attributes"][a])
        lines.append(
            f"| {name} | {r['fd']:.0f} | {r['kid']:.0f} ± {r['kid_std']:.0f} | {r['precision']:.2f} | "
            f"{r['recall']:.3f} | {r['hf_ratio']:.2f} | {r['copy_p']:.2g} | "
            f"{worst} {r['attributes'][worst]:.0f} | {r['attributes'].get('smiling', float('nan')):.0f} | "
            f"{r['minutes']:.1f} |")
    return "\n".join(lines)


def attribute_table(rows: dict) -> str:
    """Each attribute's gap (points: of a share, or of the attribute's range) per recipe."""
    scored = {name: r for name, r in rows.items() if "attributes" in r}
    names = list(next(iter(scored.values()))["attributes"])
    lines = ["| attribute | " + " | ".join(scored) + " |", "|" + "---|" * (len(scored) + 1)]
    for a in names:
        lines.append(f"| {a} | " + " | ".join(f"{r['attributes'][a]:.1f}" for r in scored.values()) + " |")
    lines.append("| within 5 points | " + " | ".join(
        f"{within_5_points(r)} of {len(names)}" for r in scored.values()) + " |")
    return "\n".join(lines)


def spread_table(rows: dict) -> str:
    """Per recipe, the lowest and highest value of each measure over the seeds."""
    measures = {"FD": lambda r: r["fd"], "precision": lambda r: r["precision"],
                "recall": lambda r: r["recall"], "HF ratio": lambda r: r["hf_ratio"],
                "smiling gap": lambda r: r["attributes"]["smiling"],
                "worst attribute gap": lambda r: max(r["attributes"].values()),
                "attributes within 5 points": within_5_points}
    recipes = list(dict.fromkeys(r["recipe"] for r in rows.values() if "recipe" in r))
    lines = ["| measure | " + " | ".join(recipes) + " |", "|" + "---|" * (len(recipes) + 1)]
    for label, get in measures.items():
        cells = []
        for recipe in recipes:
            values = [get(r) for r in rows.values() if r.get("recipe") == recipe and "attributes" in r]
            digits = 0 if label in ("FD", "smiling gap", "worst attribute gap", "attributes within 5 points") else 2
            cells.append(f"{min(values):.{digits}f} to {max(values):.{digits}f}" if values else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES),
                        default=["before", "now, G's last weights", "now"],
                        help="which recipes (default: all but '+ average' and 'now, no grain penalty', "
                             "which train one more run each)")
    parser.add_argument("--seeds", nargs="+", type=int,
                        help="train each recipe with these seeds (default: the profile's own; "
                             "each other seed trains every recipe again)")
    parser.add_argument("--n", type=int, default=2000, help="samples per set (default 2000)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--profile", choices=list(profiles.PROFILES), default="default",
                        help="the profile the recipes change (default: default; quick for a smoke test)")
    args = parser.parse_args(argv)
    t0 = time.time()
    base = profiles.PROFILES[args.profile]
    seeds = list(dict.fromkeys(args.seeds or [base.seed]))
    rows = measure(args.recipes, args.n, base, seeds)
    print(f"\n{time.strftime('%Y-%m-%d')}, {cpu_name()}, Python {platform.python_version()}; "
          f"profile {args.profile}, seeds {seeds}, {args.n} samples per set; this run took {(time.time() - t0) / 60:.1f} min\n")
    for name in args.recipes:
        changes = next(r["changes"] for r in rows.values() if r.get("recipe") == name)
        print(f"- {name}: {RECIPES[name][0]} {changes or ''}")
    print(f"- the profile now: {profiles.PROFILES[args.profile].settings()}")
    print()
    print(table(rows))
    print()
    print(attribute_table(rows))
    if len(seeds) > 1:
        print(f"\nRange over seeds {seeds}:\n")
        print(spread_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
