"""Run the PyTorch reference unchanged and report its iterations two ways.

    /tmp/torch-ref/bin/python bench/torch_ref_stats.py --torch-ref PATH [--iters 20]

The reference is a separate script, not part of this repository (PATH): a DCGAN
training script in the style of pytorch/examples, run on the CPU, that prints the
median of its timed iterations. The book's engine is timed over its whole loop
(samples / seconds), which is a mean: slow iterations count. On a busy machine the
two can differ by a few percent, so a ratio of one to the other can lean towards the
reference. This script runs the reference's own `main()` as it is and keeps the list
of iteration times it takes the median of, so that the same iterations also give the
mean. It prints one JSON line: both figures, the thread count and the version.

What the reference must provide: a `main()` that reads its options from sys.argv
(every option other than --torch-ref is passed on to it: --iters, --warmup,
--batch), a module-level `import statistics` whose `statistics.median` it calls
once on the list of its iteration times in seconds, and a module-level `torch`.
`bench_training.py --torch-ref PATH` runs this script for its comparison.
"""
import argparse
import importlib.util
import json
import statistics
import sys
from pathlib import Path


class _Keeper:
    """Stands in for the reference module's `statistics`: records what it is asked
    the median of, and answers with the real median."""

    def __init__(self):
        self.times = None

    def median(self, times):
        self.times = list(times)
        return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
        usage="%(prog)s --torch-ref PATH [options passed on to the reference, e.g. --iters 20]")
    ap.add_argument("--torch-ref", metavar="PATH", required=True,
                    help="the PyTorch reference script (not part of this repository)")
    args, rest = ap.parse_known_args()
    torch_ref = Path(args.torch_ref)
    if not torch_ref.is_file():
        ap.error(f"--torch-ref {torch_ref}: no such file")
    spec = importlib.util.spec_from_file_location("torch_dcgan_ref", torch_ref)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    keeper = ref.statistics = _Keeper()
    sys.argv = [str(torch_ref)] + rest  # --iters, --warmup, --batch go to the reference
    ref.main()  # prints its own line (the median), as when run directly
    batch = int(rest[rest.index("--batch") + 1]) if "--batch" in rest else 64
    times = keeper.times
    print(json.dumps({"median": batch / statistics.median(times), "mean": batch * len(times) / sum(times),
                      "iterations": len(times), "threads": ref.torch.get_num_threads(),
                      "torch": ref.torch.__version__}))


if __name__ == "__main__":
    main()
