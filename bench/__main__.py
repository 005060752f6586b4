"""Run every bench/bench_*.py module's main(); `make bench` calls this."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    selected = [n for n in names if not sys.argv[1:] or n in sys.argv[1:]]
    for name in selected:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    if not selected:
        print("no benchmarks selected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
