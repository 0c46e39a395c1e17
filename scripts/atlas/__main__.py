"""Command line: `python -m atlas validate|generate|build` (the Makefile calls these)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mkdocs.exceptions import MkDocsException

from .build import ROOT, DataError, build_site, generate, write_tree
from .data import load


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="atlas")
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate", help="check every data file; print every problem")
    v.add_argument("--data", type=Path, default=ROOT / "data")
    g = sub.add_parser("generate", help="write the generated pages and artifacts to a folder")
    g.add_argument("--data", type=Path, default=ROOT / "data")
    g.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("build", help="validate, generate and build the site into site/ (atomically)")
    b.add_argument("--config", type=Path, default=ROOT / "mkdocs.yml")
    b.add_argument("--site-dir", type=Path, default=None)
    args = ap.parse_args(argv)

    if args.cmd == "validate":
        _, problems = load(args.data, root=args.data.resolve().parent)
        for p in problems:
            print(p)
        errors = sum(p.severity == "error" for p in problems)
        print(f"{errors} error(s), {len(problems) - errors} warning(s) in {args.data}", file=sys.stderr)
        return 1 if errors else 0
    try:
        if args.cmd == "generate":
            result = generate(args.data)
            write_tree(result.files, args.out)
            print(f"wrote {len(result.files)} files to {args.out}")
        else:
            # MkDocs's own warnings (each one fails the strict build) go to stderr.
            shown = logging.StreamHandler(sys.stderr)
            shown.setLevel(logging.WARNING)
            shown.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
            logging.getLogger("mkdocs").addHandler(shown)
            site = build_site(args.config, args.site_dir)
            print(f"built {site}")
    except DataError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{exc}; nothing was written.", file=sys.stderr)
        return 1
    except MkDocsException as exc:  # the hook's data errors (already listed) or strict warnings
        print(f"{str(exc).rstrip('.')}; the previous site was left as it was.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
