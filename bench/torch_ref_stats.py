"""Run the PyTorch reference unchanged and report its iterations two ways.

    /tmp/torch-ref/bin/python bench/torch_ref_stats.py [--iters 20]

`../shared/bench/torch_dcgan_ref.py` prints the median of its timed iterations. The
book's engine is timed over its whole loop (samples / seconds), which is a mean:
slow iterations count. On a busy machine the two can differ by a few percent, so a
ratio of one to the other can lean towards the reference. This script runs the
reference's own `main()` as it is and keeps the list of iteration times it takes
the median of, so that the same iterations also give the mean. It prints one JSON
line: both figures, the thread count and the version.
"""
import importlib.util
import json
import statistics
import sys
from pathlib import Path

TORCH_REF = Path(__file__).resolve().parents[2] / "shared" / "bench" / "torch_dcgan_ref.py"


class _Keeper:
    """Stands in for the reference module's `statistics`: records what it is asked
    the median of, and answers with the real median."""

    def __init__(self):
        self.times = None

    def median(self, times):
        self.times = list(times)
        return statistics.median(times)


def main():
    spec = importlib.util.spec_from_file_location("torch_dcgan_ref", TORCH_REF)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    keeper = ref.statistics = _Keeper()
    sys.argv = [str(TORCH_REF)] + sys.argv[1:]  # --iters, --warmup, --batch go to the reference
    ref.main()  # prints its own line (the median), as when run directly
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 64
    times = keeper.times
    print(json.dumps({"median": batch / statistics.median(times), "mean": batch * len(times) / sum(times),
                      "iterations": len(times), "threads": ref.torch.get_num_threads(),
                      "torch": ref.torch.__version__}))


if __name__ == "__main__":
    main()
