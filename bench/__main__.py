"""Run every bench/bench_*.py module's main() (or those named: `python -m bench bench_messenger --rates 10,20`);
`make bench` calls this."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    # Arguments naming a bench select it; the others (--options) are the benches' own.
    wanted = [a for a in sys.argv[1:] if a.startswith("bench_")]
    selected = [n for n in names if not wanted or n in wanted]
    for name in selected:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    if not selected:
        print("no benchmarks selected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
